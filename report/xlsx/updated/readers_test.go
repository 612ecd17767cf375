package updated_test

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"innoreport/internal/ooxmlcheck"
	"innoreport/internal/tooltest"
	"innoreport/report"
	"innoreport/samples"
)

// The reader matrix: the updated workbook of the sample and of workbooks
// styled the ways real files are, opened by the readers the bureau's
// staff and their scripts use. Each must read the JSON's figures as
// numbers without recalculating.

// rewritePart returns the package data with the part name's bytes passed
// through edit (a nil result drops the part).
func rewritePart(t *testing.T, data []byte, name string, edit func([]byte) []byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		if f.Name != name {
			if err := zw.Copy(f); err != nil {
				t.Fatal(err)
			}
			continue
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if b = edit(b); b == nil {
			continue
		}
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func partOf(t *testing.T, data []byte, name string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if f.Name == name {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			b, err := io.ReadAll(rc)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
	}
	return nil
}

var (
	reBorders = regexp.MustCompile(`(?s)<borders.*</borders>`)
	reFonts   = regexp.MustCompile(`(?s)<fonts.*</fonts>`)
	reFills   = regexp.MustCompile(`(?s)<fills.*</fills>`)
	reRGBAttr = regexp.MustCompile(`<color rgb="FF[0-9A-F]{6}"></color>`)
	reFgColor = regexp.MustCompile(`<fgColor rgb="FF[0-9A-F]{6}"></fgColor>`)
)

// restyle edits the sample's styles part section by section.
func restyle(t *testing.T, fonts, fills, borders func(string) string) []byte {
	return rewritePart(t, samples.Workbook, "xl/styles.xml", func(b []byte) []byte {
		s := string(b)
		s = reFonts.ReplaceAllStringFunc(s, fonts)
		s = reFills.ReplaceAllStringFunc(s, fills)
		return []byte(reBorders.ReplaceAllStringFunc(s, borders))
	})
}

// styledBooks are the sample in the styles real workbooks carry.
func styledBooks(t *testing.T) map[string][]byte {
	t.Helper()
	same := func(s string) string { return s }
	books := map[string][]byte{
		"sample": samples.Workbook,
		// Excel and WPS: eight-digit aRGB everywhere, borders black with
		// alpha 00.
		"excel-argb": restyle(t,
			func(s string) string { return strings.ReplaceAll(s, "<color></color>", `<color rgb="FF000000"/>`) },
			same,
			func(s string) string { return reRGBAttr.ReplaceAllString(s, `<color rgb="00000000"/>`) }),
		// Theme and indexed colours, as Excel's defaults are.
		"theme-indexed": restyle(t,
			func(s string) string { return strings.ReplaceAll(s, "<color></color>", `<color theme="1"/>`) },
			func(s string) string {
				return reFgColor.ReplaceAllString(s, `<fgColor theme="4" tint="0.79998168889431442"/><bgColor indexed="64"/>`)
			},
			func(s string) string { return reRGBAttr.ReplaceAllString(s, `<color indexed="64"/>`) }),
	}
	return books
}

// savedBy returns the sample saved by LibreOffice and by openpyxl, when
// those are installed.
func savedBy(t *testing.T) map[string][]byte {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join(dir, "sample.xlsx")
	if err := os.WriteFile(src, samples.Workbook, 0o644); err != nil {
		t.Fatal(err)
	}
	books := map[string][]byte{}
	soffice := tooltest.Need(t, "soffice", "libreoffice-calc-nogui")
	outDir := filepath.Join(dir, "lo")
	cmd := exec.Command(soffice, "--headless", "--norestore", "-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
		"--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", outDir, src)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, out)
	}
	b, err := os.ReadFile(filepath.Join(outDir, "sample.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	books["libreoffice"] = b
	py := needPython(t)
	dst := filepath.Join(dir, "openpyxl.xlsx")
	if out, err := exec.Command(py, "-c", "import sys, openpyxl\nopenpyxl.load_workbook(sys.argv[1]).save(sys.argv[2])", src, dst).CombinedOutput(); err != nil {
		t.Fatalf("openpyxl: %v\n%s", err, out)
	}
	if books["openpyxl"], err = os.ReadFile(dst); err != nil {
		t.Fatal(err)
	}
	return books
}

func needPython(t *testing.T) string { return tooltest.NeedPython(t, "openpyxl", "pandas") }

// allBooks is every workbook of the matrix.
func allBooks(t *testing.T) map[string][]byte {
	books := styledBooks(t)
	for k, v := range savedBy(t) {
		books[k] = v
	}
	return books
}

// figures are the numeric formula cells of the updated workbook and the
// JSON's figure for each, by "sheet!cell".
func figures(res *report.Result) map[string]float64 {
	out := map[string]float64{}
	put := func(sheet string, col, row int, v float64) { out[sheet+"!"+report.CellName(col-1, row-1)] = v }
	tally := func(row int, g report.TaskTotals, first int) {
		put("汇总", first, row, float64(g.Total))
		for i, s := range report.States {
			put("汇总", first+1+i, row, float64(g.Count(s)))
		}
		put("汇总", first+1+len(report.States), row, g.Rate)
	}
	tally(6, res.Tasks.TaskTotals, 1)
	row := 10
	for _, g := range res.Sections {
		tally(row, g.TaskTotals, 2)
		row++
	}
	tally(row, res.Tasks.TaskTotals, 2) // the total row
	row += 3
	for _, u := range res.Units {
		if u.Lead > 0 {
			row++
			tally(row, u.TaskTotals, 2)
		}
	}
	row += 3
	for _, a := range res.Actions {
		row++
		tally(row, a.TaskTotals, 2)
	}
	for i, ind := range res.Indicators {
		for c, v := range map[int]*float64{7: ind.Attainment, 8: ind.Growth} {
			if v != nil {
				put("指标达成", c, i+2, *v)
			}
		}
	}
	return out
}

// near compares a figure read back with the JSON's: counts exactly,
// ratios to the precision a percentage shows.
func near(got, want float64) bool {
	if want == math.Trunc(want) && math.Abs(want) > 1 {
		return got == want
	}
	return math.Abs(got-want) <= 5e-4
}

// The updated workbook of every styled book is a sound package: every XML
// part parses with its prefixes declared, every relationship's target is
// there, every part has a content type, every colour is aRGB.
func TestUpdatedPackageIsSound(t *testing.T) {
	for name, data := range styledBooks(t) {
		t.Run(name, func(t *testing.T) {
			res, wb := analyze(t, name+".xlsx", data)
			out := update(t, data, res, wb, "zh")
			for _, p := range ooxmlcheck.Problems(out) {
				t.Error(p)
			}
		})
	}
}

// The stored value of each formula is typed as what it is: a number has
// no t attribute (or t="n"), never t="str".
func TestFormulaValuesTyped(t *testing.T) {
	res, wb := analyze(t, "s.xlsx", samples.Workbook)
	out := update(t, samples.Workbook, res, wb, "zh")
	reCell := regexp.MustCompile(`<c r="([A-Z]+\d+)"([^>]*)><f>[^<]*</f><v>([^<]*)</v></c>`)
	for _, sheet := range []string{"xl/worksheets/sheet4.xml", "xl/worksheets/sheet5.xml"} {
		n := 0
		for _, m := range reCell.FindAllStringSubmatch(string(partOf(t, out, sheet)), -1) {
			if _, err := strconv.ParseFloat(m[3], 64); err != nil {
				continue
			}
			n++
			if strings.Contains(m[2], `t="`) && !strings.Contains(m[2], `t="n"`) {
				t.Errorf("%s %s: number %s stored with%s", sheet, m[1], m[3], m[2])
			}
		}
		if n == 0 {
			t.Errorf("%s: no formula with a stored number", sheet)
		}
	}
}

const readScript = `
import json, sys, warnings
warnings.simplefilter("ignore")
import openpyxl, pandas
path = sys.argv[1]
out = {"full": {}, "data": {}, "pandas": {}}
wb = openpyxl.load_workbook(path)
for ws in wb.worksheets:
    for row in ws.iter_rows():
        for c in row:
            if isinstance(c.value, str) and c.value.startswith("="):
                out["full"][ws.title + "!" + c.coordinate] = c.value
wb = openpyxl.load_workbook(path, data_only=True)
for ws in wb.worksheets:
    for row in ws.iter_rows():
        for c in row:
            if c.value is not None and not hasattr(c.value, "isoformat"):
                out["data"][ws.title + "!" + c.coordinate] = c.value
for name, df in pandas.read_excel(path, sheet_name=None, header=None).items():
    for (r, c), v in df.stack().items():
        if isinstance(v, (int, float, str)):
            out["pandas"][name + "!" + openpyxl.utils.get_column_letter(c + 1) + str(r + 1)] = v
json.dump(out, sys.stdout, ensure_ascii=False, default=str)
`

// readBack is what openpyxl and pandas read from an updated workbook.
type readBack struct {
	Full   map[string]string `json:"full"`
	Data   map[string]any    `json:"data"`
	Pandas map[string]any    `json:"pandas"`
}

func TestReadersSeeNumbers(t *testing.T) {
	py := needPython(t)
	ssconvert := tooltest.Need(t, "ssconvert", "gnumeric")
	for name, data := range allBooks(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			res, wb := analyze(t, name+".xlsx", data)
			out := update(t, data, res, wb, "zh")
			for _, p := range ooxmlcheck.Problems(out) {
				t.Error(p)
			}
			dir := t.TempDir()
			path := filepath.Join(dir, "updated.xlsx")
			if err := os.WriteFile(path, out, 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(py, "-c", readScript, path)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			b, err := cmd.Output()
			if err != nil {
				t.Fatalf("openpyxl/pandas: %v\n%s", err, stderr.String())
			}
			var rb readBack
			if err := json.Unmarshal(b, &rb); err != nil {
				t.Fatal(err)
			}
			figs := figures(res)
			for _, cell := range slices.Sorted(mapKeys(figs)) {
				want := figs[cell]
				if _, ok := rb.Full[cell]; !ok {
					t.Errorf("openpyxl: %s holds no formula", cell)
				}
				for reader, vals := range map[string]map[string]any{"openpyxl data_only": rb.Data, "pandas": rb.Pandas} {
					got, ok := vals[cell].(float64)
					if !ok {
						t.Errorf("%s: %s = %#v, want the number %v", reader, cell, vals[cell], want)
					} else if !near(got, want) {
						t.Errorf("%s: %s = %v, JSON %v", reader, cell, got, want)
					}
				}
			}
			// gnumeric, as it converts.
			conv := exec.Command(ssconvert, "-S", path, filepath.Join(dir, "ss-%s.csv"))
			var convErr bytes.Buffer
			conv.Stderr = &convErr
			if err := conv.Run(); err != nil {
				t.Fatalf("ssconvert: %v\n%s", err, convErr.String())
			}
			if strings.Contains(convErr.String(), "declared the same namespace") {
				t.Errorf("ssconvert warns about namespaces:\n%s", convErr.String())
			}
			sheets := map[string][][]string{}
			for _, sh := range []string{"汇总", "指标达成"} {
				sheets[sh] = readCSV(t, filepath.Join(dir, "ss-"+sh+".csv"))
			}
			for _, cell := range slices.Sorted(mapKeys(figs)) {
				sh, ref, _ := strings.Cut(cell, "!")
				col, row := cellCoords(t, ref)
				rows := sheets[sh]
				if row >= len(rows) || col >= len(rows[row]) {
					t.Errorf("ssconvert: no %s", cell)
					continue
				}
				got, ok := parseShown(rows[row][col])
				if !ok || !near(got, figs[cell]) {
					t.Errorf("ssconvert: %s shows %q, JSON %v", cell, rows[row][col], figs[cell])
				}
			}
		})
	}
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func cellCoords(t *testing.T, ref string) (col, row int) {
	t.Helper()
	i := strings.IndexAny(ref, "0123456789")
	for _, c := range ref[:i] {
		col = col*26 + int(c-'A'+1)
	}
	row, err := strconv.Atoi(ref[i:])
	if err != nil {
		t.Fatal(err)
	}
	return col - 1, row - 1
}

// parseShown reads a figure as a spreadsheet shows it: "1,234", "71.8%".
func parseShown(s string) (float64, bool) {
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", "")
	pct := strings.HasSuffix(s, "%")
	v, err := strconv.ParseFloat(strings.TrimSuffix(s, "%"), 64)
	if err != nil {
		return 0, false
	}
	if pct {
		v /= 100
	}
	return v, true
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// asExcelSaved marks the package as saved by Excel, as the bureau's files
// are: LibreOffice then shows the stored values rather than recalculating.
func asExcelSaved(t *testing.T, data []byte) []byte {
	return rewritePart(t, data, "docProps/app.xml", func(b []byte) []byte {
		return []byte(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
			`<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>Microsoft Excel</Application><AppVersion>16.0300</AppVersion></Properties>`)
	})
}

// In LibreOffice with recalculation off, a file Excel saved shows the
// stored values: 汇总's completion rate as a percentage, and both charts
// drawn with their data, seen as the bars' colours on the right of the
// sheet's page where the chart stands.
func TestLibreOfficeShowsStoredValues(t *testing.T) {
	soffice := tooltest.Need(t, "soffice", "libreoffice-calc-nogui")
	pdftotext := tooltest.Need(t, "pdftotext", "poppler-utils")
	pdftoppm := tooltest.Need(t, "pdftoppm", "poppler-utils")
	for name, data := range styledBooks(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			res, wb := analyze(t, name+".xlsx", data)
			out := asExcelSaved(t, update(t, data, res, wb, "zh"))
			dir := t.TempDir()
			path := filepath.Join(dir, "updated.xlsx")
			if err := os.WriteFile(path, out, 0o644); err != nil {
				t.Fatal(err)
			}
			pages := strings.Split(pdfText(t, soffice, pdftotext, path, dir), "\f")
			pdfPath := strings.TrimSuffix(path, ".xlsx") + ".pdf"
			summary := pageWith(pages, "创建工作汇总")
			if summary < 0 {
				t.Fatal("no page shows 汇总")
			}
			rate := fmt.Sprintf("%.1f%%", res.Tasks.Rate*100)
			if !strings.Contains(pages[summary], rate) {
				t.Errorf("the completion rate %s is not shown as a percentage:\n%s", rate, pages[summary])
			}
			if n := chartPixels(t, pdftoppm, pdfPath, dir, summary, "2E7D32", "FFB300"); n < 300 {
				t.Errorf("汇总's chart draws %d pixels of its bars' colours: it shows no data", n)
			}
			ind := pageWith(pages, "方向", "达成率", "增长")
			if ind < 0 {
				t.Fatal("no page shows 指标达成")
			}
			if n := chartPixels(t, pdftoppm, pdfPath, dir, ind, "5B9BD5"); n < 300 {
				t.Errorf("指标达成's chart draws %d pixels of its bars' colour: it shows no data", n)
			}
		})
	}
}

// pageWith returns the index of the first page holding every text.
func pageWith(pages []string, texts ...string) int {
	for i, p := range pages {
		all := true
		for _, s := range texts {
			all = all && strings.Contains(p, s)
		}
		if all {
			return i
		}
	}
	return -1
}

// chartPixels renders a page (0-based) and counts the pixels in the right
// half of it, where innoreport puts its charts, within a small distance
// of any of the colours.
func chartPixels(t *testing.T, pdftoppm, pdfPath, dir string, page int, colors ...string) int {
	t.Helper()
	prefix := filepath.Join(dir, fmt.Sprintf("page%d", page+1))
	n := strconv.Itoa(page + 1)
	if out, err := exec.Command(pdftoppm, "-png", "-r", "60", "-f", n, "-l", n, "-singlefile", pdfPath, prefix).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	f, err := os.Open(prefix + ".png")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	var want [][3]int
	for _, c := range colors {
		v, _ := strconv.ParseUint(c, 16, 32)
		want = append(want, [3]int{int(v >> 16), int(v >> 8 & 0xff), int(v & 0xff)})
	}
	b := img.Bounds()
	count := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X + b.Dx()/2; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			for _, w := range want {
				if abs(int(r>>8)-w[0])+abs(int(g>>8)-w[1])+abs(int(bl>>8)-w[2]) < 40 {
					count++
					break
				}
			}
		}
	}
	return count
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// pdfText converts the workbook to PDF in LibreOffice with recalculation
// off and returns its text.
func pdfText(t *testing.T, soffice, pdftotext, path, dir string) string {
	t.Helper()
	prof := filepath.Join(dir, "profile", "user")
	if err := os.MkdirAll(prof, 0o755); err != nil {
		t.Fatal(err)
	}
	xcu := `<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>1</value></prop></item>
</oor:items>`
	if err := os.WriteFile(filepath.Join(prof, "registrymodifications.xcu"), []byte(xcu), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(soffice, "--headless", "--norestore", "-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
		"--convert-to", "pdf", "--outdir", dir, path)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, out)
	}
	pdfPath := strings.TrimSuffix(path, ".xlsx") + ".pdf"
	b, err := exec.Command(pdftotext, "-layout", pdfPath, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(b)
}

