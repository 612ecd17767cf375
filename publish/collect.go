package publish

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
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

// Collector merges the departments' returns into the master: collect,
// watch -master and serve -master.
type Collector struct {
	Template *report.Template
	AsOf     time.Time // zero: the master's own date, else today
	Lang     report.Lang
	Read     Reader
	Out      string // the folder of OUT/<master>-collected.xlsx
	DB       string // the record of returns received; "" keeps nothing
	Deadline string // returns were due on this date (2006-01-02); "" each return's own
}

// Rejected is a file given as a return that could not be taken at all.
type Rejected struct {
	File string
	Err  error
}

// Collected is what one collect made.
type Collected struct {
	Path     string // the collected master
	Master   *report.Result
	Res      *report.Result // the collected master, checked
	Coll     *report.Collection
	Status   []report.ReturnStatus
	Rejected []Rejected
	Added    int // returns recorded for the first time
}

// Master is the master as collect reads it.
type Master struct {
	In       *Input
	Res      *report.Result
	Campaign string
	Sum      string
	Parts    []report.UnitPart
}

// ReadMaster reads and checks the master at path.
func (c *Collector) ReadMaster(path string) (*Master, error) {
	in, err := c.Read.Open(path)
	if err != nil {
		return nil, err
	}
	res := report.Analyze(in.WB, c.Template, report.Options{AsOf: c.AsOf, Today: time.Now()})
	return &Master{In: in, Res: res, Campaign: Campaign(res, c.Template).Key, Sum: archive.Sum(in.Data), Parts: report.Parts(res.Data)}, nil
}

// OpenDB opens the record of returns, or gives nil where DB is "".
func (c *Collector) OpenDB(ctx context.Context) (*archive.DB, error) {
	if c.DB == "" {
		return nil, nil
	}
	if err := os.MkdirAll(filepath.Dir(c.DB), 0o755); err != nil {
		return nil, setupf("无法创建数据库目录 %s：%v", "cannot create the database's folder %s: %v", filepath.Dir(c.DB), err)
	}
	db, err := archive.Open(ctx, c.DB)
	if err != nil {
		return nil, &report.BilingualError{Err: ErrArchive, Msg: report.Text{
			Zh: fmt.Sprintf("无法打开数据库 %s：%v；请检查文件，或用 -db none 不记录", c.DB, err),
			En: fmt.Sprintf("cannot open the database %s: %v; check the file, or pass -db none", c.DB, err),
		}}
	}
	return db, nil
}

// Match reads one return's bytes and matches it against the master.
func (c *Collector) Match(m *Master, file string, data []byte, received time.Time) (*report.ReturnOutcome, error) {
	// A return is read within the limits, never with the master's password.
	wb, err := xlsx.Read(file, data, xlsx.Options{Limits: c.Read.Options.Limits})
	if err != nil {
		return nil, err
	}
	mk, err := returns.ReadMarker(data, "")
	if err != nil && !errors.Is(err, returns.ErrMarker) {
		return nil, err
	}
	rres := report.Analyze(wb, c.Template, report.Options{AsOf: time.Time(m.Res.AsOf), Today: time.Now()})
	return report.MatchReturn(report.ReturnInput{
		Master: m.Res, MasterWB: m.In.WB, Campaign: m.Campaign, MasterID: m.Sum,
		Return: rres, ReturnWB: wb, Marker: mk, File: file, SHA256: archive.Sum(data), Received: received,
	})
}

// Collect merges the returns at paths, and every return db already holds
// for this master, into OUT/<master>-collected.xlsx. The same return
// collected again is the same return: its first receipt stands, and the
// collected master comes out the same.
//
// Collects into the same output are taken one at a time across processes
// too (watch -master and serve may collect the same master): each takes
// its returns into db and writes the master with every return before it,
// so none writes over another's later one.
func (c *Collector) Collect(ctx context.Context, m *Master, db *archive.DB, paths []string) (*Collected, error) {
	dir := cmp.Or(c.Out, ".")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, setupf("无法创建输出目录 %s：%v", "cannot create the output folder %s: %v", dir, err)
	}
	unlock, err := lockPath(ctx, filepath.Join(dir, "."+OutputName(m.In.Path)+"-collected.lock"))
	if err != nil {
		if ctx.Err() != nil {
			return nil, err
		}
		return nil, setupf("无法锁定 %s 的汇总：%v", "cannot lock the collection of %s: %v", m.In.Path, err)
	}
	defer unlock()
	out := &Collected{Master: m.Res}
	bySum, err := c.take(ctx, m, db, paths, out)
	if err != nil {
		return nil, err
	}
	outcomes, err := c.outcomes(ctx, m, db, bySum, out)
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(outcomes, func(a, b *report.ReturnOutcome) int {
		return cmp.Or(a.Received.Compare(b.Received), strings.Compare(a.File, b.File), strings.Compare(a.SHA256, b.SHA256))
	})
	out.Coll = report.Collect(m.Parts, outcomes)
	out.Status = out.Coll.Status(m.Parts, c.Deadline)
	return out, c.write(m, out)
}

