package updated

import (
	"math"
	"strings"

	"github.com/xuri/excelize/v2"

	"innoreport/report"
)

// findings lists the findings, one a row. At 100,000 tasks there are tens
// of thousands: excelize only makes the empty sheet (its widths, panes
// and page setup), and finish writes the rows into it as the package
// streams out (see findingRows), so they are never held as cells or
// buffered as XML. The location is a HYPERLINK formula to the cell.
func (u *updater) findings() error {
	sh := u.n.findings
	if _, err := u.f.NewSheet(sh); err != nil {
		return err
	}
	if err := u.printable(sh); err != nil {
		return err
	}
	if err := u.widths(sh, findingWidths...); err != nil {
		return err
	}
	if err := u.f.SetPanes(sh, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	p := u.patch(sh)
	p.rows = &findingRows{u: u, header: u.styles["header"], text: u.styles["text"], link: u.styles["link"], lineHeight: u.lineHeight()}
	p.maxCol, p.lastRow = len(findingWidths), len(u.res.Findings)+1
	return nil
}

// findingRows gives the findings sheet's rows as the patch reaches them:
// the header, then a finding a row.
type findingRows struct {
	u                  *updater
	i                  int // rows given
	header, text, link int // styles
	lineHeight         float64
}

func (f *findingRows) next() int {
	if f.i > len(f.u.res.Findings) {
		return 0
	}
	return f.i + 1
}

func (f *findingRows) take(cells []newCell) ([]newCell, float64) {
	u := f.u
	f.i++
	if f.i == 1 {
		for i, h := range []string{u.L("级别", "Severity"), u.L("规则", "Rule"), u.L("位置", "Cell"), u.L("表头", "Header"), u.L("值", "Value"), u.L("说明", "Message")} {
			cells = append(cells, newCell{col: i + 1, style: f.header, text: h})
		}
		return cells, 0
	}
	fd := &u.res.Findings[f.i-2]
	first := len(cells)
	cells = append(cells,
		newCell{col: 1, style: f.text, text: fd.Severity.Label(u.lang)},
		newCell{col: 2, style: f.text, text: fd.Rule},
		newCell{col: 3, style: f.text, text: fd.Where()},
		newCell{col: 4, style: f.text, text: fd.Header},
		newCell{col: 5, style: f.text, text: fd.Value},
		newCell{col: 6, style: f.text, text: fd.Message.In(u.lang)},
	)
	if fd.Cell != "" && u.book.has(fd.Sheet) {
		where := &cells[first+2]
		target := strings.ReplaceAll("#"+ref(fd.Sheet, fd.Cell), `"`, `""`)
		where.style = f.link
		where.formula = `HYPERLINK("` + target + `","` + strings.ReplaceAll(where.text, `"`, `""`) + `")`
	}
	lines := 1
	for i, c := range cells[first:] {
		lines = max(lines, wrappedLines(c.text, findingWidths[i]))
	}
	if lines > 1 {
		// Readers do not grow a row to its wrapped text on their own:
		// without a height, long messages print over the next.
		return cells, float64(lines) * f.lineHeight
	}
	return cells, 0
}

// findingWidths are the findings sheet's column widths, in characters.
var findingWidths = []float64{8, 22, 16, 14, 16, 80}

// wrappedLines is how many lines a text takes wrapped in a column of
// width characters (a CJK character is two); a character's worth is
// left for the cell's margins.
func wrappedLines(s string, width float64) int {
	n := 0
	for line := range strings.SplitSeq(s, "\n") {
		n += max(1, int(math.Ceil(float64(report.DisplayWidth(line))/max(width-1, 1))))
	}
	return n
}

// lineHeight is a line of text in the default font, in points.
func (u *updater) lineHeight() float64 { return math.Ceil(u.fontSize*1.35*4) / 4 }
