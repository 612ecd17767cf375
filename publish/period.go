package publish

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"

	"innoreport/report"
	"innoreport/report/archive"
	"innoreport/samples"
)

// ErrArchive marks an archive that cannot be used: the machine's or the
// database's trouble, never the workbook's, so watch retries rather than
// failing the file.
var ErrArchive = errors.New("archive unusable")

// PeriodOptions are what a period's outputs were made with, kept in the
// archive so `history -export` makes them again byte for byte.
type PeriodOptions struct {
	Lang     report.Lang        `json:"lang"`
	Annotate bool               `json:"annotate"`
	AsOf     string             `json:"as_of,omitempty"` // -as-of, where given
	Made     time.Time          `json:"made"`
	Template string             `json:"template,omitempty"` // a -template file's text; "" is the built-in
	Font     string             `json:"font,omitempty"`     // a -font file's SHA-256; "" is the built-in
	Compare  *report.Comparison `json:"compare,omitempty"`
	Trend    []report.Snapshot  `json:"trend,omitempty"`
}

// Campaign names the campaign a result belongs to: the same template,
// city and campaign title (as read from the workbook, or fixed by the
// template) are the same campaign, period after period.
func Campaign(res *report.Result, t *report.Template) archive.Campaign {
	id := res.Identity
	title := id.Title.Value
	if title == "" {
		title = res.Title
	}
	c := archive.Campaign{City: id.City.Value, Bureau: id.Bureau.Value, Title: title}
	c.Key = t.Name + "|" + c.City + "|" + strings.Join(strings.Fields(title), "")
	return c
}

// Period is what a build takes from the archive before it writes: the
// comparison and the trend, and the open archive to record into after.
type Period struct {
	db      *archive.DB
	Compare *report.Comparison
	Trend   []report.Snapshot
}

func (p *Period) close() {
	if p != nil && p.db != nil {
		p.db.Close()
	}
}

// EarlyArchive is an archive being opened ahead of the build that will
// record into it (OpenEarly).
type EarlyArchive struct {
	path    string
	claimed atomic.Bool
	opened  chan earlyDB
}

type earlyDB struct {
	db  *archive.DB
	err error
}

// OpenEarly starts opening the archive at path on a goroutine of its own,
// for the build's Pipeline (Early) to take instead of opening it then: a
// small build reads and checks its workbook meanwhile, and opening it
// after took a millisecond and a half of a 45 ms build. Only an archive
// that is there already is opened early, so that a build that fails
// before it would have opened one leaves no new file behind; otherwise,
// and where path is "", SQLite itself is started early (archive.Warm)
// and nil returned. Opening migrates an archive of an older schema, so a
// build that then fails on its workbook leaves it migrated, as the next
// build would have. Close lets go of an archive no build took, once it
// is open (an archive another process is migrating may take SQLite's
// busy timeout).
func OpenEarly(ctx context.Context, path string) *EarlyArchive {
	if path == "" {
		return nil
	}
	if fi, err := os.Stat(path); err != nil || !fi.Mode().IsRegular() {
		go archive.Warm()
		return nil
	}
	e := &EarlyArchive{path: path, opened: make(chan earlyDB, 1)}
	go func() {
		db, err := archive.Open(ctx, path)
		e.opened <- earlyDB{db, err}
	}()
	return e
}

// take is the archive at path, opened early, for the first build that
// asks; ok is false where there is none to take.
func (e *EarlyArchive) take(path string) (db *archive.DB, err error, ok bool) {
	if e == nil || e.path != path || !e.claimed.CompareAndSwap(false, true) {
		return nil, nil, false
	}
	o := <-e.opened
	return o.db, o.err, true
}

// Close closes the archive opened early if no build took it, once it is
// open.
func (e *EarlyArchive) Close() {
	if e == nil || !e.claimed.CompareAndSwap(false, true) {
		return
	}
	if o := <-e.opened; o.db != nil {
		o.db.Close()
	}
}

// IsWorkbook says whether -compare names a workbook rather than a date.
func IsWorkbook(compare string) bool {
	c := strings.ToLower(compare)
	return strings.HasSuffix(c, ".xlsx") || strings.HasSuffix(c, ".xlsm")
}

// before opens the archive and works out what this build is compared
// with: Compare's date or workbook, else the latest earlier period.
func (p *Pipeline) before(ctx context.Context, res *report.Result) (*Period, error) {
	per := &Period{}
	if p.DB != "" {
		db, err, ok := p.Early.take(p.DB)
		if !ok {
			if err := os.MkdirAll(filepath.Dir(p.DB), 0o755); err != nil {
				return nil, setupf("无法创建存档目录 %s：%v", "cannot create the archive's folder %s: %v", filepath.Dir(p.DB), err)
			}
			db, err = archive.Open(ctx, p.DB)
		}
		if err != nil {
			return nil, &report.BilingualError{Err: fmt.Errorf("%w: %w", ErrArchive, err), Msg: report.Text{
				Zh: fmt.Sprintf("无法打开存档 %s：%v；请检查文件，或用 -db none 不存档", p.DB, err),
				En: fmt.Sprintf("cannot open the archive %s: %v; check the file, or pass -db none", p.DB, err),
			}}
		}
		per.db = db
	}
	if err := p.compare(ctx, per, res); err != nil {
		per.close()
		return nil, err
	}
	return per, nil
}

