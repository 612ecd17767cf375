package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"innoreport/report"
	"innoreport/report/archive"
	"innoreport/samples"
)

// archiveFlags are build's flags for the period archive.
type archiveFlags struct {
	db      string // the database; "" is OUT/innoreport.db, "none" keeps nothing
	compare string // "" the latest earlier period; a date; a workbook; "none"
}

func (a *archiveFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&a.db, "db", "", "存档数据库 / the period archive `PATH` (默认 default: OUT/innoreport.db; none: 不存档 keep nothing)")
	fs.StringVar(&a.compare, "compare", "", "与哪一期比较 / compare with `DATE|FILE.xlsx|none` (默认 default: 存档中的上一期 the latest earlier archived period)")
}

// validate checks -db and -compare before any workbook is read.
func (a *archiveFlags) validate() error {
	c := a.compare
	switch {
	case c == "", c == "none":
		return nil
	case strings.HasSuffix(strings.ToLower(c), ".xlsx"), strings.HasSuffix(strings.ToLower(c), ".xlsm"):
		return nil
	}
	if d, err := report.ParseDate(c); err != nil || !d.OK() {
		return usagef("-compare %q 不是日期、工作簿或 none", "-compare %q is not a date, a workbook or none", c)
	}
	if a.db == "none" {
		return usagef("-compare 日期需要存档，不能与 -db none 同用", "-compare DATE needs the archive: not with -db none")
	}
	return nil
}

// periodOptions are what a period's outputs were made with, kept in the
// archive so `history -export` makes them again byte for byte.
type periodOptions struct {
	Lang     report.Lang        `json:"lang"`
	Annotate bool               `json:"annotate"`
	AsOf     string             `json:"as_of,omitempty"` // -as-of, where given
	Made     time.Time          `json:"made"`
	Template string             `json:"template,omitempty"` // a -template file's text; "" is the built-in
	Font     string             `json:"font,omitempty"`     // a -font file's SHA-256; "" is the built-in
	Compare  *report.Comparison `json:"compare,omitempty"`
	Trend    []report.Snapshot  `json:"trend,omitempty"`
}

// campaignOf names the campaign a result belongs to: the same template,
// city and campaign title (as read from the workbook, or fixed by the
// template) are the same campaign, period after period.
func campaignOf(res *report.Result, t *report.Template) archive.Campaign {
	id := res.Identity
	title := id.Title.Value
	if title == "" {
		title = res.Title
	}
	c := archive.Campaign{City: id.City.Value, Bureau: id.Bureau.Value, Title: title}
	c.Key = t.Name + "|" + c.City + "|" + strings.Join(strings.Fields(title), "")
	return c
}

// archivePath is where the archive lives for outputs in dir.
func (b *buildFlags) archivePath(dir string) string {
	switch b.archive.db {
	case "":
		return filepath.Join(dir, "innoreport.db")
	case "none":
		return ""
	}
	return b.archive.db
}

// period is what a build takes from the archive before it writes: the
// comparison and the trend, and the open archive to record into after.
type period struct {
	db      *archive.DB
	compare *report.Comparison
	trend   []report.Snapshot
}

func (p *period) close() {
	if p != nil && p.db != nil {
		p.db.Close()
	}
}

