package pdf

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"codeberg.org/go-pdf/fpdf"
	"github.com/klauspost/compress/zlib"

	"innoreport/internal/tooltest"
	"innoreport/report"
	"innoreport/report/doc"
	"innoreport/report/xlsx"
	"innoreport/samples"
	"innoreport/templates"
)

func newPDF(t testing.TB) *fpdf.Fpdf {
	p := fpdf.New("P", "mm", "A4", "")
	p.AddUTF8FontFromBytes(family, "", DefaultFont)
	p.SetFont(family, "", 10)
	if p.Err() {
		t.Fatal(p.Error())
	}
	return p
}

func TestWrapLosesNothingAndKeepsPunctuationRules(t *testing.T) {
	p := newPDF(t)
	texts := []string{
		"截至2021年12月31日，39项任务已完成28项，省级以上研发创新平台46个，科技型中小企业369家，较基期增长210%。",
		"支持企业、高校共建工程技术研究中心（重点实验室），“智造”产业技术研究院已运行；规上工业企业研发投入占比达到0.8%。",
		"The city has 46 provincial-or-higher R&D platforms; 369 tech-based SMEs, up 210% on the baseline.",
		"混排 Mixed 文本 with numbers 1,234,567.89 和 English words 在一起。",
		strings.Repeat("很长的没有标点的中文句子", 12),
		"Supercalifragilisticexpialidociousandthensomemorelettersthatneverend",
	}
	for _, text := range texts {
		for _, w := range []float64{20, 45, 80, 150} {
			lines := wrap(p, text, w)
			joined := strings.Join(lines, "")
			if strip(joined) != strip(text) {
				t.Errorf("width %v: characters lost or changed:\n got %q\nwant %q", w, joined, text)
			}
			for i, l := range lines {
				if p.GetStringWidth(l) > w+0.01 && len([]rune(l)) > 1 {
					t.Errorf("width %v: line %q is %.1f wide", w, l, p.GetStringWidth(l))
				}
				if i > 0 && l != "" && strings.ContainsRune("，。、；：）」》”", []rune(l)[0]) {
					t.Errorf("width %v: line starts with closing punctuation: %q", w, l)
				}
				if rs := []rune(l); len(rs) > 0 && i < len(lines)-1 && strings.ContainsRune("（「《“", rs[len(rs)-1]) {
					t.Errorf("width %v: line ends with opening punctuation: %q", w, l)
				}
			}
			if w >= 45 {
				for _, word := range []string{"1,234,567.89", "provincial-or-higher", "210%"} {
					if strings.Contains(text, word) && !containsWhole(lines, word) {
						t.Errorf("width %v: %q split across lines: %q", w, word, lines)
					}
				}
			}
		}
	}
}

// pageLine matches the footer: 第 3 页 / 共 8 页, Page 3 of 8.
var pageLine = regexp.MustCompile(`^(第 ?\d+ ?页 ?/ ?共 ?\d+ ?页|Page \d+ of \d+)$`)

