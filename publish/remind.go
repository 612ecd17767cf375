package publish

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"innoreport/internal/mail"
	"innoreport/report"
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

// Reminded is what became of one unit's reminder.
type Reminded struct {
	Unit       string
	To         []string // none: the unit has no address
	BadAddress string   // the address in the unit list that could not be read
	State      RemindState
}

// RemindState says what became of a reminder.
type RemindState int

const (
	WouldSend       RemindState = iota // a dry run
	Queued                             // queued now, and sent unless the error says otherwise
	AlreadyReminded                    // reminded this period before
)

// RemindOptions are how Remind sends.
type RemindOptions struct {
	Dry        bool   // list, queue nothing
	ReturnsDir string // attach each unit's return from here (what split wrote), where it is
	QueueDir   string
	SMTP       func() (mail.Config, error) // read only when not Dry
	Backoff    []time.Duration
	// Links gives each unit's serve link in a campaign, put in its mail;
	// nil, or a nil func from it, for none.
	Links func(campaign string) (func(unit string) string, error)
}

// Remind queues (or, Dry, lists) a reminder for each unit of the master
// at masterPath that has not reported, and sends them on the queue's
// retries; serve's "remind the rest" button calls it too. Those not sent
// yet are ErrMailQueued, with the list.
func (c *Collector) Remind(ctx context.Context, masterPath string, opts RemindOptions) ([]Reminded, error) {
	m, err := c.ReadMaster(masterPath)
	if err != nil {
		return nil, err
	}
	// The period a reminder is for: the day returns are due, else the
	// master's as-of date.
	period := c.Deadline
	if period == "" {
		period = m.Res.AsOf.String()
	}
	reported, err := c.reported(ctx, m)
	if err != nil {
		return nil, err
	}
	var link func(string) string
	if opts.Links != nil {
		if link, err = opts.Links(m.Campaign); err != nil {
			return nil, err
		}
	}
	var cfg mail.Config
	if !opts.Dry {
		if cfg, err = opts.SMTP(); err != nil {
			return nil, err
		}
	}
	list, out, err := c.reminders(m, period, reported, opts.ReturnsDir, link)
	if err != nil {
		return nil, err
	}
	q := &mail.Queue{Dir: opts.QueueDir, Config: cfg, Backoff: opts.Backoff}
	queued, err := queueReminders(q, list, opts.Dry, &out)
	if err != nil || opts.Dry || len(queued) == 0 {
		return out, err
	}
	left, err := q.Deliver(ctx, queued...)
	if err != nil || len(left) == 0 {
		return out, err
	}
	return out, &report.BilingualError{Err: ErrMailQueued, Msg: report.Text{
		Zh: fmt.Sprintf("%d 封催报邮件暂未发出（服务器 %s），已保存在 %s，下次运行 remind、build 或 watch 时自动重发", len(left), mail.Redacted(cfg.URL), q.Dir),
		En: fmt.Sprintf("%d reminders could not be sent yet (server %s); they are kept in %s and the next remind, build or watch sends them", len(left), mail.Redacted(cfg.URL), q.Dir),
	}}
}

// reported are the units db has a return from for m.
func (c *Collector) reported(ctx context.Context, m *Master) (map[string]bool, error) {
	reported := map[string]bool{}
	db, err := c.OpenDB(ctx)
	if err != nil || db == nil {
		return reported, err
	}
	defer db.Close()
	recs, err := db.Returns(ctx, m.Campaign, m.Sum)
	if err != nil {
		return nil, err
	}
	for _, r := range recs {
		reported[r.Unit] = true
	}
	return reported, nil
}

// reminders are the units of m that have not reported, each with its mail
// where it has an address; one with a bad address is said in bad and
// skipped.
func (c *Collector) reminders(m *Master, period string, reported map[string]bool, retDir string, link func(string) string) (list []reminder, bad []Reminded, err error) {
	units := map[string]report.Unit{}
	for _, u := range m.Res.Data.Units {
		units[u.Name] = u
	}
	for _, p := range m.Parts {
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
				bad = append(bad, Reminded{Unit: p.Unit, BadAddress: addr})
				continue
			}
			r.message = remindMessage(c.Template, c.Lang, c.Deadline, r, to, retDir, link)
			// One reminder a unit a period, whatever its text says: the
			// queue names a keyed mail by its key and recipients.
			r.message.Key = reminderID(m.Campaign, period, p.Unit)
			if r.message.ID, err = mail.Identity(r.message); err != nil {
				return nil, nil, err
			}
		}
		list = append(list, r)
	}
	return list, bad, nil
}

// queueReminders puts each reminder not sent this period into q (dry:
// none), adding to out what became of each; it returns the IDs queued now.
func queueReminders(q *mail.Queue, list []reminder, dry bool, out *[]Reminded) ([]string, error) {
	var queued []string
	for _, r := range list {
		if r.message == nil {
			*out = append(*out, Reminded{Unit: r.unit.Name})
			continue
		}
		done := Reminded{Unit: r.unit.Name, To: r.message.To, State: WouldSend}
		if !dry {
			done.State = Queued
			for _, d := range []string{filepath.Join(q.Dir, "sent", r.message.ID), filepath.Join(q.Dir, r.message.ID)} {
				if _, err := os.Stat(d); err == nil {
					done.State = AlreadyReminded
				}
			}
			if done.State == Queued {
				if err := q.Put(r.message); err != nil {
					return nil, err
				}
				queued = append(queued, r.message.ID)
			}
		}
		*out = append(*out, done)
	}
	return queued, nil
}

// remindMessage is the short mail a unit gets: what is due by when, its
// tasks, and its link to upload the return (where link is not nil).
func remindMessage(t *report.Template, lang report.Lang, deadline string, r reminder, to []string, retDir string, link func(string) string) *mail.Message {
	L := func(zh, en string) string { return pick(lang, zh, en) }
	title := t.Title.In(lang)
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
	if link != nil {
		fmt.Fprintf(&b, L("\n也可以在网页上检查并提交报表（本单位专用链接，请勿转发）：\n%s\n", "\nYou can also check and submit the return on the web page (your unit's own link: do not forward it):\n%s\n"), link(r.unit.Name))
	}
	fmt.Fprintf(&b, "\n%s\n-- innoreport\n", t.Bureau.In(lang))
	msg := &mail.Message{To: to, Subject: subject, Text: b.String(), Date: time.Now()}
	if retDir != "" {
		p := filepath.Join(retDir, returns.FileName(r.unit.Name)+".xlsx")
		if _, err := os.Stat(p); err == nil {
			msg.Attachments = []mail.Attachment{{Name: filepath.Base(p), Path: p}}
		}
	}
	return msg
}
