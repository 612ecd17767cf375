package main

import (
	"bytes"
	"context"
	"errors"
	"mime"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"innoreport/internal/mail/mailtest"
	"innoreport/publish"
	"innoreport/report"
	"innoreport/samples"

	"github.com/xuri/excelize/v2"
)

// remind mails each unit that has not reported, once a period, through the
// mail queue; a unit without an address is listed instead.
func TestRemind(t *testing.T) {
	srv := mailtest.Start(t)
	t.Setenv("INNOREPORT_SMTP_URL", "smtp://"+srv.Addr)
	t.Setenv("INNOREPORT_MAIL_FROM", "kjj@neijiang.example")
	dir := t.TempDir()

	mp, rd := splitMaster(t, dir, withAddresses(t))
	out := filepath.Join(dir, "out")
	// 市科技局 has reported.
	if _, stderr, err := runOK(t, "collect", "-out", out, mp, filepath.Join(rd, "内江市科学技术局.xlsx")); err != nil {
		t.Fatalf("collect: %v\n%s", err, stderr)
	}

	dry, _, err := runOK(t, "remind", "-dry-run", "-out", out, "-deadline", "2022-01-10", mp)
	if err != nil {
		t.Fatal(err)
	}
	if len(srv.Received()) != 0 || !strings.Contains(dry, "czj@neijiang.example") {
		t.Fatalf("dry run sent %d mails; printed:\n%s", len(srv.Received()), dry)
	}
	stdout, stderr, err := runOK(t, "remind", "-out", out, "-deadline", "2022-01-10", "-returns", rd, mp)
	if err != nil {
		t.Fatalf("remind: %v\n%s", err, stderr)
	}
	got := srv.Received()
	var to []string
	for _, m := range got {
		to = append(to, m.To...)
		msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
		if err != nil {
			t.Fatal(err)
		}
		subj, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
		if err != nil || !strings.Contains(subj, "催报") || !strings.Contains(subj, "2022-01-10") {
			t.Errorf("subject %q (%v)", subj, err)
		}
		if !bytes.Contains(m.Data, []byte(".xlsx")) {
			t.Errorf("mail to %v does not attach the unit's return", m.To)
		}
	}
	slices.Sort(to)
	if want := []string{"czj@neijiang.example", "nyj@neijiang.example"}; !slices.Equal(to, want) {
		t.Errorf("mailed %v, want %v (市科技局 has reported)", to, want)
	}
	for _, unit := range []string{"内江市发展和改革委员会", "中共内江市委宣传部"} {
		if !strings.Contains(stdout, unit+"\t未报，无邮箱") {
			t.Errorf("%s without an address is not listed:\n%s", unit, stdout)
		}
	}
	if strings.Contains(stdout, "内江市科学技术局") {
		t.Errorf("a unit that reported is reminded:\n%s", stdout)
	}

	// Again, for the same period: nothing sent twice.
	again, _, err := runOK(t, "remind", "-out", out, "-deadline", "2022-01-10", mp)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Received()); n != 2 || !strings.Contains(again, "本期已催报过") {
		t.Errorf("second remind: %d mails in all; printed:\n%s", n, again)
	}
	// A new period reminds again.
	if _, _, err := runOK(t, "remind", "-out", out, "-deadline", "2022-02-10", mp); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Received()); n != 4 {
		t.Errorf("next period: %d mails in all, want 4", n)
	}
	if _, err := os.Stat(filepath.Join(out, ".mailq", "sent")); err != nil {
		t.Errorf("no sent folder in the queue: %v", err)
	}
}

// withAddresses is the sample with 联系人 and 邮箱 in its unit list for
// three units.
func withAddresses(t *testing.T) []byte {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(samples.Workbook))
	if err != nil {
		t.Fatal(err)
	}
	const us = "单位名单"
	set(t, f, us, "E1", "联系人")
	set(t, f, us, "F1", "邮箱")
	rows, err := f.GetRows(us)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		switch r[1] {
		case "内江市科学技术局", "内江市财政局", "内江市农业农村局":
			a := map[string]string{"内江市科学技术局": "kjj@neijiang.example", "内江市财政局": "czj@neijiang.example", "内江市农业农村局": "nyj@neijiang.example"}[r[1]]
			set(t, f, us, "E"+strconv.Itoa(i+1), "张三")
			set(t, f, us, "F"+strconv.Itoa(i+1), a)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return buf.Bytes()
}

// CollectOne, what a watch over returns is to call: a return is collected
// with those already recorded and its unit gets a receipt; a file that is
// no return says so, to be built as a workbook instead.
// testCollector is collect's, with its default limits, writing to out.
func testCollector(t *testing.T, out string) *publish.Collector {
	t.Helper()
	c := &collectFlags{out: out}
	c.lang, c.format = "zh", "text"
	c.maxRows, c.maxSheet, c.maxUnzip, c.maxCols, c.maxChars, c.maxSecs = 1<<20, 256, 256, 16384, 32767, 60
	c.maxFile = defaultMaxFileMB
	col, err := c.collector()
	if err != nil {
		t.Fatal(err)
	}
	return col
}

func TestCollectOneAndReceipt(t *testing.T) {
	dir := t.TempDir()
	mp, rd := splitMaster(t, dir, withAddresses(t))
	cz := filepath.Join(rd, "内江市财政局.xlsx")
	editBook(t, cz, func(f *excelize.File) { set(t, f, "任务清单", "K5", 100) })
	col := testCollector(t, filepath.Join(dir, "out"))
	db, err := col.OpenDB(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got, err := col.CollectOne(context.Background(), mp, cz, db)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Coll.Returns) != 1 || len(got.Coll.Updates) != 1 || got.Coll.Updates[0].Cell != "K12" {
		t.Fatalf("collected %+v", got.Coll.Updates)
	}
	msg, err := got.Receipt(got.Coll.Returns[0], col.Template, "zh")
	if err != nil || msg == nil {
		t.Fatalf("receipt: %v %v", msg, err)
	}
	if !slices.Equal(msg.To, []string{"czj@neijiang.example"}) || !strings.Contains(msg.Text, "任务清单!K5  80 → 100") ||
		!strings.Contains(msg.Subject, "内江市财政局的报表已收到") {
		t.Errorf("receipt to %v: %s\n%s", msg.To, msg.Subject, msg.Text)
	}
	// A second return, another unit's, is collected with the first.
	ny := filepath.Join(rd, "内江市农业农村局.xlsx")
	editBook(t, ny, func(f *excelize.File) { set(t, f, "任务清单", "L5", "园区已通过验收") })
	if got, err = col.CollectOne(context.Background(), mp, ny, db); err != nil || len(got.Coll.Updates) != 2 {
		t.Fatalf("second return: %v, %d updates", err, len(got.Coll.Updates))
	}
	if _, err := col.CollectOne(context.Background(), mp, mp, db); !errors.Is(err, report.ErrNotReturn) {
		t.Errorf("the master as a return: %v", err)
	}
}
