package updated_test

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"innoreport/internal/ooxmlcheck"
	"innoreport/internal/tooltest"
	"innoreport/report"
	"innoreport/report/xlsx"
	"innoreport/report/xlsx/updated"
	"innoreport/samples"
	"innoreport/templates"
)

// A workbook with no styles part (some generators write none) is
// updated, not a panic inside excelize.
func TestNoStylesPart(t *testing.T) {
	data := rewritePart(t, samples.Workbook, "xl/styles.xml", func([]byte) []byte { return nil })
	data = rewritePart(t, data, "xl/_rels/workbook.xml.rels", func(b []byte) []byte {
		return regexp.MustCompile(`<Relationship [^>]*styles.xml"[^>]*/>`).ReplaceAll(b, nil)
	})
	data = rewritePart(t, data, "[Content_Types].xml", func(b []byte) []byte {
		return regexp.MustCompile(`<Override [^>]*styles.xml"[^>]*/>`).ReplaceAll(b, nil)
	})
	res, wb := analyze(t, "nostyles.xlsx", data)
	var out bytes.Buffer
	if err := updated.Write(&out, data, updated.WholeBook(wb), res, updated.Options{Lang: "zh", Annotate: true}); err != nil {
		t.Fatal(err)
	}
	for _, p := range ooxmlcheck.Problems(out.Bytes()) {
		t.Error(p)
	}
}

// Strict OOXML in, a valid package out: no prefix left undeclared, no
// Strict namespace mixed with transitional ones.
func TestStrictInput(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "..", "shared", "corpus", "xlsx")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("corpus not found at %s: it lives beside the project in shared/corpus", dir)
	}
	for _, name := range []string{"poi__SimpleStrict.xlsx", "poi__sample.strict.xlsx", "sheetjs__sheet_visibility_strict.xlsx", "edr__strict__Test_BigFormatted.xlsx"} {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			res, wb := analyze(t, name, data)
			out := update(t, data, res, wb, "zh")
			for _, p := range ooxmlcheck.Problems(out) {
				t.Error(p)
			}
			before, _ := cells(t, data)
			after, _ := cells(t, out)
			for k, v := range before {
				if after[k] != v {
					t.Errorf("%s was %q, is %q", k, v, after[k])
				}
			}
		})
	}
}

