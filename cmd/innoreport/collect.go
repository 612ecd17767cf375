package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"innoreport/report"
	"innoreport/report/archive"
	"innoreport/report/returns"
	"innoreport/report/xlsx"
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
	err   error
}

// rejectedOf says why file was not collected, in one line.
func rejectedOf(file string, err error) rejected {
	msg := err.Error()
	if be := (*report.BilingualError)(nil); errors.As(err, &be) {
		msg = be.Msg.Zh + " / " + stripName(be.Msg.En)
	}
	return rejected{File: file, Kind: errorKind(err), Error: msg, err: err}
}

// collected is what one collect made.
type collected struct {
	Path     string // the collected master
	Master   *report.Result
	Res      *report.Result // the collected master, checked
	Coll     *report.Collection
	Status   []report.ReturnStatus
	Rejected []rejected
	Added    int // returns recorded for the first time
}

// master is the master as collect reads it.
type master struct {
	in       *input
	res      *report.Result
	tmpl     *report.Template
	campaign string
	sum      string
	parts    []report.UnitPart
}

func (c *collectFlags) readMaster(path string) (*master, error) {
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
	in, err := c.open([]string{path})
	if err != nil {
		return nil, err
	}
	res := report.Analyze(in.wb, t, report.Options{AsOf: asOf, Today: time.Now()})
	return &master{in: in, res: res, tmpl: t, campaign: campaignOf(res, t).Key, sum: archive.Sum(in.data), parts: report.Parts(res.Data)}, nil
}

// openDB opens the record of returns, or gives nil under -db none.
func (c *collectFlags) openDB(ctx context.Context) (*archive.DB, error) {
	path := c.dbPath()
	if path == "" {
		return nil, nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, usagef("无法创建数据库目录 %s：%v", "cannot create the database's folder %s: %v", filepath.Dir(path), err)
	}
	db, err := archive.Open(ctx, path)
	if err != nil {
		return nil, &report.BilingualError{Err: errArchive, Msg: report.Text{
			Zh: fmt.Sprintf("无法打开数据库 %s：%v；请检查文件，或用 -db none 不记录", path, err),
			En: fmt.Sprintf("cannot open the database %s: %v; check the file, or pass -db none", path, err),
		}}
	}
	return db, nil
}

// match reads one return's bytes and matches it against the master.
func (c *collectFlags) match(m *master, file string, data []byte, received time.Time) (*report.ReturnOutcome, error) {
	wb, err := xlsx.Read(file, data, xlsx.Options{Limits: xlsx.Limits{
		UnzipSize: c.maxUnzip << 20, Sheets: c.maxSheet, Rows: c.maxRows, Cols: c.maxCols, CellChars: c.maxChars,
		Time: time.Duration(c.maxSecs * float64(time.Second)),
	}})
	if err != nil {
		return nil, err
	}
	mk, err := returns.ReadMarker(data, "")
	if err != nil && !errors.Is(err, returns.ErrMarker) {
		return nil, err
	}
	rres := report.Analyze(wb, m.tmpl, report.Options{AsOf: time.Time(m.res.AsOf), Today: time.Now()})
	return report.MatchReturn(report.ReturnInput{
		Master: m.res, MasterWB: m.in.wb, Campaign: m.campaign, MasterID: m.sum,
		Return: rres, ReturnWB: wb, Marker: mk, File: file, SHA256: archive.Sum(data), Received: received,
	})
}

