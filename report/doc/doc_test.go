package doc_test

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"innoreport/internal/difftest"
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
	for _, lang := range report.Langs {
		t.Run(string(lang), func(t *testing.T) { golden(t, lang) })
	}
}

// golden compares the document built in lang with its golden file.
func golden(t *testing.T, lang report.Lang) {
	res, tm := sample(t)
	d, err := doc.Build(res, tm, doc.Options{Lang: lang, Made: made})
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "sample-"+string(lang)+".json")
	if *update {
		if err := os.WriteFile(path, append(got, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update creates it)", err)
	}
	if d := difftest.Diff(path, "built", want, append(got, '\n')); d != "" {
		t.Errorf("%s differs (go test ./report/doc -update rewrites it; review the diff):\n%s", path, d)
	}
}

func TestOverviewHoldsTheSeedFigures(t *testing.T) {
	res, tm := sample(t)
	text, err := doc.Text(res, tm, "overview", "zh")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"截至2021年12月31日", "39项任务", "省级以上研发创新平台46个", "科技型中小企业369家", "较基期增长210.1%", "较基期增长119.0%"} {
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
		t.Run(fmt.Sprint(in), func(t *testing.T) {
			if got := doc.Num(in); got != want {
				t.Errorf("Num(%v) = %q, want %q", in, got, want)
			}
		})
	}
	if got := doc.Pct(0.7179); got != "71.8%" {
		t.Errorf("Pct = %q", got)
	}
}

// "其余…按序时推进" is said only when some task is left over, and says how
// many.
func TestOverviewRestOnlyWhenLeftOver(t *testing.T) {
	res, tm := sample(t)
	text, err := doc.Text(res, tm, "overview", "zh")
	if err != nil {
		t.Fatal(err)
	}
	rest := res.Tasks.Ahead + res.Tasks.OnSchedule
	if want := fmt.Sprintf("其余%d项按序时推进", rest); rest == 0 || !strings.Contains(text, want) {
		t.Errorf("overview lacks %q:\n%s", want, text)
	}
	res.Tasks.Done += rest
	res.Tasks.Ahead, res.Tasks.OnSchedule = 0, 0
	for _, lang := range report.Langs {
		text, err = doc.Text(res, tm, "overview", lang)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(text, "其余") || strings.Contains(text, "on schedule") {
			t.Errorf("%s: no task is left over, yet:\n%s", lang, text)
		}
	}
}

// Every figure the overview's prose gives is the tile's, at the tile's
// precision; the tiles fill their rows.
func TestOverviewAndTilesAgree(t *testing.T) {
	res, tm := sample(t)
	for _, lang := range report.Langs {
		d, err := doc.Build(res, tm, doc.Options{Lang: lang, Made: made})
		if err != nil {
			t.Fatal(err)
		}
		text, tiles := d.Chapters[0].Blocks[0].Paragraph, d.Chapters[0].Blocks[1].Tiles
		if len(tiles)%doc.TilesPerRow != 0 || len(tiles) <= doc.TilesPerRow {
			t.Errorf("%s: %d tiles, not full rows of %d", lang, len(tiles), doc.TilesPerRow)
		}
		for _, tile := range tiles[doc.TilesPerRow:] {
			if !strings.Contains(text, tile.Label) || !strings.Contains(text, tile.Value) {
				t.Errorf("%s: overview lacks tile %s %s:\n%s", lang, tile.Label, tile.Value, text)
			}
			if pct, ok := strings.CutPrefix(tile.Note, report.Text{Zh: "较基期 +", En: "vs baseline +"}.In(lang)); ok && !strings.Contains(text, pct) {
				t.Errorf("%s: tile says %s, overview does not:\n%s", lang, pct, text)
			}
		}
	}
}

