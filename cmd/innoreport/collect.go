package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"innoreport/publish"
	"innoreport/report"
)

// collectFlags are collect's (and remind's) flags beyond common.
type collectFlags struct {
	common
	out      string
	db       string
	deadline string
}

func (c *collectFlags) registerCollect(fs *flag.FlagSet) {
	fs.StringVar(&c.out, "out", "out", "output `DIR`: DIR/<主表 master>-collected.xlsx")
	fs.StringVar(&c.db, "db", "", "记录收到的报表的数据库 / the database of returns received, `PATH` (默认 default: OUT/innoreport.db; none: 不记录 keep nothing)")
	fs.StringVar(&c.deadline, "deadline", "", "returns were due on this `DATE` (default: the template's returns.deadline, else each return's own)")
}

// dbPath is where the record of returns lives; "" is nowhere.
func (c *collectFlags) dbPath() string {
	switch c.db {
	case "":
		return filepath.Join(c.out, "innoreport.db")
	case "none":
		return ""
	}
	return c.db
}

// rejected is a file given as a return that could not be taken at all.
type rejected struct {
	File  string `json:"file"`
	Kind  string `json:"kind"`
	Error string `json:"error"`
}

// rejectedOf says why a file was not collected, in one line.
func rejectedOf(r publish.Rejected) rejected {
	msg := r.Err.Error()
	if m, ok := report.Message(r.Err); ok {
		msg = m.Zh + " / " + stripName(m.En)
	}
	return rejected{File: r.File, Kind: errorKind(r.Err), Error: msg}
}

// collector is the collect the flags describe.
func (c *collectFlags) collector() (*publish.Collector, error) {
	if err := c.validate(); err != nil {
		return nil, err
	}
	t, err := c.loadTemplate()
	if err != nil {
		return nil, err
	}
	asOf, err := c.parseAsOf()
	if err != nil {
		return nil, err
	}
	deadline, err := deadlineFlag(c.deadline, t)
	if err != nil {
		return nil, err
	}
	return &publish.Collector{Template: t, AsOf: asOf, Lang: c.lang, Read: c.reader(), Out: c.out, DB: c.dbPath(), Deadline: deadline}, nil
}

// returnJSON is one return in collect's JSON.
type returnJSON struct {
	Unit        string           `json:"unit"`
	File        string           `json:"file"`
	SHA256      string           `json:"sha256"`
	Received    string           `json:"received"`
	State       string           `json:"state"`
	RowsUpdated int              `json:"rows_updated"`
	Superseded  string           `json:"superseded_by,omitempty"`
	Updates     []updateJSON     `json:"updates"`
	Findings    []report.Finding `json:"findings"`
}

type updateJSON struct {
	Cell       string `json:"cell"` // the master's sheet!cell
	Key        string `json:"key"`
	From       string `json:"from"`
	To         string `json:"to"`
	ReturnCell string `json:"return_cell"`
}

func collectedJSON(c *publish.Collected, lang report.Lang) ([]byte, error) {
	js, err := c.Res.JSON(lang)
	if err != nil {
		return nil, err
	}
	state := map[string]report.ReturnStatus{}
	for _, s := range c.Status {
		state[s.Unit] = s
	}
	rets := []returnJSON{}
	for _, o := range c.Coll.Returns {
		r := returnJSON{Unit: o.Unit, File: o.File, SHA256: o.SHA256, Received: o.Received.Format(time.RFC3339),
			RowsUpdated: c.Coll.RowsUpdated(o), Superseded: o.Superseded, Updates: []updateJSON{}, Findings: o.Findings}
		if o.Superseded == "" {
			r.State = state[o.Unit].State.String()
		} else {
			r.State = "superseded"
		}
		for _, u := range c.Coll.Taken(o) {
			r.Updates = append(r.Updates, updateJSON{Cell: report.Ref(u.Sheet, u.Cell), Key: u.Key, From: u.From, To: u.To,
				ReturnCell: report.Ref(u.ReturnSheet, u.ReturnCell)})
		}
		if r.Findings == nil {
			r.Findings = []report.Finding{}
		}
		rets = append(rets, r)
	}
	rej := []rejected{}
	for _, r := range c.Rejected {
		rej = append(rej, rejectedOf(r))
	}
	extra, err := json.MarshalIndent(struct {
		Returns  []returnJSON      `json:"returns"`
		Missing  []string          `json:"missing_units"`
		Rejected []rejected        `json:"rejected"`
		Outputs  map[string]string `json:"outputs"`
	}{rets, c.Coll.Missing, rej, map[string]string{"xlsx": c.Path}}, "", "  ")
	if err != nil {
		return nil, err
	}
	// The collected master's check JSON (its return_status read back from
	// the 报送情况 sheet just written), then what collect adds.
	js = bytes.TrimSuffix(bytes.TrimSpace(js), []byte("}"))
	js = bytes.TrimRight(js, " \n")
	return append(append(append(js, ",\n"...), bytes.TrimPrefix(extra, []byte("{\n"))...), '\n'), nil
}