// A unit's name is matched exactly by the summary's formulas: "市*局"
// counts its own task, not every unit from 市 to 局.
func TestCriteriaAreExact(t *testing.T) {
	soffice := tooltest.Need(t, "soffice", "libreoffice-calc-nogui")
	f, err := excelize.OpenReader(bytes.NewReader(samples.Workbook))
	if err != nil {
		t.Fatal(err)
	}
	for cell, v := range map[string]string{"G5": "市*局", "G6": "市?局", "G7": "~市局"} {
		if err := f.SetCellValue("任务清单", cell, v); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	res, wb := analyze(t, "wild.xlsx", data)
	path := filepath.Join(t.TempDir(), "updated.xlsx")
	if err := os.WriteFile(path, update(t, data, res, wb, "zh"), 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sheetsAsCSV(t, soffice, path, true)["汇总"]
	found := 0
	for _, name := range []string{"市*局", "市?局", "~市局"} {
		for r, row := range sum {
			if len(row) > 1 && row[0] == name {
				found++
				if got := num(t, sum, r, 1); got != 1 {
					t.Errorf("%s counts %v tasks after recalculation, not 1", name, got)
				}
			}
		}
	}
	if found != 3 {
		t.Errorf("found %d of the 3 units in 汇总", found)
	}
}

// On the findings sheet a long message wraps, and its row is as tall as
// its lines, so rows never print over each other.
func TestFindingRowsFitTheirText(t *testing.T) {
	res, wb := analyze(t, "s.xlsx", samples.Workbook)
	_, af := cells(t, update(t, samples.Workbook, res, wb, "zh"))
	tall := 0
	for i := range res.Findings {
		row := i + 2
		lines := 1
		for c := 1; c <= 6; c++ {
			col, _ := excelize.ColumnNumberToName(c)
			w, _ := af.GetColWidth("校验结果", col)
			v, _ := af.GetCellValue("校验结果", col+strconv.Itoa(row))
			lines = max(lines, int(math.Ceil(float64(report.DisplayWidth(v))/(w-1))))
		}
		if lines == 1 {
			continue
		}
		tall++
		h, _ := af.GetRowHeight("校验结果", row)
		if h < 13*float64(lines) {
			t.Errorf("校验结果 row %d needs %d lines, is %v pt tall", row, lines, h)
		}
	}
	if tall == 0 {
		t.Error("no finding needs more than one line: the test tests nothing")
	}
}

// Every cell innoreport writes is in the workbook's own font family: no
// font without a name, which readers replace with a serif one.
func TestOneFontFamily(t *testing.T) {
	res, wb := analyze(t, "s.xlsx", samples.Workbook)
	_, af := cells(t, update(t, samples.Workbook, res, wb, "zh"))
	family, err := af.GetDefaultFont()
	if err != nil || family == "" {
		t.Fatalf("default font %q: %v", family, err)
	}
	for _, sh := range []string{"汇总", "指标达成", "校验结果"} {
		rows, err := af.GetRows(sh)
		if err != nil {
			t.Fatal(err)
		}
		for r, row := range rows {
			for c := range row {
				cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
				id, err := af.GetCellStyle(sh, cell)
				if err != nil {
					t.Fatal(err)
				}
				st, err := af.GetStyle(id)
				if err != nil {
					t.Fatal(err)
				}
				if st.Font != nil && st.Font.Family != family {
					t.Errorf("%s!%s: font %q, not the workbook's %q", sh, cell, st.Font.Family, family)
				}
			}
		}
	}
}

var (
	reTxPr   = regexp.MustCompile(`(?s)<(?:c:)?txPr>.*?</(?:c:)?txPr>`)
	reLumOff = regexp.MustCompile(`<a:lumOff val="(\d+)"`)
	reSRGB   = regexp.MustCompile(`<a:srgbClr val="([0-9A-Fa-f]{6})"`)
)

// Chart text is dark enough to read: no axis label in a tint of 85% white.
func TestChartTextLegible(t *testing.T) {
	res, wb := analyze(t, "s.xlsx", samples.Workbook)
	out := update(t, samples.Workbook, res, wb, "zh")
	for _, part := range []string{"xl/charts/chart1.xml", "xl/charts/chart2.xml"} {
		x := string(partOf(t, out, part))
		if x == "" {
			t.Fatalf("no %s", part)
		}
		for _, tx := range reTxPr.FindAllString(x, -1) {
			for _, m := range reLumOff.FindAllStringSubmatch(tx, -1) {
				if v, _ := strconv.Atoi(m[1]); v >= 50000 {
					t.Errorf("%s: text lightened by %d%%", part, v/1000)
				}
			}
			for _, m := range reSRGB.FindAllStringSubmatch(tx, -1) {
				v, _ := strconv.ParseUint(m[1], 16, 32)
				r, g, b := float64(v>>16), float64(v>>8&0xff), float64(v&0xff)
				if lum := (0.299*r + 0.587*g + 0.114*b) / 255; lum > 0.5 {
					t.Errorf("%s: text colour %s is pale (luminance %.2f)", part, m[1], lum)
				}
			}
		}
	}
}

// An encrypted workbook is decrypted before it is prepared and patched,
// and the updated workbook is encrypted with the same password.
func TestEncryptedRoundTrip(t *testing.T) {
	const pw = "甜城2021"
	enc, err := excelize.Encrypt(samples.Workbook, &excelize.Options{Password: pw})
	if err != nil {
		t.Fatal(err)
	}
	tm, err := report.ParseTemplate("builtin", templates.Builtin)
	if err != nil {
		t.Fatal(err)
	}
	wb, err := xlsx.Read("enc.xlsx", enc, xlsx.Options{Password: pw})
	if err != nil {
		t.Fatal(err)
	}
	res := report.Analyze(wb, tm, report.Options{Today: time.Date(2021, 12, 31, 0, 0, 0, 0, time.UTC)})
	var out bytes.Buffer
	if err := updated.Write(&out, enc, updated.WholeBook(wb), res, updated.Options{Lang: "zh", Annotate: true, Password: pw}); err != nil {
		t.Fatal(err)
	}
	if bytes.HasPrefix(out.Bytes(), []byte("PK")) {
		t.Fatal("the updated workbook of an encrypted one is not encrypted")
	}
	plain, err := excelize.Decrypt(out.Bytes(), &excelize.Options{Password: pw})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ooxmlcheck.Problems(plain) {
		t.Error(p)
	}
	if v := string(partOf(t, plain, "xl/workbook.xml")); !strings.Contains(v, "汇总") {
		t.Error("no 汇总 sheet in the decrypted updated workbook")
	}
}

// A package the reader gets through and excelize cannot open (here, a
// part name in another case than its relationship says, as one library
// writes) is rebuilt from the values read, and the summary says so.
func TestRebuildWhenExcelizeCannotOpen(t *testing.T) {
	data := renamePart(t, samples.Workbook, "xl/workbook.xml", "xl/WorkBook.xml")
	res, wb := analyze(t, "case.xlsx", data)
	out := update(t, data, res, wb, "zh")
	for _, p := range ooxmlcheck.Problems(out) {
		t.Error(p)
	}
	before, bf := cells(t, samples.Workbook)
	after, af := cells(t, out)
	hidden := map[string]bool{} // cells a merged range covers, but its first
	for _, sh := range bf.GetSheetList() {
		ms, _ := bf.GetMergeCells(sh)
		for _, m := range ms {
			c1, r1, _ := excelize.CellNameToCoordinates(m.GetStartAxis())
			c2, r2, _ := excelize.CellNameToCoordinates(m.GetEndAxis())
			for r := r1; r <= r2; r++ {
				for c := c1; c <= c2; c++ {
					if r != r1 || c != c1 {
						name, _ := excelize.CoordinatesToCellName(c, r)
						hidden[sh+"!"+name] = true
					}
				}
			}
		}
	}
	for k, v := range before {
		if v[1] == "" && !hidden[k] && after[k][0] != v[0] {
			t.Errorf("%s was %q, is %q", k, v[0], after[k][0])
		}
	}
	if note, _ := af.GetCellValue("汇总", "A3"); !strings.Contains(note, "重建") {
		t.Errorf("汇总!A3 does not say the workbook was rebuilt: %q", note)
	}
}

func renamePart(t *testing.T, data []byte, from, to string) []byte {
	t.Helper()
	b := partOf(t, data, from)
	out := rewritePart(t, data, from, func([]byte) []byte { return nil })
	return addPart(t, out, to, b)
}

// A macro-enabled workbook that has to be rebuilt keeps its VBA project
// and stays macro-enabled, with a project or without: its output keeps
// the .xlsm name, and Excel refuses an .xlsm whose workbook is a plain one.
func TestRebuildKeepsMacros(t *testing.T) {
	vba := append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, "a VBA project"...)
	for name, project := range map[string][]byte{"with a project": vba, "without one": nil} {
		t.Run(name, func(t *testing.T) {
			data := rewritePart(t, samples.Workbook, "[Content_Types].xml", func(b []byte) []byte {
				b = bytes.Replace(b, []byte("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
					[]byte("application/vnd.ms-excel.sheet.macroEnabled.main+xml"), 1)
				return bytes.Replace(b, []byte("</Types>"), []byte(`<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>`), 1)
			})
			if project != nil {
				data = addPart(t, data, "xl/vbaProject.bin", project)
			}
			data = renamePart(t, data, "xl/workbook.xml", "xl/WorkBook.xml")
			if ct := partOf(t, data, "[Content_Types].xml"); !bytes.Contains(ct, []byte(`"application/vnd.ms-excel.sheet.macroEnabled.main+xml"`)) {
				t.Fatalf("the input is not macro-enabled:\n%s", ct)
			}
			res, wb := analyze(t, "macros.xlsm", data)
			out := update(t, data, res, wb, "zh")
			_, af := cells(t, out)
			if note, _ := af.GetCellValue("汇总", "A3"); !strings.Contains(note, "重建") {
				t.Fatalf("the workbook was not rebuilt (汇总!A3 %q): the test no longer covers a rebuild", note)
			}
			if project != nil && !bytes.Equal(partOf(t, out, "xl/vbaProject.bin"), project) {
				t.Error("the rebuilt workbook lost its VBA project")
			}
			if ct := partOf(t, out, "[Content_Types].xml"); !bytes.Contains(ct, []byte("macroEnabled.main+xml")) {
				t.Errorf("the rebuilt workbook is not macro-enabled:\n%s", ct)
			}
			for _, p := range ooxmlcheck.Problems(out) {
				t.Error(p)
			}
		})
	}
}