// compare sets per's comparison and, where there is one and an archive,
// the trend of every earlier period.
func (p *Pipeline) compare(ctx context.Context, per *Period, res *report.Result) error {
	cur := res.Snapshot()
	key := Campaign(res, p.Template).Key
	asOf := res.AsOf.String()
	switch c := p.Compare; {
	case c == "none":
	case IsWorkbook(c):
		in, err := p.Read.Stream(c)
		if err != nil {
			return err
		}
		prev, err := in.Analyze(p.Template, report.Options{Today: time.Now()})
		if err != nil {
			return err
		}
		per.Compare = report.Compare(prev.Snapshot(), cur)
	case c != "":
		d, err := report.ParseDate(c)
		if err != nil || !d.OK() {
			return setupf("-compare %q 不是日期、工作簿或 none", "-compare %q is not a date, a workbook or none", c)
		}
		if per.db == nil {
			return setupf("-compare 日期需要存档，不能与 -db none 同用", "-compare DATE needs the archive: not with -db none")
		}
		pp, err := per.db.Period(ctx, key, d.Time.Format(time.DateOnly))
		if err != nil {
			return setupf("存档中没有 %s 这一期：%v", "the archive has no period as of %s: %v", c, err)
		}
		snap, err := report.ParseSnapshot(pp.Result)
		if err != nil {
			return fmt.Errorf("%w: %v", archive.ErrCorrupt, err)
		}
		per.Compare = report.Compare(snap, cur)
	case per.db != nil:
		_, snap, ok, err := per.db.Previous(ctx, key, asOf)
		if err != nil {
			return archiveRead(per.db.Path, err)
		}
		if ok {
			per.Compare = report.Compare(snap, cur)
		}
	}
	if per.db == nil || per.Compare == nil {
		return nil
	}
	periods, err := per.db.Periods(ctx, key)
	if err != nil {
		return archiveRead(per.db.Path, err)
	}
	for _, pp := range periods {
		if pp.AsOf >= asOf {
			continue
		}
		snap, err := report.ParseSnapshot(pp.Result)
		if err != nil {
			return archiveRead(per.db.Path, fmt.Errorf("%w: period %s: %v", archive.ErrCorrupt, pp.AsOf, err))
		}
		per.Trend = append(per.Trend, snap)
	}
	per.Trend = append(per.Trend, cur)
	return nil
}

// archiveRead says an archive could not be read, and what to do.
func archiveRead(path string, err error) error {
	return &report.BilingualError{Err: fmt.Errorf("%w: %w", ErrArchive, err), Msg: report.Text{
		Zh: fmt.Sprintf("无法读取存档 %s：%v；请检查该文件，或用 -compare none 跳过比较", path, err),
		En: fmt.Sprintf("cannot read the archive %s: %v; check the file, or pass -compare none", path, err),
	}}
}

// bigWorkbook is the size past which record frees memory before it
// archives the workbook; below it, the collection would cost more time
// than the copies cost memory.
const bigWorkbook = 32 << 20

// record keeps the build as its campaign's period, in one transaction,
// with the result as archive.PackResult packed it and the outputs' sums.
func (p *Pipeline) record(ctx context.Context, per *Period, res *report.Result, in *Input, made time.Time, r *rendered) error {
	if per == nil || per.db == nil {
		return nil
	}
	opts := PeriodOptions{Lang: p.Lang, Annotate: p.Annotate, Made: made, Compare: per.Compare, Trend: per.Trend}
	if !strings.HasPrefix(res.AsOfSource, "workbook") {
		opts.AsOf = res.AsOf.String() // from -as-of or today: a rebuild must not take today's
	}
	if p.TemplateFile != "" {
		data, err := os.ReadFile(p.TemplateFile)
		if err != nil {
			return err
		}
		opts.Template = string(data)
	}
	if p.FontFile != "" {
		opts.Font = archive.Sum(p.Font)
	}
	oj, err := json.Marshal(opts)
	if err != nil {
		return err
	}
	rec := archive.Period{Campaign: Campaign(res, p.Template), AsOf: res.AsOf.String(),
		WorkbookName: samples.Name, Options: string(oj), Result: r.result}
	if in.Path != "" {
		rec.WorkbookName = filepath.Base(in.Path)
	}
	if in.Name != "" {
		rec.WorkbookName = in.Name
	}
	for _, o := range []archive.Output{r.sums[0], r.sums[2]} {
		if o.Name != "" {
			rec.Outputs = append(rec.Outputs, o)
		}
	}
	if len(in.Data) > bigWorkbook {
		// SQLite copies the workbook twice into memory of its own, where
		// Go's heap limit cannot see it (250 MB at a million tasks): give
		// the operating system back what the collector has freed first.
		debug.FreeOSMemory()
	}
	if _, err := per.db.Record(ctx, rec, in.Data); err != nil {
		return &report.BilingualError{Err: fmt.Errorf("%w: %w", ErrArchive, err), Msg: report.Text{
			Zh: fmt.Sprintf("报告已生成，但未能存入存档 %s：%v", per.db.Path, err),
			En: fmt.Sprintf("the report was written but not archived in %s: %v", per.db.Path, err),
		}}
	}
	return nil
}

// sumFile is the output staged in f, to be named path, as archived: its
// name and size, and archive.Sum of what f holds, read from its start as
// a stream: an updated workbook of a million tasks need not be held again
// to be named.
func sumFile(path string, f *os.File) (archive.Output, error) {
	fi, err := f.Stat()
	if err != nil {
		return archive.Output{}, writeError(path, err)
	}
	sum, size, err := archive.SumReader(io.NewSectionReader(f, 0, fi.Size()))
	if err != nil {
		return archive.Output{}, writeError(path, err)
	}
	return archive.Output{Name: filepath.Base(path), SHA256: sum, Size: size}, nil
}