func runCollect(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c collectFlags
	fs := newFlagSet("collect", stderr, &c.common)
	c.registerCollect(fs)
	fs.StringVar(&c.failOn, "fail-on", "never", "报表中的问题达到此级别时退出码为 1 / exit 1 when a finding in a return reaches this level: error, warning or never")
	if err := parseCommand(fs, "innoreport collect [-out DIR] [-format text|json] [-db PATH] MASTER.xlsx RETURN.xlsx...", args, &c.failOn, stderr); err != nil {
		return err
	}
	if fs.NArg() < 1 {
		return usagef("请给出主表，再给出各单位的报表", "give the master, then the units' returns")
	}
	col, err := c.collector()
	if err != nil {
		return err
	}
	m, err := col.ReadMaster(fs.Arg(0))
	if err != nil {
		return err
	}
	db, err := col.OpenDB(ctx)
	if err != nil {
		return err
	}
	if db != nil {
		defer db.Close()
	}
	res, err := col.Collect(ctx, m, db, fs.Args()[1:])
	if err != nil {
		return err
	}
	for _, r := range res.Rejected {
		rj := rejectedOf(r)
		fmt.Fprintf(stderr, "innoreport: %s (%s)\n", rj.Error, rj.Kind)
	}
	if c.format == "json" {
		js, err := collectedJSON(res, c.lang)
		if err != nil {
			return err
		}
		if _, err := stdout.Write(js); err != nil {
			return err
		}
	} else {
		printCollected(stdout, res, c.lang)
	}
	if len(res.Rejected) > 0 {
		return &report.BilingualError{Err: report.ErrNotReturn, Msg: report.Text{
			Zh: fmt.Sprintf("%d 份文件未能作为报表汇入（见上），其余已汇入 %s", len(res.Rejected), res.Path),
			En: fmt.Sprintf("%d files could not be collected as returns (see above); the rest are in %s", len(res.Rejected), res.Path),
		}}
	}
	var all []report.Finding
	for _, o := range res.Coll.Returns {
		all = append(all, o.Findings...)
	}
	return failLevel(c.failOn, all)
}

// printCollected prints each return, its state and findings, the units
// missing and where the collected master went.
func printCollected(stdout io.Writer, res *publish.Collected, lang report.Lang) {
	for _, o := range res.Coll.Returns {
		st := "superseded"
		for _, s := range res.Status {
			if s.Unit == o.Unit && o.Superseded == "" {
				st = s.State.Label(lang)
			}
		}
		fmt.Fprintf(stdout, "%s\t%s\t%s\t更新 %d 行 rows updated\t问题 %d findings\n", o.Unit, st, o.File, res.Coll.RowsUpdated(o), len(o.Findings))
		for _, f := range o.Findings {
			fmt.Fprintf(stdout, "  %s  %-8s %-22s %s\n", f.Where(), f.Severity, f.Rule, f.Message.In(lang))
		}
	}
	for _, u := range res.Coll.Missing {
		fmt.Fprintf(stdout, "%s\t%s\n", u, report.ReturnMissing.Label(lang))
	}
	fmt.Fprintln(stdout, res.Path)
}
