package doc

import (
	"fmt"
	"strings"
	"time"

	"innoreport/report"
)

// returns is the chapter 报送情况 of a collected master: who has reported,
// who reported late, who has not. ok is false for a workbook no collect
// wrote.
func (b *builder) returns() (Chapter, bool) {
	st := b.res.ReturnStatus
	if len(st) == 0 {
		return Chapter{}, false
	}
	ch := Chapter{Title: b.L("报送情况", "Returns from the units")}
	var onTime, late, missing []string
	for _, s := range st {
		switch s.State {
		case report.ReturnOnTime:
			onTime = append(onTime, s.Unit)
		case report.ReturnLate:
			late = append(late, s.Unit)
		default:
			missing = append(missing, s.Unit)
		}
	}
	var p string
	if b.lang == report.En {
		p = fmt.Sprintf("Of %d units, %d reported on time, %d late and %d not at all.", len(st), len(onTime), len(late), len(missing))
		if len(late) > 0 {
			p += " Late: " + strings.Join(late, ", ") + "."
		}
		if len(missing) > 0 {
			p += " Not reported: " + strings.Join(missing, ", ") + "."
		}
	} else {
		p = fmt.Sprintf("应报送单位%d个：按时报送%d个，逾期报送%d个，未报送%d个。", len(st), len(onTime), len(late), len(missing))
		if len(late) > 0 {
			p += "逾期报送：" + strings.Join(late, "、") + "。"
		}
		if len(missing) > 0 {
			p += "未报送：" + strings.Join(missing, "、") + "。"
		}
	}
	ch.Blocks = append(ch.Blocks, Block{Paragraph: p})
	tb := &Table{Columns: []Column{
		{Header: b.L("单位", "Unit"), Width: 0.38, Align: Left},
		{Header: b.L("状态", "State"), Width: 0.14, Align: Center},
		{Header: b.L("收到时间", "Received"), Width: 0.2, Align: Center},
		{Header: b.L("更新行数", "Rows updated"), Width: 0.14, Align: Right},
		{Header: b.L("问题数", "Findings"), Width: 0.14, Align: Right},
	}}
	for i, s := range st {
		if i >= b.limit {
			tb.More = fmt.Sprintf(b.L("另有 %d 个单位，详见工作簿“报送情况”", "and %d more units in the workbook's 报送情况 sheet"), len(st)-i)
			break
		}
		row := Row{Cells: []Cell{{Text: s.Unit}, {Text: s.State.Label(b.lang)}, {Text: "—"}, {Text: "—"}, {Text: "—"}}}
		switch s.State {
		case report.ReturnMissing:
			row.Mark = "bad"
		case report.ReturnLate:
			row.Mark = "warn"
		}
		if s.State != report.ReturnMissing {
			if t, err := time.Parse(time.RFC3339, s.Received); err == nil {
				row.Cells[2].Text = b.dateText(t)
			} else {
				row.Cells[2].Text = s.Received
			}
			row.Cells[3].Text = fmt.Sprint(s.RowsUpdated)
			row.Cells[4].Text = fmt.Sprint(s.Findings)
		}
		tb.Rows = append(tb.Rows, row)
	}
	ch.Blocks = append(ch.Blocks, Block{Table: tb})
	return ch, true
}