// The English report's tables name their columns distinctly, and its
// headings and column names begin with a capital.
func TestEnglishHeadersDistinctAndSentenceCase(t *testing.T) {
	res, tm := sample(t)
	d, err := doc.Build(res, tm, doc.Options{Lang: "en", Made: made})
	if err != nil {
		t.Fatal(err)
	}
	capital := func(what, s string) {
		if s != "" && s[0] >= 'a' && s[0] <= 'z' {
			t.Errorf("%s %q is not in sentence case", what, s)
		}
	}
	for _, ch := range d.Chapters {
		capital("chapter", ch.Title)
		for _, b := range ch.Blocks {
			capital("heading", b.Heading)
			for _, tile := range b.Tiles[:min(len(b.Tiles), doc.TilesPerRow)] {
				capital("tile", tile.Label)
				if strings.ContainsAny(tile.Label+tile.Unit+tile.Note, "项个：（") {
					t.Errorf("tile %+v is not in English", tile)
				}
			}
			if b.Table == nil {
				continue
			}
			seen := map[string]bool{}
			for _, c := range b.Table.Columns {
				capital("column", c.Header)
				if seen[c.Header] {
					t.Errorf("%s: two columns called %q", ch.Title, c.Header)
				}
				seen[c.Header] = true
			}
		}
	}
}

// The schedule's share due is one value: chapter 4 shows what the JSON and
// the appendix's behind-schedule finding say, at the same precision.
func TestDueIsOneValue(t *testing.T) {
	_, tm := sample(t)
	wb, err := xlsx.Read(samples.Name, samples.Workbook, xlsx.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// An as-of date inside the cycle, so that the shares due are not whole.
	res := report.Analyze(wb, tm, report.Options{AsOf: time.Date(2021, 11, 16, 0, 0, 0, 0, time.UTC)})
	d, err := doc.Build(res, tm, doc.Options{Lang: "zh", Made: made})
	if err != nil {
		t.Fatal(err)
	}
	var table *doc.Table
	for _, b := range d.Chapters[3].Blocks {
		if b.Table != nil {
			table = b.Table
		}
	}
	if table == nil {
		t.Fatal("no lagging table")
	}
	i := 0
	for _, tr := range res.TaskList {
		if tr.State != report.StateOverdue && tr.State != report.StateBehind {
			continue
		}
		due := table.Rows[i].Cells[5].Text
		if want := doc.Points(tr.Expected); due != want {
			t.Errorf("task %s: chapter 4 says %s due, the JSON %v", tr.ID, due, tr.Expected)
		}
		for _, f := range res.Findings {
			if f.Rule == report.RuleBehindSchedule && f.Cell == tr.Task.Cells.Get("progress") && !strings.Contains(f.Message.Zh, "序时进度 "+due) {
				t.Errorf("task %s: the appendix says %q, chapter 4 %s", tr.ID, f.Message.Zh, due)
			}
		}
		i++
	}
	if i == 0 || !strings.Contains(fmt.Sprint(table.Rows), ".") {
		t.Errorf("no task behind with a share due that is not whole: %v", table.Rows)
	}
}

// The template may name the headline indicators; they come first, in its
// order, and the most attained fill the row.
func TestTemplateNamesHeadline(t *testing.T) {
	res, _ := sample(t)
	src := strings.Replace(string(templates.Builtin), "name: builtin", "name: mine\nheadline: [高新技术企业, 引进院士]", 1)
	tm, err := report.ParseTemplate("mine.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	got := doc.Headline(res, tm)
	if len(got) != 6 || !strings.Contains(got[0].Name, "高新技术企业") || got[1].Name != "引进院士" {
		t.Fatalf("headline = %v", got)
	}
	att := func(ind report.IndicatorResult) float64 {
		if ind.Attainment == nil {
			return -1
		}
		return *ind.Attainment
	}
	taken := map[string]bool{}
	for i, ind := range got {
		taken[ind.Name] = true
		if i > 2 && att(ind) > att(got[i-1]) {
			t.Errorf("%s (%v) after the less attained %s", ind.Name, att(ind), got[i-1].Name)
		}
	}
	for _, ind := range res.Indicators {
		if !taken[ind.Name] && ind.Actual != nil && att(ind) > att(got[5]) {
			t.Errorf("%s (%v) is more attained than %s (%v)", ind.Name, att(ind), got[5].Name, att(got[5]))
		}
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