func strip(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

func containsWhole(lines []string, word string) bool {
	for _, l := range lines {
		if strings.Contains(l, word) {
			return true
		}
	}
	return false
}

func TestCheckFont(t *testing.T) {
	if err := CheckFont("wqy.ttf", DefaultFont); err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{
		"a.ttc":  append([]byte("ttcf"), make([]byte, 64)...),
		"b.otf":  append([]byte("OTTO"), make([]byte, 64)...),
		"c.ttf":  []byte("not a font at all, really"),
		"d.ttf":  nil,
		"e.woff": append([]byte("wOFF"), make([]byte, 64)...),
	} {
		t.Run(name, func(t *testing.T) {
			err := CheckFont(name, b)
			var be *report.BilingualError
			if !errors.Is(err, ErrFont) || !errors.As(err, &be) || !strings.Contains(be.Msg.En, name) {
				t.Errorf("CheckFont(%s) = %v; want ErrFont naming the file", name, err)
			}
		})
	}
}

func sampleDoc(t testing.TB, lang report.Lang) (*doc.Document, *report.Result) {
	t.Helper()
	tm, err := report.ParseTemplate(templates.BuiltinName, templates.Builtin)
	if err != nil {
		t.Fatal(err)
	}
	wb, err := xlsx.Read(samples.Name, samples.Workbook, xlsx.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res := report.Analyze(wb, tm, report.Options{})
	report.FlagUnprintable(res, nil)
	d, err := doc.Build(res, tm, doc.Options{Lang: lang, Made: time.Date(2022, 1, 5, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	return d, res
}

func render(t testing.TB, d *doc.Document) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Render(&buf, d, Options{Created: time.Date(2022, 1, 5, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestRenderIsReproducible(t *testing.T) {
	d, _ := sampleDoc(t, "zh")
	if !bytes.Equal(render(t, d), render(t, d)) {
		t.Error("the same document gave two different PDFs")
	}
}

// The sample's PDF, read back by poppler, holds every figure and name the
// bureau looks for, and no character went missing at a line break.
func TestSamplePDFText(t *testing.T) {
	pdftotext := tooltest.Need(t, "pdftotext", "poppler-utils")
	for _, lang := range report.Langs {
		d, res := sampleDoc(t, lang)
		path := filepath.Join(t.TempDir(), "r.pdf")
		if err := os.WriteFile(path, render(t, d), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(pdftotext, "-enc", "UTF-8", path, "-").Output()
		if err != nil {
			t.Fatal(err)
		}
		// Paragraphs may run across a page break: drop the running header
		// and footer lines so that each reads whole.
		var body []string
		for _, l := range strings.Split(string(out), "\n") {
			if strings.Contains(l, "\f") || pageLine.MatchString(strings.TrimSpace(l)) {
				continue
			}
			body = append(body, l)
		}
		text := strip(strings.Join(body, "\n"))
		if !strings.Contains(strip(string(out)), strip(d.Title)) {
			t.Errorf("%s: PDF text lacks the title %q", lang, d.Title)
		}
		want := []string{"46", "369", "210.1%"}
		for _, g := range res.Sections {
			want = append(want, g.Name)
		}
		// Every table cell and paragraph, whole: a dropped character at
		// a wrap would break one of these.
		for _, ch := range d.Chapters {
			want = append(want, ch.Title)
			for _, b := range ch.Blocks {
				if b.Paragraph != "" {
					want = append(want, b.Paragraph)
				}
				if b.Table != nil {
					for _, r := range b.Table.Rows {
						for _, c := range r.Cells {
							want = append(want, c.Text)
						}
					}
				}
			}
		}
		for _, w := range want {
			if !strings.Contains(text, strip(w)) {
				t.Errorf("%s: PDF text lacks %q", lang, w)
			}
		}
		if lang == "zh" && !strings.Contains(strip(string(out)), "第2页/共8页") {
			t.Errorf("footer with page count missing")
		}
	}
}

func TestSamplePDFStructure(t *testing.T) {
	qpdf := tooltest.Need(t, "qpdf", "qpdf")
	pdffonts := tooltest.Need(t, "pdffonts", "poppler-utils")
	d, _ := sampleDoc(t, "zh")
	path := filepath.Join(t.TempDir(), "r.pdf")
	if err := os.WriteFile(path, render(t, d), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(qpdf, "--check", path).CombinedOutput(); err != nil {
		t.Errorf("qpdf --check: %v\n%s", err, out)
	}
	out, err := exec.Command(pdffonts, path).Output()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) < 3 {
		t.Fatalf("pdffonts lists no font:\n%s", out)
	}
	for _, l := range lines[2:] {
		f := strings.Fields(l)
		if len(f) < 5 || f[len(f)-5] != "yes" {
			t.Errorf("font not embedded: %s", l)
		}
	}
	if pdfinfo, err := exec.LookPath("pdfinfo"); err == nil {
		meta, err := exec.Command(pdfinfo, path).Output()
		if err != nil {
			t.Fatalf("pdfinfo: %v", err)
		}
		for _, want := range []string{"Title:", d.Title, "Author:", d.Author, "Subject:"} {
			if !strings.Contains(string(meta), want) {
				t.Errorf("pdfinfo lacks %q:\n%s", want, meta)
			}
		}
	}
	info, err := exec.Command(qpdf, "--show-npages", path).Output()
	if err != nil || strings.TrimSpace(string(info)) != "8" {
		t.Errorf("pages = %q, %v", info, err)
	}
	outline, err := exec.Command(qpdf, "--json", "--json-key=outlines", path).Output()
	if err != nil {
		t.Fatalf("qpdf --json: %v", err)
	}
	for _, ch := range d.Chapters {
		if !strings.Contains(string(outline), ch.Title) {
			t.Errorf("no bookmark for %q", ch.Title)
		}
	}
}

// Characters beyond U+FFFF would make fpdf panic: they are replaced and
// reported at their cell.
func TestUnprintableCharacters(t *testing.T) {
	tm, err := report.ParseTemplate("t", templates.Builtin)
	if err != nil {
		t.Fatal(err)
	}
	s := &report.Sheet{Name: "任务清单", Rows: [][]report.Cell{
		{{Text: "序号"}, {Text: "板块"}, {Text: "重点任务"}, {Text: "完成时限"}, {Text: "牵头单位"}, {Text: "状态"}},
		{{Text: "1"}, {Text: "甲"}, {Text: "建设\U00020000平台"}, {Text: "2021年底"}, {Text: "市科技局"}, {Text: "已完成"}},
	}}
	res := report.Analyze(&report.Workbook{Name: "u.xlsx", Sheets: []*report.Sheet{s}}, tm, report.Options{AsOf: time.Date(2021, 12, 31, 0, 0, 0, 0, time.UTC)})
	report.FlagUnprintable(res, nil)
	found := false
	for _, f := range res.Findings {
		if f.Rule == report.RuleUnprintable && f.Cell == "C2" && strings.Contains(f.Message.En, "U+20000") {
			found = true
		}
	}
	if !found {
		t.Errorf("no unprintable-char finding at C2: %+v", res.Findings)
	}
	d, err := doc.Build(res, tm, doc.Options{Lang: "zh"})
	if err != nil {
		t.Fatal(err)
	}
	render(t, d)
}

func TestPrintable(t *testing.T) {
	ok, err := Printable(DefaultFont)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range "内江市创新型城市ABC123，。（）%—“”" {
		if !ok(r) {
			t.Errorf("%q should be printable in WenQuanYi Micro Hei", r)
		}
	}
	for _, r := range []rune{0x20000, 0x1F600, 0xE000} {
		if ok(r) {
			t.Errorf("%U should not be printable", r)
		}
	}
}

// A table longer than a page repeats its header on every page it spans.
func TestTableSplitsWithHeader(t *testing.T) {
	pdftotext := tooltest.Need(t, "pdftotext", "poppler-utils")
	tb := &doc.Table{Columns: []doc.Column{{Header: "表头甲", Width: 0.3, Align: doc.Left}, {Header: "表头乙", Width: 0.7, Align: doc.Left}}}
	for i := range 150 {
		tb.Rows = append(tb.Rows, doc.Row{Cells: []doc.Cell{{Text: fmt.Sprintf("第%d行", i+1)}, {Text: strings.Repeat("内容", 5+i%40)}}})
	}
	d := &doc.Document{Title: "t", Footer: "%d/%d", Chapters: []doc.Chapter{{Title: "长表", Blocks: []doc.Block{{Table: tb}}}}}
	path := filepath.Join(t.TempDir(), "t.pdf")
	if err := os.WriteFile(path, render(t, d), 0o644); err != nil {
		t.Fatal(err)
	}
	all, err := exec.Command(pdftotext, "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	pages := strings.Split(string(all), "\f")
	if len(pages) < 4 {
		t.Fatalf("150 rows fit on %d pages?", len(pages))
	}
	seen := map[string]bool{}
	for i, pg := range pages[1 : len(pages)-1] {
		if !strings.Contains(pg, "表头甲") {
			t.Errorf("page %d has no table header", i+2)
		}
		for _, line := range strings.Split(pg, "\n") {
			if strings.HasPrefix(line, "第") && strings.HasSuffix(line, "行") {
				if seen[line] {
					t.Errorf("%s printed twice", line)
				}
				seen[line] = true
			}
		}
	}
	if len(seen) != 150 {
		t.Errorf("%d of 150 rows found in the text", len(seen))
	}
}

// No column header of either language is broken inside a word: each line
// of a wrapped header is whole words of it.
func TestHeadersWrapBetweenWords(t *testing.T) {
	p := newPDF(t)
	for _, lang := range report.Langs {
		d, _ := sampleDoc(t, lang)
		for _, ch := range d.Chapters {
			for _, b := range ch.Blocks {
				if b.Table == nil {
					continue
				}
				for _, c := range b.Table.Columns {
					words := map[string]bool{}
					for _, w := range tokens(c.Header) {
						words[w] = true
					}
					// At its width, and squeezed to three quarters of it.
					for _, w := range []float64{c.Width*textW - 2, c.Width*textW*0.75 - 2} {
						_, lines := headerLines(p, c.Header, w)
						for _, l := range lines {
							for _, w := range tokens(l) {
								if !words[w] {
									t.Errorf("%s: header %q broken into %q", lang, c.Header, lines)
								}
							}
						}
					}
				}
			}
		}
	}
}

// The "?" for a character the font cannot draw is on the page only: the
// document and the result keep the character.
func TestUnprintableOnlyOnThePage(t *testing.T) {
	tm, err := report.ParseTemplate("t", templates.Builtin)
	if err != nil {
		t.Fatal(err)
	}
	s := &report.Sheet{Name: "任务清单", Rows: [][]report.Cell{
		{{Text: "序号"}, {Text: "板块"}, {Text: "重点任务"}, {Text: "完成时限"}, {Text: "牵头单位"}, {Text: "状态"}, {Text: "进度"}},
		{{Text: "1"}, {Text: "甲"}, {Text: "建设\U00020000平台"}, {Text: "2021年底"}, {Text: "市科技局"}, {Text: "推进中"}, {Text: "10"}},
	}}
	res := report.Analyze(&report.Workbook{Name: "u.xlsx", Sheets: []*report.Sheet{s}}, tm, report.Options{AsOf: time.Date(2021, 12, 31, 0, 0, 0, 0, time.UTC)})
	report.FlagUnprintable(res, nil)
	d, err := doc.Build(res, tm, doc.Options{Lang: "zh"})
	if err != nil {
		t.Fatal(err)
	}
	data := render(t, d)
	if res.TaskList[0].Name != "建设\U00020000平台" {
		t.Errorf("the result's name became %q", res.TaskList[0].Name)
	}
	js, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(js), "建设\U00020000平台") {
		t.Error("rendering changed the document")
	}
	pdftotext := tooltest.Need(t, "pdftotext", "poppler-utils")
	path := filepath.Join(t.TempDir(), "u.pdf")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(pdftotext, path, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "建设?平台") {
		t.Errorf("the PDF does not show 建设?平台:\n%s", out)
	}
}

// Chapters flow on; a template's chapter_break starts each on a new page,
// under its bookmark.
func TestChapterBreak(t *testing.T) {
	qpdf := tooltest.Need(t, "qpdf", "qpdf")
	pages := func(d *doc.Document) int {
		path := filepath.Join(t.TempDir(), "r.pdf")
		if err := os.WriteFile(path, render(t, d), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(qpdf, "--show-npages", path).Output()
		if err != nil {
			t.Fatal(err)
		}
		n, err := strconv.Atoi(strings.TrimSpace(string(out)))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	d, _ := sampleDoc(t, "zh")
	flowing := pages(d)
	d, _ = sampleDoc(t, "zh")
	d.ChapterBreak = true
	if broken := pages(d); broken < len(d.Chapters)+1 || broken <= flowing {
		t.Errorf("%d pages with chapter breaks, %d without, for %d chapters", broken, flowing, len(d.Chapters))
	}
}

// TestCutFontGivesTheFullFontsBytes: the embedded default font is cut to
// each document's characters, and the PDF must be the one the whole font
// gives, byte for byte but for the font's resource name, which fpdf hashes
// from every width in the cmap: for Chinese and English reports, one with a
// character outside GB 2312, and one whose tiles fpdf shortens with an
// ellipsis (a character the renderer adds).
func TestCutFontGivesTheFullFontsBytes(t *testing.T) {
	compress = false
	defer func() { compress = true }()
	fontName := regexp.MustCompile(`/F[0-9a-f]{40}\b`)
	full := bytes.Clone(DefaultFont) // not DefaultFont itself: never cut
	zh, _ := sampleDoc(t, "zh")
	en, _ := sampleDoc(t, "en")
	withRare := zh.Clone()
	withRare.Chapters[0].Title += "堃" // in the font, not in GB 2312
	// Without an ellipsis of its own, so that only fit's is drawn.
	shortened := zh.Clone()
	shortened.MapText(func(s string) string { return strings.ReplaceAll(s, ellipsis, "...") })
	tiles := 0
	for i := range shortened.Chapters {
		for j := range shortened.Chapters[i].Blocks {
			for k := range shortened.Chapters[i].Blocks[j].Tiles {
				shortened.Chapters[i].Blocks[j].Tiles[k].Note = strings.Repeat("科技型中小企业评价入库", 8)
				tiles++
			}
		}
	}
	if tiles == 0 {
		t.Fatal("the sample has no tiles to shorten")
	}
	for name, d := range map[string]*doc.Document{"zh": zh, "en": en, "rare": withRare, "ellipsis": shortened} {
		opts := Options{Created: time.Date(2022, 1, 5, 0, 0, 0, 0, time.UTC)}
		var got, want bytes.Buffer
		if err := Render(&got, d, opts); err != nil {
			t.Fatal(err)
		}
		opts.Font = full
		if err := Render(&want, d, opts); err != nil {
			t.Fatal(err)
		}
		g, w := fontName.ReplaceAll(got.Bytes(), []byte("/F")), fontName.ReplaceAll(want.Bytes(), []byte("/F"))
		if len(fontName.FindAll(got.Bytes(), -1)) < 2 {
			t.Errorf("%s: no font resource names found to set aside", name)
		}
		if !bytes.Equal(g, w) {
			t.Errorf("%s: the default font's PDF (%d bytes) differs from the full font's (%d bytes)", name, got.Len(), want.Len())
		}
	}
}

// The cut holds the characters asked for, Latin-1 and the ellipsis, and no
// others: it is the document's font, not the whole one under another name.
func TestDocumentFontIsCut(t *testing.T) {
	var used runeSet
	used.addString("内江科技")
	font := documentFont(&used)
	if len(font) > len(DefaultFont)/50 {
		t.Fatalf("the document's font is %d bytes, the whole font %d", len(font), len(DefaultFont))
	}
	has, err := Printable(font)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range "内江科技A€é…" {
		if r != '€' && !has(r) {
			t.Errorf("%c missing from the cut", r)
		}
	}
	for _, r := range "中堃€" {
		if has(r) {
			t.Errorf("%c in the cut, not asked for", r)
		}
	}
	if err := CheckFont("cut", font); err != nil {
		t.Error(err)
	}
}

// BenchmarkRender draws the sample with the default font (cut to the
// document) and with the same font as a user's file (parsed whole).
func BenchmarkRender(b *testing.B) {
	d, _ := sampleDoc(b, "zh")
	for _, font := range []struct {
		name string
		data []byte
	}{{"default", nil}, {"full", bytes.Clone(DefaultFont)}} {
		b.Run(font.name, func(b *testing.B) {
			for b.Loop() {
				if err := Render(io.Discard, d, Options{Font: font.data}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestStreamsAsAFreshWriterWritesThem: fpdf, patched in third_party/fpdf
// to reuse its zlib writers (klauspost/compress's), writes every stream as
// a writer of its own would, on a render after others in the process:
// each inflates, and deflated again by a new writer at fpdf's level gives
// the same bytes.
func TestStreamsAsAFreshWriterWritesThem(t *testing.T) {
	zh, _ := sampleDoc(t, "zh")
	en, _ := sampleDoc(t, "en")
	stream := regexp.MustCompile(`<<([^>]*/FlateDecode[^>]*)>>\nstream\n`)
	length := regexp.MustCompile(`/Length (\d+)`)
	for _, d := range []*doc.Document{zh, en, zh} {
		var b bytes.Buffer
		if err := Render(&b, d, Options{}); err != nil {
			t.Fatal(err)
		}
		pdf := b.Bytes()
		ms := stream.FindAllSubmatchIndex(pdf, -1)
		if len(ms) < 4 {
			t.Fatalf("%d compressed streams", len(ms))
		}
		for _, m := range ms {
			n, _ := strconv.Atoi(string(length.FindSubmatch(pdf[m[2]:m[3]])[1]))
			got := pdf[m[1] : m[1]+n]
			r, err := zlib.NewReader(bytes.NewReader(got))
			if err != nil {
				t.Fatal(err)
			}
			plain, err := io.ReadAll(r)
			if err != nil {
				t.Fatal(err)
			}
			var want bytes.Buffer
			w, _ := zlib.NewWriterLevel(&want, zlib.BestSpeed)
			w.Write(plain)
			w.Close()
			if !bytes.Equal(got, want.Bytes()) {
				t.Errorf("a stream of %d bytes (%d inflated) differs from a fresh writer's %d", len(got), len(plain), want.Len())
			}
		}
	}
}

// fpdf leaves a font's bytes as it was given them, where the characters
// drawn have glyphs past the font's last full horizontal metric (upstream
// fpdf wrote each such glyph's side bearing into them, and serve and watch
// share a user's font between builds), and the same document drawn twice
// is the same PDF. The font is the default one told it has 100 full
// metrics, so that every CJK glyph lies past them.
func TestFontBytesLeftAlone(t *testing.T) {
	font := shortMetrics(t, bytes.Clone(DefaultFont), 100)
	given := bytes.Clone(font)
	d, _ := sampleDoc(t, "zh")
	opts := Options{Font: font, Created: time.Date(2022, 1, 5, 0, 0, 0, 0, time.UTC)}
	var first, second bytes.Buffer
	if err := Render(&first, d, opts); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(font, given) {
		t.Error("drawing the document changed the font's bytes")
	}
	if err := Render(&second, d, opts); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first.Bytes(), second.Bytes()) {
		t.Error("the same document drawn twice with one font gave two PDFs")
	}
}

// shortMetrics sets font's hhea numberOfHMetrics to n.
func shortMetrics(t *testing.T, font []byte, n int) []byte {
	t.Helper()
	u16 := func(o int) int { return int(font[o])<<8 | int(font[o+1]) }
	for i := range u16(4) {
		rec := 12 + 16*i
		if string(font[rec:rec+4]) == "hhea" {
			at := u16(rec+8)<<16 | u16(rec+10)
			font[at+34], font[at+35] = byte(n>>8), byte(n)
			return font
		}
	}
	t.Fatal("no hhea table")
	return nil
}