// beforeBuild opens the archive and works out what this build is compared
// with: -compare's date or workbook, else the latest earlier period.
func (b *buildFlags) beforeBuild(ctx context.Context, res *report.Result, dir string) (*period, error) {
	p := &period{}
	if path := b.archivePath(dir); path != "" {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, usagef("无法创建存档目录 %s：%v", "cannot create the archive's folder %s: %v", filepath.Dir(path), err)
		}
		db, err := archive.Open(ctx, path)
		if err != nil {
			return nil, &report.BilingualError{Err: fmt.Errorf("%w: %w", errArchive, err), Msg: report.Text{
				Zh: fmt.Sprintf("无法打开存档 %s：%v；请检查文件，或用 -db none 不存档", path, err),
				En: fmt.Sprintf("cannot open the archive %s: %v; check the file, or pass -db none", path, err),
			}}
		}
		p.db = db
	}
	cur := res.Snapshot()
	key := campaignOf(res, b.tmpl).Key
	asOf := res.AsOf.String()
	switch c := b.archive.compare; {
	case c == "none":
	case strings.HasSuffix(strings.ToLower(c), ".xlsx") || strings.HasSuffix(strings.ToLower(c), ".xlsm"):
		in, err := b.open([]string{c})
		if err != nil {
			p.close()
			return nil, err
		}
		prev := report.Analyze(in.wb, b.tmpl, report.Options{Today: time.Now()})
		p.compare = report.Compare(prev.Snapshot(), cur)
	case c != "":
		d, err := report.ParseDate(c)
		if err != nil || !d.OK() {
			p.close()
			return nil, usagef("-compare %q 不是日期、工作簿或 none", "-compare %q is not a date, a workbook or none", c)
		}
		if p.db == nil {
			return nil, usagef("-compare 日期需要存档，不能与 -db none 同用", "-compare DATE needs the archive: not with -db none")
		}
		pp, err := p.db.Period(ctx, key, d.Time.Format(time.DateOnly))
		if err != nil {
			p.close()
			return nil, usagef("存档中没有 %s 这一期：%v", "the archive has no period as of %s: %v", c, err)
		}
		snap, err := report.ParseSnapshot(pp.Result)
		if err != nil {
			p.close()
			return nil, fmt.Errorf("%w: %v", archive.ErrCorrupt, err)
		}
		p.compare = report.Compare(snap, cur)
	case p.db != nil:
		_, snap, ok, err := p.db.Previous(ctx, key, asOf)
		if err != nil {
			p.close()
			return nil, archiveRead(p.db.Path, err)
		}
		if ok {
			p.compare = report.Compare(snap, cur)
		}
	}
	if p.db != nil && p.compare != nil {
		periods, err := p.db.Periods(ctx, key)
		if err != nil {
			p.close()
			return nil, archiveRead(p.db.Path, err)
		}
		for _, pp := range periods {
			if pp.AsOf >= asOf {
				continue
			}
			snap, err := report.ParseSnapshot(pp.Result)
			if err != nil {
				p.close()
				return nil, archiveRead(p.db.Path, fmt.Errorf("%w: period %s: %v", archive.ErrCorrupt, pp.AsOf, err))
			}
			p.trend = append(p.trend, snap)
		}
		p.trend = append(p.trend, cur)
	}
	return p, nil
}

// errArchive marks an archive that cannot be used: the machine's or the
// database's trouble, never the workbook's, so watch retries rather than
// failing the file.
var errArchive = errors.New("archive unusable")

// archiveRead says an archive could not be read, and what to do.
func archiveRead(path string, err error) error {
	return &report.BilingualError{Err: fmt.Errorf("%w: %w", errArchive, err), Msg: report.Text{
		Zh: fmt.Sprintf("无法读取存档 %s：%v；请检查该文件，或用 -compare none 跳过比较", path, err),
		En: fmt.Sprintf("cannot read the archive %s: %v; check the file, or pass -compare none", path, err),
	}}
}

// record keeps the build as its campaign's period, in one transaction.
func (b *buildFlags) record(ctx context.Context, p *period, res *report.Result, in *input, made time.Time, files ...string) error {
	if p == nil || p.db == nil {
		return nil
	}
	opts := periodOptions{Lang: b.lang, Annotate: b.annotate, Made: made, Compare: p.compare, Trend: p.trend}
	if !strings.HasPrefix(res.AsOfSource, "workbook") {
		opts.AsOf = res.AsOf.String() // from -as-of or today: a rebuild must not take today's
	}
	if b.template != "" {
		data, err := os.ReadFile(b.template)
		if err != nil {
			return err
		}
		opts.Template = string(data)
	}
	if b.fontFile != "" {
		opts.Font = archive.Sum(b.font)
	}
	oj, err := json.Marshal(opts)
	if err != nil {
		return err
	}
	rj, err := res.JSON(b.lang)
	if err != nil {
		return err
	}
	per := archive.Period{Campaign: campaignOf(res, b.tmpl), AsOf: res.AsOf.String(),
		WorkbookName: samples.Name, Options: string(oj), Result: rj}
	if in.path != "" {
		per.WorkbookName = filepath.Base(in.path)
	}
	if in.name != "" {
		per.WorkbookName = in.name
	}
	for _, f := range files {
		if f == "" {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		per.Outputs = append(per.Outputs, archive.Output{Name: filepath.Base(f), SHA256: archive.Sum(data), Size: int64(len(data))})
	}
	if _, err := p.db.Record(ctx, per, in.data); err != nil {
		return &report.BilingualError{Err: fmt.Errorf("%w: %w", errArchive, err), Msg: report.Text{
			Zh: fmt.Sprintf("报告已生成，但未能存入存档 %s：%v", p.db.Path, err),
			En: fmt.Sprintf("the report was written but not archived in %s: %v", p.db.Path, err),
		}}
	}
	return nil
}
