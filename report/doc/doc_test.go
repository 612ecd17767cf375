package doc_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"innoreport/report"
	"innoreport/report/doc"
	"innoreport/report/xlsx"
	"innoreport/samples"
	"innoreport/templates"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

func sample(t testing.TB) (*report.Result, *report.Template) {
	t.Helper()
	tm, err := report.ParseTemplate(templates.BuiltinName, templates.Builtin)
	if err != nil {
		t.Fatal(err)
	}
	wb, err := xlsx.Read(samples.Name, samples.Workbook, xlsx.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return report.Analyze(wb, tm, report.Options{}), tm
}

var made = time.Date(2022, 1, 5, 0, 0, 0, 0, time.UTC)

// The sample's document model, in both languages, is held in golden files:
// a change to what the report says shows as a diff.
func TestSampleDocumentGolden(t *testing.T) {
	for _, lang := range []string{"zh", "en"} {
		res, tm := sample(t)
		d, err := doc.Build(res, tm, doc.Options{Lang: lang, Made: made})
		if err != nil {
			t.Fatal(err)
		}
		got, err := json.MarshalIndent(d, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("testdata", "sample-"+lang+".json")
		if *update {
			if err := os.WriteFile(path, append(got, '\n'), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (go test -update creates it)", err)
		}
		if !bytes.Equal(append(got, '\n'), want) {
			t.Errorf("%s differs: run go test ./report/doc -update and review the diff", path)
		}
	}
}

func TestOverviewHoldsTheSeedFigures(t *testing.T) {
	res, tm := sample(t)
	text, err := doc.Text(res, tm, "overview", "zh")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"截至2021年12月31日", "39项任务", "省级以上研发创新平台46个", "科技型中小企业369家", "增长210%", "增长119%"} {
		if !strings.Contains(text, want) {
			t.Errorf("overview lacks %q:\n%s", want, text)
		}
	}
}

func TestLongListsStopAtTheLimit(t *testing.T) {
	res, tm := sample(t)
	d, err := doc.Build(res, tm, doc.Options{Lang: "en", Made: made, Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, ch := range d.Chapters {
		for _, b := range ch.Blocks {
			if b.Table != nil && len(b.Table.Rows) > 4 {
				t.Errorf("%s: a table of %d rows past a limit of 3", ch.Title, len(b.Table.Rows))
			}
			if b.Table != nil && strings.Contains(b.Table.More, "more in the workbook") {
				found = true
			}
		}
	}
	if !found {
		t.Error("no table says how many more rows the workbook holds")
	}
}

func TestNumberFormats(t *testing.T) {
	for in, want := range map[float64]string{1234: "1,234", 1234567.5: "1,234,567.5", 0.93: "0.93", 46: "46", -1200: "-1,200"} {
		if got := doc.Num(in); got != want {
			t.Errorf("Num(%v) = %q, want %q", in, got, want)
		}
	}
	if got := doc.Pct(0.7179); got != "71.8%" {
		t.Errorf("Pct = %q", got)
	}
}

// Item 11: a text that nests range six deep over the tasks once ran to
// 24 GB; now it is refused before it runs, as is one that calls other
// templates or writes without end, each naming the text.
func TestTemplateTextsHaveABudget(t *testing.T) {
	res, tm := sample(t)
	deep := strings.Repeat("{{range .TaskList}}", 6) + "x" + strings.Repeat("{{end}}", 6)
	for name, src := range map[string]string{
		"six ranges deep":        deep,
		"a range over a billion": "{{range 1000000000}}{{range 1000000000}}{{end}}{{end}}",
		"another template":       `{{define "t"}}{{template "t" .}}{{end}}{{template "t" .}}`,
		"endless output":         `{{range 10000000}}xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx{{end}}`,
	} {
		t.Run(name, func(t *testing.T) {
			tm.Texts["overview"] = report.Text{Zh: src, En: src}
			_, err := doc.Text(res, tm, "overview", "zh")
			if !errors.Is(err, report.ErrTemplate) || !strings.Contains(err.Error(), "texts.overview") {
				t.Errorf("err %v", err)
			}
		})
	}
	// Two ranges deep over the sample's tasks is fine.
	tm.Texts["overview"] = report.Text{Zh: "{{range $.Indicators}}{{range $.Indicators}}.{{end}}{{end}}"}
	if out, err := doc.Text(res, tm, "overview", "zh"); err != nil || len(out) != len(res.Indicators)*len(res.Indicators) {
		t.Errorf("%d bytes, %v", len(out), err)
	}
}