// take reads and matches each return at paths, recording it in db; what
// cannot be taken is in out.Rejected.
func (c *Collector) take(ctx context.Context, m *Master, db *archive.DB, paths []string, out *Collected) (map[string]*report.ReturnOutcome, error) {
	bySum := map[string]*report.ReturnOutcome{}
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		reject := func(err error) { out.Rejected = append(out.Rejected, Rejected{File: p, Err: err}) }
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
		o, err := c.Match(m, filepath.Base(p), data, st.ModTime().UTC().Truncate(time.Second))
		if err != nil {
			reject(err)
			continue
		}
		if db != nil {
			added, err := db.RecordReturn(ctx, archive.Return{Campaign: m.Campaign, Master: m.Sum, Unit: o.Unit,
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
	return bySum, nil
}

// outcomes are the returns db holds for the master (those just taken
// among them), or, without db, those just taken.
func (c *Collector) outcomes(ctx context.Context, m *Master, db *archive.DB, bySum map[string]*report.ReturnOutcome, out *Collected) ([]*report.ReturnOutcome, error) {
	var outcomes []*report.ReturnOutcome
	if db == nil {
		for _, o := range bySum {
			outcomes = append(outcomes, o)
		}
		return outcomes, nil
	}
	recs, err := db.Returns(ctx, m.Campaign, m.Sum)
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
			if o, err = c.Match(m, r.File, data, r.Received); err != nil {
				// Recorded once, refused now (another template?): said,
				// and left out, rather than stopping the rest.
				out.Rejected = append(out.Rejected, Rejected{File: r.File + "（" + r.SHA256[:12] + "，已记录 recorded）", Err: err})
				continue
			}
		}
		// The first receipt stands.
		o.File, o.Received = r.File, r.Received
		outcomes = append(outcomes, o)
	}
	return outcomes, nil
}

// write writes the collected master with its 报送情况 sheet, and checks
// what it wrote as it will be read.
func (c *Collector) write(m *Master, out *Collected) error {
	var buf bytes.Buffer
	if err := returns.WriteCollected(&buf, m.In.Data, c.Read.Options.Password, out.Coll.Updates, out.Status, c.Lang); err != nil {
		return err
	}
	out.Path = filepath.Join(c.Out, OutputName(m.In.Path)+"-collected"+BookExt(m.In.Path))
	if SamePath(out.Path, m.In.Path) {
		return setupf("输出 %s 会覆盖主表，请换一个 -out 目录", "output %s would overwrite the master: choose another -out", out.Path)
	}
	wb, err := xlsx.Read(filepath.Base(out.Path), buf.Bytes(), xlsx.Options{})
	if err != nil {
		return fmt.Errorf("reading the collected master back: %w", err)
	}
	out.Res = report.Analyze(wb, c.Template, report.Options{AsOf: time.Time(m.Res.AsOf), Today: time.Now()})
	return WriteAtomic(out.Path, buf.Bytes())
}

// CollectOne collects one return into the master, with every return db
// already holds for it (db nil: this one alone). An error wrapping
// report.ErrNotReturn means the file is no return of this master (and may
// be built as a workbook of its own); otherwise the collected master is
// written and Receipt gives the unit its mail.
func (c *Collector) CollectOne(ctx context.Context, masterPath, returnPath string, db *archive.DB) (*Collected, error) {
	m, err := c.ReadMaster(masterPath)
	if err != nil {
		return nil, err
	}
	out, err := c.Collect(ctx, m, db, []string{returnPath})
	if err != nil {
		return nil, err
	}
	if len(out.Rejected) > 0 {
		return out, out.Rejected[0].Err
	}
	return out, nil
}
