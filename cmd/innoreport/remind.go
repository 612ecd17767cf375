package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"innoreport/report"
	"innoreport/report/mail"
	"innoreport/report/returns"
)

// reminder is one unit that has not reported, and its mail if it has an
// address.
type reminder struct {
	unit    report.Unit
	part    report.UnitPart
	message *mail.Message
}

// reminderID names a reminder by campaign, period and unit, so the mail
// queue holds at most one per unit and period, sent or not: a reminder is
// never sent twice. It is also the folder's name and the Message-ID's
// left part, so it is ASCII: the unit's name goes in by its hash.
func reminderID(campaign, period, unit string) string {
	c := sha256.Sum256([]byte(campaign))
	u := sha256.Sum256([]byte(unit))
	return "remind-" + hex.EncodeToString(c[:4]) + "-" + period + "-" + hex.EncodeToString(u[:6])
}

func runRemind(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c collectFlags
	fs := newFlagSet("remind", stderr, &c.common)
	c.registerCollect(fs)
	dry := fs.Bool("dry-run", false, "list the reminders without queueing or sending any")
	retDir := fs.String("returns", "", "attach each unit's return from this `DIR` (what split wrote), where it is there")
	fs.Usage = func() {
		fmt.Fprint(stderr, "用法 / usage: innoreport remind [-deadline D] [-dry-run] [-db PATH] [-out DIR] MASTER.xlsx\n\n")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usagef("请给出一个主表", "give one master workbook")
	}
	return remind(ctx, &c, fs.Arg(0), *dry, *retDir, stdout)
}

// remind queues (or, dry, lists) a reminder for each unit of the master
// at masterPath that has not reported; serve's "remind the rest" button
// calls it too.
func remind(ctx context.Context, c *collectFlags, masterPath string, dry bool, retDir string, stdout io.Writer) error {
	m, err := c.readMaster(masterPath)
	if err != nil {
		return err
	}
	deadline, err := deadlineFlag(c.deadline, m.tmpl)
	if err != nil {
		return err
	}
	// The period a reminder is for: the day returns are due, else the
	// master's as-of date.
	period := deadline
	if period == "" {
		period = m.res.AsOf.String()
	}
	reported := map[string]bool{}
	db, err := c.openDB(ctx)
	if err != nil {
		return err
	}
	if db != nil {
		recs, err := db.Returns(ctx, m.campaign, m.sum)
		db.Close()
		if err != nil {
			return err
		}
		for _, r := range recs {
			reported[r.Unit] = true
		}
	}
	var cfg mail.Config
	if !dry {
		if cfg, err = mail.ConfigFromEnv(os.Getenv); err != nil {
			return err
		}
	}
	units := map[string]report.Unit{}
	for _, u := range m.res.Data.Units {
		units[u.Name] = u
	}
	var list []reminder
	for _, p := range m.parts {
		if reported[p.Unit] {
			continue
		}
		u, ok := units[p.Unit]
		if !ok {
			u = report.Unit{Name: p.Unit}
		}
		r := reminder{unit: u, part: p}
		if addr := strings.TrimSpace(u.Email); addr != "" {
			to, err := mail.ParseRecipients(addr)
			if err != nil {
				fmt.Fprintf(stdout, "%s\t邮箱有误 bad address %q\n", p.Unit, addr)
				continue
			}
			r.message = remindMessage(m, c.lang, deadline, r, to, retDir)
			// One reminder a unit a period, whatever its text says: the
			// queue names a keyed mail by its key and recipients.
			r.message.Key = reminderID(m.campaign, period, p.Unit)
			if r.message.ID, err = mail.Identity(r.message); err != nil {
				return err
			}
		}
		list = append(list, r)
	}
	q := &mail.Queue{Dir: filepath.Join(c.out, ".mailq"), Config: cfg, Backoff: mailRetries}
	queued := 0
	for _, r := range list {
		if r.message == nil {
			fmt.Fprintf(stdout, "%s\t未报，无邮箱，请电话催报 / not reported, no address: call them\n", r.unit.Name)
			continue
		}
		state := "将发送 / would send"
		if !dry {
			state = "已排队 / queued"
			for _, d := range []string{filepath.Join(q.Dir, "sent", r.message.ID), filepath.Join(q.Dir, r.message.ID)} {
				if _, err := os.Stat(d); err == nil {
					state = "本期已催报过 / already reminded this period"
				}
			}
			if strings.HasPrefix(state, "已排队") {
				if err := q.Put(r.message); err != nil {
					return err
				}
				queued++
			}
		}
		fmt.Fprintf(stdout, "%s\t%s\t%s\n", r.unit.Name, strings.Join(r.message.To, ","), state)
	}
	if dry || queued == 0 {
		return nil
	}
	for i := 0; ; i++ {
		if _, _, err := q.Flush(ctx); err != nil {
			return err
		}
		pending, err := q.Pending()
		if err != nil {
			return err
		}
		if len(pending) == 0 {
			return nil
		}
		if i >= len(mailRetries) || ctx.Err() != nil {
			return &report.BilingualError{Err: errMailQueued, Msg: report.Text{
				Zh: fmt.Sprintf("%d 封催报邮件暂未发出（服务器 %s），已保存在 %s，下次运行 remind、build 或 watch 时自动重发", len(pending), mail.Redacted(cfg.URL), q.Dir),
				En: fmt.Sprintf("%d reminders could not be sent yet (server %s); they are kept in %s and the next remind, build or watch sends them", len(pending), mail.Redacted(cfg.URL), q.Dir),
			}}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(mailRetries[i]):
		}
	}
}