// collect merges the returns at paths, and every return the database
// already holds for this master, into DIR/<master>-collected.xlsx. The
// same return collected again is the same return: its first receipt
// stands, and the collected master comes out the same.
func (c *collectFlags) collect(ctx context.Context, m *master, db *archive.DB, paths []string) (*collected, error) {
	out := &collected{Master: m.res}
	deadline, err := deadlineFlag(c.deadline, m.tmpl)
	if err != nil {
		return nil, err
	}
	bySum := map[string]*report.ReturnOutcome{}
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		reject := func(err error) { out.Rejected = append(out.Rejected, rejectedOf(p, err)) }
		data, err := xlsx.ReadFile(p)
		if err != nil {
			reject(err)
			continue
		}
		sum := archive.Sum(data)
		if bySum[sum] != nil {
			continue // the same file given twice
		}
		st, err := os.Stat(p)
		if err != nil {
			reject(err)
			continue
		}
		// A return is received when it was last saved: the mail's
		// attachment or the copy into the folder, not when collect runs.
		o, err := c.match(m, filepath.Base(p), data, st.ModTime().UTC().Truncate(time.Second))
		if err != nil {
			reject(err)
			continue
		}
		if db != nil {
			added, err := db.RecordReturn(ctx, archive.Return{Campaign: m.campaign, Master: m.sum, Unit: o.Unit,
				File: o.File, Received: o.Received}, data)
			if err != nil {
				return nil, err
			}
			if added {
				out.Added++
			}
		}
		bySum[sum] = o
	}
	var outcomes []*report.ReturnOutcome
	if db != nil {
		recs, err := db.Returns(ctx, m.campaign, m.sum)
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			o := bySum[r.SHA256]
			if o == nil {
				data, err := db.Workbook(ctx, r.SHA256)
				if err != nil {
					return nil, err
				}
				if o, err = c.match(m, r.File, data, r.Received); err != nil {
					// Recorded once, refused now (another template?):
					// said, and left out, rather than stopping the rest.
					out.Rejected = append(out.Rejected, rejectedOf(r.File+"（"+r.SHA256[:12]+"，已记录 recorded）", err))
					continue
				}
			}
			// The first receipt stands.
			o.File, o.Received = r.File, r.Received
			outcomes = append(outcomes, o)
		}
	} else {
		for _, o := range bySum {
			outcomes = append(outcomes, o)
		}
	}
	slices.SortStableFunc(outcomes, func(a, b *report.ReturnOutcome) int {
		return cmp.Or(a.Received.Compare(b.Received), strings.Compare(a.File, b.File), strings.Compare(a.SHA256, b.SHA256))
	})
	out.Coll = report.Collect(m.parts, outcomes)
	out.Status = out.Coll.Status(m.parts, deadline)
	var buf bytes.Buffer
	if err := returns.WriteCollected(&buf, m.in.data, c.password, out.Coll.Updates, out.Status, c.lang); err != nil {
		return nil, err
	}
	name := outputName([]string{m.in.path})
	out.Path = filepath.Join(c.out, name+"-collected"+bookExt(m.in.path))
	if samePath(out.Path, m.in.path) {
		return nil, usagef("输出 %s 会覆盖主表，请换一个 -out 目录", "output %s would overwrite the master: choose another -out", out.Path)
	}
	wb, err := xlsx.Read(filepath.Base(out.Path), buf.Bytes(), xlsx.Options{})
	if err != nil {
		return nil, fmt.Errorf("reading the collected master back: %w", err)
	}
	out.Res = report.Analyze(wb, m.tmpl, report.Options{AsOf: time.Time(m.res.AsOf), Today: time.Now()})
	if err := writeAtomic(out.Path, buf.Bytes()); err != nil {
		return nil, err
	}
	return out, nil
}

// collectOne collects one return into the master, with every return db
// already holds for it (db nil: this one alone). It is what a watch over
// an inbox of returns is to call for each file that arrives: an error
// wrapping report.ErrNotReturn means the file is no return of this master
// (and may be built as a workbook of its own); otherwise the collected
// master is written and receipt gives the unit its mail.
func collectOne(ctx context.Context, c *collectFlags, masterPath, returnPath string, db *archive.DB) (*collected, error) {
	m, err := c.readMaster(masterPath)
	if err != nil {
		return nil, err
	}
	out, err := c.collect(ctx, m, db, []string{returnPath})
	if err != nil {
		return nil, err
	}
	if len(out.Rejected) > 0 {
		return out, out.Rejected[0].err
	}
	return out, nil
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

func (c *collected) json(lang report.Lang) ([]byte, error) {
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
	rej := c.Rejected
	if rej == nil {
		rej = []rejected{}
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
	m, err := c.readMaster(fs.Arg(0))
	if err != nil {
		return err
	}
	db, err := c.openDB(ctx)
	if err != nil {
		return err
	}
	if db != nil {
		defer db.Close()
	}
	res, err := c.collect(ctx, m, db, fs.Args()[1:])
	if err != nil {
		return err
	}
	for _, r := range res.Rejected {
		fmt.Fprintf(stderr, "innoreport: %s (%s)\n", r.Error, r.Kind)
	}
	var all []report.Finding
	if c.format == "json" {
		js, err := res.json(c.lang)
		if err != nil {
			return err
		}
		if _, err := stdout.Write(js); err != nil {
			return err
		}
	}
	for _, o := range res.Coll.Returns {
		all = append(all, o.Findings...)
		if c.format == "json" {
			continue
		}
		st := "superseded"
		for _, s := range res.Status {
			if s.Unit == o.Unit && o.Superseded == "" {
				st = s.State.Label(c.lang)
			}
		}
		fmt.Fprintf(stdout, "%s\t%s\t%s\t更新 %d 行 rows updated\t问题 %d findings\n", o.Unit, st, o.File, res.Coll.RowsUpdated(o), len(o.Findings))
		for _, f := range o.Findings {
			fmt.Fprintf(stdout, "  %s  %-8s %-22s %s\n", f.Where(), f.Severity, f.Rule, f.Message.In(c.lang))
		}
	}
	if c.format != "json" {
		for _, u := range res.Coll.Missing {
			fmt.Fprintf(stdout, "%s\t%s\n", u, report.ReturnMissing.Label(c.lang))
		}
		fmt.Fprintln(stdout, res.Path)
	}
	if len(res.Rejected) > 0 {
		return &report.BilingualError{Err: report.ErrNotReturn, Msg: report.Text{
			Zh: fmt.Sprintf("%d 份文件未能作为报表汇入（见上），其余已汇入 %s", len(res.Rejected), res.Path),
			En: fmt.Sprintf("%d files could not be collected as returns (see above); the rest are in %s", len(res.Rejected), res.Path),
		}}
	}
	return failLevel(c.failOn, all)
}