func addPart(t *testing.T, data []byte, name string, b []byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		if err := zw.Copy(f); err != nil {
			t.Fatal(err)
		}
	}
	w, err := zw.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// A workbook on the 1904 date system (a Mac Excel's) gets its summary's
// as-of date counted from 1904, so that it shows the same day; on the
// 1900 system, as the sample is, it is the usual serial.
func TestAsOfDateFollowsTheDateSystem(t *testing.T) {
	mac := rewritePart(t, samples.Workbook, "xl/workbook.xml", func(b []byte) []byte {
		return bytes.Replace(b, []byte("<workbookPr "), []byte(`<workbookPr date1904="1" `), 1)
	})
	for name, c := range map[string]struct {
		data   []byte
		serial string
	}{"1900": {samples.Workbook, "44561"}, "1904": {mac, "43099"}} {
		res, wb := analyze(t, name+".xlsx", c.data)
		out := update(t, c.data, res, wb, "zh")
		f, err := excelize.OpenReader(bytes.NewReader(out))
		if err != nil {
			t.Fatal(err)
		}
		raw, err := f.GetCellValue("汇总", "B2", excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		shown, err := f.GetCellValue("汇总", "B2")
		if err != nil {
			t.Fatal(err)
		}
		if raw != c.serial || !strings.HasPrefix(shown, "2021-12-31") {
			t.Errorf("%s: 汇总!B2 is %s, shown %q; want %s, 2021-12-31", name, raw, shown, c.serial)
		}
	}
}