// remindMessage is the short mail a unit gets: what is due by when, and
// its tasks.
func remindMessage(m *master, lang report.Lang, deadline string, r reminder, to []string, retDir string) *mail.Message {
	L := func(zh, en string) string {
		if lang == "en" {
			return en
		}
		return zh
	}
	title := m.tmpl.Title.In(lang)
	due := ""
	if deadline != "" {
		due = L("（截止"+deadline+"）", " (due "+deadline+")")
	}
	subject := L("【催报】"+title+"："+r.unit.Name+"的报表尚未收到"+due, "Reminder: "+title+": the return of "+r.unit.Name+" has not arrived"+due)
	var b strings.Builder
	greet := r.unit.Contact
	if greet == "" {
		greet = r.unit.Name
	}
	fmt.Fprintf(&b, L("%s：\n\n您好！%s的报表尚未收到%s。请填写报表中的黄色单元格（状态、完成进度、进展情况，以及指标的完成值）后尽快发回。\n\n", "%s,\n\nthe return of %s has not arrived%s. Please fill in its yellow cells (status, progress, progress note and the indicators' values reached) and send it back.\n\n"),
		greet, r.unit.Name, due)
	if len(r.part.Tasks) > 0 {
		fmt.Fprintf(&b, L("牵头任务 %d 项：\n", "Tasks you lead (%d):\n"), len(r.part.Tasks))
		for _, t := range r.part.Tasks {
			fmt.Fprintf(&b, "  %s. %s\n", t.ID, t.Name)
		}
	}
	if len(r.part.Indicators) > 0 {
		fmt.Fprintf(&b, L("负责指标 %d 项：\n", "Indicators you own (%d):\n"), len(r.part.Indicators))
		for _, ind := range r.part.Indicators {
			fmt.Fprintf(&b, "  %s\n", ind.Name)
		}
	}
	fmt.Fprintf(&b, "\n%s\n-- innoreport\n", m.tmpl.Bureau.In(lang))
	msg := &mail.Message{To: to, Subject: subject, Text: b.String(), Date: time.Now()}
	if retDir != "" {
		p := filepath.Join(retDir, returns.FileName(r.unit.Name)+".xlsx")
		if _, err := os.Stat(p); err == nil {
			msg.Attachments = []mail.Attachment{{Name: filepath.Base(p), Path: p}}
		}
	}
	return msg
}
