package updated

import (
	"fmt"
	"math"
	"strings"

	"github.com/xuri/excelize/v2"

	"innoreport/report"
)

// findings writes one row a finding through excelize's stream writer: at
// 100,000 tasks there are tens of thousands, too many to hold as structs.
// The location is a HYPERLINK formula to the cell, since streamed sheets
// take no hyperlink records.
func (u *updater) findings() error {
	sh := u.n.findings
	if _, err := u.f.NewSheet(sh); err != nil {
		return err
	}
	if err := u.printable(sh); err != nil {
		return err
	}
	sw, err := u.f.NewStreamWriter(sh)
	if err != nil {
		return err
	}
	for i, w := range findingWidths {
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	headers := []string{u.L("级别", "Severity"), u.L("规则", "Rule"), u.L("位置", "Cell"), u.L("表头", "Header"), u.L("值", "Value"), u.L("说明", "Message")}
	row := make([]any, len(headers))
	for i, h := range headers {
		row[i] = excelize.Cell{StyleID: u.styles["header"], Value: h}
	}
	if err := sw.SetRow("A1", row); err != nil {
		return err
	}
	text, link := u.styles["text"], u.styles["link"]
	for i, f := range u.res.Findings {
		where := excelize.Cell{StyleID: text, Value: f.Where()}
		if f.Cell != "" && u.book.has(f.Sheet) {
			target := strings.ReplaceAll("#"+ref(f.Sheet, f.Cell), `"`, `""`)
			where = excelize.Cell{StyleID: link, Value: f.Where(),
				Formula: fmt.Sprintf(`HYPERLINK("%s","%s")`, target, strings.ReplaceAll(f.Where(), `"`, `""`))}
		}
		row := []any{
			excelize.Cell{StyleID: text, Value: f.Severity.Label(u.lang)},
			excelize.Cell{StyleID: text, Value: f.Rule},
			where,
			excelize.Cell{StyleID: text, Value: f.Header},
			excelize.Cell{StyleID: text, Value: f.Value},
			excelize.Cell{StyleID: text, Value: f.Message.In(u.lang)},
		}
		lines := 1
		for c, v := range row {
			if s, ok := v.(excelize.Cell).Value.(string); ok {
				lines = max(lines, wrappedLines(s, findingWidths[c]))
			}
		}
		var opts []excelize.RowOpts
		if lines > 1 {
			// Readers do not grow a row to its wrapped text on their
			// own: without a height, long messages print over the next.
			opts = append(opts, excelize.RowOpts{Height: float64(lines) * u.lineHeight()})
		}
		if err := sw.SetRow(cellName(1, i+2), row, opts...); err != nil {
			return err
		}
	}
	return sw.Flush()
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
