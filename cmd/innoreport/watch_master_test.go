package main

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"innoreport/internal/mail/mailtest"
	"innoreport/report/archive"
)

// watch -master: returns dropped into the inbox are collected into the
// master one at a time, the collected master's report is built and
// mailed, each unit gets a receipt, and a workbook that is no return is
// built as ever. The same return dropped again is a duplicate: no second
// receipt.
func TestWatchMasterCollectsReturns(t *testing.T) {
	dir := t.TempDir()
	mp, rd := splitMaster(t, filepath.Join(dir, "m"), withAddresses(t))
	edits := map[string]func(f *excelize.File){
		"内江市财政局.xlsx":   func(f *excelize.File) { set(t, f, "任务清单", "K5", 100) },
		"内江市农业农村局.xlsx": func(f *excelize.File) { set(t, f, "任务清单", "L5", "园区已通过验收") },
		"内江市科学技术局.xlsx": func(f *excelize.File) { set(t, f, "任务清单", "K5", 95) },
	}
	for name, edit := range edits {
		editBook(t, filepath.Join(rd, name), edit)
	}
	srv := mailEnv(t)
	inbox, state := t.TempDir(), t.TempDir()
	w := startWatch(t, "-settle", "100ms", "-jobs", "2", "-state", state, "-master", mp, "-mail-to", "leader@neijiang.example", inbox)
	for name := range edits {
		data, err := os.ReadFile(filepath.Join(rd, name))
		if err != nil {
			t.Fatal(err)
		}
		drop(t, inbox, name, data)
	}
	drop(t, inbox, "另一个工作簿.xlsx", variant(t, 21))
	waitFor(t, "four files done", 2*time.Minute, func() bool { return len(list(filepath.Join(inbox, "done"), "*.xlsx")) == 4 })
	to := func() map[string]int {
		n := map[string]int{}
		for _, m := range srv.Received() {
			n[strings.Join(m.To, ",")]++
		}
		return n
	}
	want := map[string]int{"leader@neijiang.example": 4, "czj@neijiang.example": 1, "nyj@neijiang.example": 1, "kjj@neijiang.example": 1}
	waitFor(t, "seven mails", time.Minute, func() bool { return len(srv.Received()) >= 7 })
	if got := to(); !mapsEqual(got, want) {
		t.Errorf("mails by recipient %v, want %v\n%s", got, want, w.log.String())
	}
	for _, m := range srv.Received() {
		if slices.Equal(m.To, []string{"czj@neijiang.example"}) && !strings.Contains(string(m.Data), "czj") {
			t.Errorf("the receipt to 财政局 is not addressed so")
		}
	}
	// The collected master holds every return's cells.
	f, err := excelize.OpenFile(filepath.Join(state, "collected", "master-collected.xlsx"))
	if err != nil {
		t.Fatalf("no collected master: %v\n%s", err, w.log.String())
	}
	defer f.Close()
	if v, _ := f.GetCellValue("任务清单", "K12"); v != "100" {
		t.Errorf("财政局's progress in the collected master is %q, want 100", v)
	}
	if strings.Count(w.log.String(), "msg=collected") != 3 {
		t.Errorf("not three returns collected:\n%s", w.log.String())
	}

	// The same return under another name: a duplicate, no second receipt.
	data, err := os.ReadFile(filepath.Join(rd, "内江市财政局.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	drop(t, inbox, "财政局（再发一次）.xlsx", data)
	waitFor(t, "the copy filed", time.Minute, func() bool { return len(list(filepath.Join(inbox, "done"), "*.xlsx")) == 5 })
	time.Sleep(500 * time.Millisecond)
	if got := to(); got["czj@neijiang.example"] != 1 {
		t.Errorf("the same return again sent another receipt: %v", got)
	}
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// Thirty returns dropped at once, the watcher killed with -9 in the
// middle and started again: every return collected once, every unit's
// receipt and every report mailed once.
func TestWatchMasterKilledAndRestarted(t *testing.T) {
	dir := t.TempDir()
	mp, rd := splitMaster(t, filepath.Join(dir, "m"), withAddresses(t))
	units := list(rd, "*.xlsx")
	slices.Sort(units)
	inbox := t.TempDir()
	receipts := map[string]int{} // unit file → returns of units with an address
	for i := range 30 {
		u := units[i%len(units)]
		data := func() []byte {
			tmp := filepath.Join(t.TempDir(), filepath.Base(u))
			copyFile(t, u, tmp)
			editBook(t, tmp, func(f *excelize.File) { set(t, f, "任务清单", "L5", fmt.Sprintf("第%d次报送", i+1)) })
			b, err := os.ReadFile(tmp)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}()
		name := fmt.Sprintf("%02d-%s", i+1, filepath.Base(u))
		if err := os.WriteFile(filepath.Join(inbox, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
		switch filepath.Base(u) {
		case "内江市财政局.xlsx", "内江市农业农村局.xlsx", "内江市科学技术局.xlsx":
			receipts[filepath.Base(u)]++
		}
	}
	srv := mailtest.Start(t)
	env := []string{"INNOREPORT_SMTP_URL=smtp://" + srv.Addr, "INNOREPORT_MAIL_FROM=kjj@neijiang.example"}
	state := t.TempDir()
	args := []string{"watch", "-settle", "200ms", "-jobs", "2", "-state", state, "-master", mp, "-mail-to", "leader@neijiang.example", inbox}
	cmd, _ := child(t, append(env, "INNOREPORT_TEST_BUILD_DELAY=300ms"), args...)
	waitFor(t, "some returns done", 2*time.Minute, func() bool { return len(list(filepath.Join(inbox, "done"), "*.xlsx")) >= 5 })
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if n := len(list(filepath.Join(inbox, "done"), "*.xlsx")); n >= 30 {
		t.Fatalf("all thirty done before the kill (%d): the test proves nothing", n)
	}
	cmd2, _ := child(t, env, args...)
	waitFor(t, "all thirty done after the restart", 5*time.Minute, func() bool {
		return len(list(filepath.Join(inbox, "done"), "*.xlsx")) == 30
	})
	// A receipt a return of a unit with an address; a report a build, but
	// a build whose collected master came out as an earlier one's (a
	// return received before one already taken changes nothing) is the
	// same mail, and is not sent again.
	wantReceipts := receipts["内江市财政局.xlsx"] + receipts["内江市农业农村局.xlsx"] + receipts["内江市科学技术局.xlsx"]
	waitFor(t, "every receipt", 2*time.Minute, func() bool { return len(srv.Received()) >= wantReceipts+1 })
	time.Sleep(2 * time.Second) // room for a duplicate to show
	cmd2.Process.Signal(syscall.SIGTERM)
	cmd2.Wait()
	// SMTP is at-least-once at a crash: a mail the server took just as
	// the process was killed, before the queue could file it as sent, is
	// sent again after the restart. So at most one mail may come twice —
	// the one in flight at the kill — and no other.
	by := map[string]int{}
	seen := map[string]int{}
	extra := 0
	for _, m := range srv.Received() {
		to := strings.Join(m.To, ",")
		by[to]++
		key := to
		for name, data := range attachments(t, m.Data) {
			key += "\x00" + name + archive.Sum(data)
		}
		if to != "leader@neijiang.example" {
			key += "\x00" + fmt.Sprint(by[to]) // receipts are counted below
		}
		if seen[key]++; seen[key] > 1 {
			extra++
		}
	}
	for u, n := range map[string]string{"内江市财政局.xlsx": "czj@neijiang.example", "内江市农业农村局.xlsx": "nyj@neijiang.example", "内江市科学技术局.xlsx": "kjj@neijiang.example"} {
		switch d := by[n] - receipts[u]; {
		case d < 0:
			t.Errorf("%s got %d receipts for %d returns", n, by[n], receipts[u])
		case d > 0:
			extra += d
		}
	}
	if extra > 1 {
		t.Errorf("%d mails sent twice, more than the one a kill can catch in flight: %v", extra, by)
	}
	if n := by["leader@neijiang.example"]; n == 0 || n > 31 {
		t.Errorf("%d report mails for 30 returns", n)
	}
	// The archive package registers the driver.
	db, err := sql.Open("sqlite", filepath.Join(state, "innoreport.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM returns`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 30 {
		t.Errorf("%d returns recorded, want 30", n)
	}
}
