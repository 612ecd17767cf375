package publish

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"innoreport/report"
	"innoreport/report/archive"
	"innoreport/report/pdf"
	"innoreport/templates"
)

// builtinSample is the built-in template and the sample workbook.
func builtinSample(t *testing.T) (*report.Template, *Input) {
	t.Helper()
	tmpl, err := report.ParseTemplate(templates.BuiltinName, templates.Builtin)
	if err != nil {
		t.Fatal(err)
	}
	in, err := Reader{}.Sample()
	if err != nil {
		t.Fatal(err)
	}
	return tmpl, in
}

// The outputs rendered at once are byte for byte those rendered one at a
// time, with text the PDF's font cannot draw (which the PDF replaces in
// its copy of the document, and the Word document keeps). Under -race it
// also catches state the renderers share.
func TestRenderAtOnceAsAlone(t *testing.T) {
	tmpl, in := builtinSample(t)
	made := time.Date(2022, 1, 5, 0, 0, 0, 0, time.UTC)
	type outputs struct{ pdf, docx, book []byte }
	render := func(f Formats) outputs {
		t.Helper()
		p := &Pipeline{Template: tmpl, Lang: report.Zh, Formats: f, Font: pdf.DefaultFont}
		res := report.Analyze(in.WB, tmpl, report.Options{Today: made})
		// U+1F600 is beyond what fpdf draws: a "?" in the PDF only.
		res.Findings[0].Message.Zh += "\U0001F600"
		dir := t.TempDir()
		outs := []output{{f.PDF, filepath.Join(dir, "report.pdf"), nil}, {f.DOCX, filepath.Join(dir, "report.docx"), nil}, {f.XLSX, filepath.Join(dir, "updated.xlsx"), nil}}
		r, err := p.render(res, in, &Period{}, made, outs)
		if err != nil {
			t.Fatal(err)
		}
		var got [3][]byte
		for i, f := range r.files {
			if f == nil {
				continue
			}
			if err := f.Commit(0o644); err != nil {
				t.Fatal(err)
			}
			if got[i], err = os.ReadFile(outs[i].path); err != nil {
				t.Fatal(err)
			}
		}
		return outputs{pdf: got[0], docx: got[1], book: got[2]}
	}
	all := render(Formats{PDF: true, XLSX: true, DOCX: true})
	alone := outputs{
		docx: render(Formats{DOCX: true}).docx,
		pdf:  render(Formats{PDF: true}).pdf,
		book: render(Formats{XLSX: true}).book,
	}
	for _, o := range []struct {
		name      string
		got, want []byte
	}{{"docx", all.docx, alone.docx}, {"pdf", all.pdf, alone.pdf}, {"xlsx", all.book, alone.book}} {
		if len(o.want) == 0 {
			t.Errorf("%s: nothing rendered", o.name)
		}
		if !bytes.Equal(o.got, o.want) {
			t.Errorf("%s: %d bytes rendered with the others, %d alone", o.name, len(o.got), len(o.want))
		}
	}
	zr, err := zip.NewReader(bytes.NewReader(all.docx), int64(len(all.docx)))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := zr.Open("word/document.xml")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	body, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(body, []byte("\U0001F600")) {
		t.Error("the Word document lost the character the PDF replaces")
	}
}

// A build whose Word document fails leaves nothing in the output folder:
// not the updated workbook, which streams into its temporary file while
// the others render, nor that file.
func TestFailedBuildLeavesNoFiles(t *testing.T) {
	tmpl, in := builtinSample(t)
	dir := t.TempDir()
	p := &Pipeline{Template: tmpl, Lang: report.Zh, Formats: Formats{PDF: true, XLSX: true, DOCX: true},
		Font: pdf.DefaultFont, DocxTemplate: []byte("not a docx"), DocxName: "ref.docx",
		Made: time.Date(2022, 1, 5, 0, 0, 0, 0, time.UTC), Replay: &Period{}}
	if _, err := p.Build(context.Background(), in, "sample", dir, true); err == nil {
		t.Fatal("a build with a broken reference document succeeded")
	}
	left, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range left {
		t.Errorf("left in the output folder: %s", e.Name())
	}
}

