package publish

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"time"

	"innoreport/internal/fsname"
	"innoreport/report"
	"innoreport/report/xlsx"
	"innoreport/report/xlsx/updated"
	"innoreport/samples"
)

// Input is a workbook as read: its bytes, kept for the updated workbook
// and the archive, and what was read from them.
type Input struct {
	Path string // "" for the built-in sample
	Name string // the name its sender gave an upload, where Path is the server's
	Data []byte
	// WB is the workbook read whole; nil where it is streamed, read a
	// row at a time and never held (see Analyze).
	WB *report.Workbook

	label string       // the name it is read under, where streamed
	read  xlsx.Options // how it is read, where streamed
}

// Analyze reads, checks and aggregates the workbook: the grid held, or
// the workbook streamed.
func (in *Input) Analyze(t *report.Template, opts report.Options) (*report.Result, error) {
	if in.WB != nil {
		return report.Analyze(in.WB, t, opts), nil
	}
	return xlsx.Analyze(in.label, in.Data, in.read, t, opts)
}

// analyzeBy is Analyze that also stops at ctx's deadline: a build the
// watcher has given up on (-build-timeout) stops reading then, rather
// than read, check and render on with nobody waiting for it. Its error
// is then ctx's, for the caller to word as its own limit.
func (in *Input) analyzeBy(ctx context.Context, t *report.Template, opts report.Options) (*report.Result, error) {
	if dl, ok := ctx.Deadline(); ok && in.WB == nil {
		limit := in.read.Limits.Time
		if limit <= 0 {
			limit = xlsx.DefaultLimits.Time
		}
		if left := max(time.Until(dl), time.Millisecond); left < limit {
			bounded := *in
			bounded.read.Limits.Time = left
			in = &bounded
		}
	}
	res, err := in.Analyze(t, opts)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	return res, err
}

// Book is the workbook as the updated workbook's writer takes it, for
// res, Analyze's result.
func (in *Input) Book(res *report.Result) *updated.Book {
	if in.WB != nil {
		return updated.WholeBook(in.WB)
	}
	return updated.StreamedBook(in.label, res.Data, in.read)
}

// Stream reads the bytes of the workbook at path, or of the sample for "",
// leaving its sheets to be streamed by Analyze: check and build hold no
// grid. Its errors come from Analyze, as Open's.
func (r Reader) Stream(path string) (*Input, error) {
	if path == "" {
		return &Input{Data: samples.Workbook, label: samples.Name + sampleMark, read: r.Options}, nil
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() && r.MaxFile > 0 && fi.Size() > r.MaxFile {
		return nil, &report.LimitError{Name: filepath.Base(path), What: report.MeasureFileMB, Limit: r.MaxFile >> 20, Flag: "-max-file-mb"}
	}
	data, err := xlsx.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return &Input{Path: path, Data: data, label: filepath.Base(path), read: r.Options}, nil
}

// sampleMark follows the sample's name wherever it is shown.
const sampleMark = "（内置样例 built-in sample）"

// Reader reads workbooks within limits. A file is read once and never
// written.
type Reader struct {
	Options xlsx.Options
	MaxFile int64 // bytes: a larger file is refused unread
}

// Sample reads the built-in sample workbook.
func (r Reader) Sample() (*Input, error) {
	wb, err := xlsx.Read(samples.Name, samples.Workbook, r.Options)
	if err != nil {
		return nil, err
	}
	wb.Name = samples.Name + sampleMark
	return &Input{Data: samples.Workbook, WB: wb}, nil
}

// Open reads the workbook at path, refusing one over MaxFile before
// reading it: a 3 GB file is not read whole first.
func (r Reader) Open(path string) (*Input, error) {
	if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() && r.MaxFile > 0 && fi.Size() > r.MaxFile {
		return nil, &report.LimitError{Name: filepath.Base(path), What: report.MeasureFileMB, Limit: r.MaxFile >> 20, Flag: "-max-file-mb"}
	}
	data, err := xlsx.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return r.Data(path, data)
}

// Data reads a workbook already in memory (watch reads the file itself,
// once, and builds exactly those bytes); path names it and gives its
// extension.
func (r Reader) Data(path string, data []byte) (*Input, error) {
	wb, err := xlsx.Read(filepath.Base(path), data, r.Options)
	if err != nil {
		return nil, err
	}
	return &Input{Path: path, Data: data, WB: wb}, nil
}

// OutputName is the stem a workbook's outputs are named after, cut short
// enough that "-findings.json" and a temporary marker still fit in a file
// name; "" is the built-in sample.
func OutputName(path string) string {
	if path == "" {
		return "neijiang-2021"
	}
	base := filepath.Base(path)
	return fsname.FitN(strings.TrimSuffix(base, filepath.Ext(base)), "", 150)
}

// BookExt keeps a macro-enabled workbook macro-enabled: Excel refuses an
// .xlsx that holds a VBA project.
func BookExt(path string) string {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".xlsm", ".xltm":
		return ".xlsm"
	}
	return ".xlsx"
}

// SamePath reports whether a and b name the same file.
func SamePath(a, b string) bool {
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	if errA == nil && errB == nil {
		return os.SameFile(fa, fb)
	}
	aa, errA := filepath.Abs(a)
	bb, errB := filepath.Abs(b)
	return errA == nil && errB == nil && aa == bb
}
