package main

import (
	"fmt"
	"strings"
	"time"

	"innoreport/report"
	"innoreport/report/mail"
)

// receipt is the short mail a unit gets when its return is collected:
// what was taken, its findings with their cells, and its tasks still
// behind. It is for the watch over an inbox of returns; nil where the unit
// has no address in the unit list. Its ID is the return's SHA-256, so one
// return gets one receipt.
func (c *collected) receipt(o *report.ReturnOutcome, t *report.Template, lang report.Lang) (*mail.Message, error) {
	var addr string
	for _, u := range c.Res.Data.Units {
		if u.Name == o.Unit {
			addr = strings.TrimSpace(u.Email)
		}
	}
	if addr == "" {
		return nil, nil
	}
	to, err := mail.ParseRecipients(addr)
	if err != nil {
		return nil, err
	}
	L := func(zh, en string) string {
		if lang == "en" {
			return en
		}
		return zh
	}
	var b strings.Builder
	fmt.Fprintf(&b, L("%s：\n\n已收到您的报表 %s。\n\n", "%s,\n\nyour return %s has been received.\n\n"), o.Unit, o.File)
	taken := c.Coll.Taken(o)
	if o.Superseded != "" {
		fmt.Fprintf(&b, L("本份报表已被后来收到的 %s 取代，未汇入。\n", "It was replaced by %s, received later, and not taken.\n"), o.Superseded)
	} else {
		fmt.Fprintf(&b, L("汇入 %d 处：\n", "Taken (%d):\n"), len(taken))
		for _, u := range taken {
			fmt.Fprintf(&b, "  %s  %s → %s\n", report.Ref(u.ReturnSheet, u.ReturnCell), u.From, u.To)
		}
	}
	if len(o.Findings) > 0 {
		fmt.Fprintf(&b, L("\n需要核实的问题 %d 个：\n", "\nFindings to check (%d):\n"), len(o.Findings))
		for _, f := range o.Findings {
			fmt.Fprintf(&b, "  %s  %s\n", f.Where(), f.Message.In(lang))
		}
	}
	var behind []string
	for _, tr := range c.Res.TaskList {
		switch tr.State {
		case report.StateBehind, report.StateOverdue, report.StateNotStarted:
			if tr.Lead == o.Unit {
				behind = append(behind, fmt.Sprintf("  %s. %s（%s）", tr.ID, tr.Name, tr.State.Label(lang)))
			}
		}
	}
	if len(behind) > 0 {
		fmt.Fprintf(&b, L("\n仍落后的任务 %d 项：\n%s\n", "\nTasks still behind (%d):\n%s\n"), len(behind), strings.Join(behind, "\n"))
	}
	fmt.Fprintf(&b, "\n%s\n-- innoreport\n", t.Bureau.In(lang))
	return &mail.Message{
		ID: "receipt-" + o.SHA256[:16], Key: "receipt " + o.SHA256, To: to, Date: time.Now(),
		Subject: L("【回执】"+t.Title.In(lang)+"："+o.Unit+"的报表已收到", "Receipt: "+t.Title.In(lang)+": the return of "+o.Unit),
		Text:    b.String(),
	}, nil
}