// A build whose context ends while it reads stops there: the watcher has
// given up on it (-build-timeout), and it neither checks on nor renders
// for nobody. It answers with the context's error, which the watcher
// words as its own limit.
func TestBuildStopsAtItsDeadline(t *testing.T) {
	tmpl, _ := builtinSample(t)
	in, err := Reader{}.Stream("")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var progress bytes.Buffer
	p := &Pipeline{Template: tmpl, Lang: report.Zh, Formats: Formats{PDF: true, XLSX: true}, Font: pdf.DefaultFont,
		Made: time.Date(2022, 1, 5, 0, 0, 0, 0, time.UTC), Replay: &Period{}, Progress: &progress}
	ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	if _, err := p.Build(ctx, in, "sample", dir, false); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the context's deadline", err)
	}
	if bytes.Contains(progress.Bytes(), []byte("checked")) {
		t.Errorf("the build went on past its deadline:\n%s", progress.Bytes())
	}
	if left, _ := os.ReadDir(dir); len(left) > 0 {
		t.Errorf("left in the output folder: %v", left)
	}
	// Given the time, the same build is made.
	if _, err := p.Build(context.Background(), in, "sample", dir, false); err != nil {
		t.Fatal(err)
	}
}

// An output that cannot be written leaves none of the others behind, not
// even as the temporary files the renders staged them in.
func TestRenderFailureLeavesNothing(t *testing.T) {
	tmpl, in := builtinSample(t)
	made := time.Date(2022, 1, 5, 0, 0, 0, 0, time.UTC)
	p := &Pipeline{Template: tmpl, Lang: report.Zh, Formats: Formats{PDF: true, XLSX: true, DOCX: true}, Font: pdf.DefaultFont}
	res := report.Analyze(in.WB, tmpl, report.Options{Today: made})
	dir := t.TempDir()
	blocker := filepath.Join(dir, "not-a-folder")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	outs := []output{
		{true, filepath.Join(blocker, "report.pdf"), nil},
		{true, filepath.Join(dir, "report.docx"), nil},
		{true, filepath.Join(dir, "updated.xlsx"), nil},
	}
	if _, err := p.render(res, in, &Period{}, made, outs); err == nil || !strings.Contains(err.Error(), blocker) {
		t.Fatalf("err = %v, want one naming %s", err, blocker)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.Name() != "not-a-folder" {
			t.Errorf("%s left behind", e.Name())
		}
	}
}

// An archive opened early is the one the build records into, taken once;
// where there is none yet, nothing is opened or created before the build
// itself makes it.
func TestBuildTakesTheArchiveOpenedEarly(t *testing.T) {
	tmpl, in := builtinSample(t)
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "innoreport.db")
	if e := OpenEarly(ctx, db); e != nil {
		t.Fatal("OpenEarly opened an archive that is not there")
	}
	if _, err := os.Stat(db); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("OpenEarly made %s (%v)", db, err)
	}
	p := &Pipeline{Template: tmpl, Lang: report.Zh, Formats: Formats{PDF: true}, Font: pdf.DefaultFont,
		Made: time.Date(2022, 1, 5, 0, 0, 0, 0, time.UTC), DB: db}
	if _, err := p.Build(ctx, in, "sample", dir, false); err != nil {
		t.Fatal(err)
	}
	p.Early = OpenEarly(ctx, db)
	if p.Early == nil {
		t.Fatal("OpenEarly did not open the archive the first build made")
	}
	if _, err := p.Build(ctx, in, "sample", dir, false); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := p.Early.take(db); ok {
		t.Error("the archive opened early was there to take after the build")
	}
	p.Early.Close() // taken: nothing to close, and no wait
	// The second build replaced the first's period, through the archive
	// it took: the archive still answers, with one period.
	a, err := archive.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	periods, err := a.Periods(ctx, Campaign(mustAnalyze(t, tmpl, in), tmpl).Key)
	if err != nil || len(periods) != 1 {
		t.Fatalf("periods = %d, %v; want 1", len(periods), err)
	}
	// One opened early and never taken is closed by Close, and is not
	// handed to a build after.
	e := OpenEarly(ctx, db)
	e.Close()
	if _, _, ok := e.take(db); ok {
		t.Error("a closed early archive was taken")
	}
}

func mustAnalyze(t *testing.T, tmpl *report.Template, in *Input) *report.Result {
	t.Helper()
	res, err := in.Analyze(tmpl, report.Options{Today: time.Date(2022, 1, 5, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	return res
}
