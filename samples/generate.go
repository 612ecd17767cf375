package samples

import (
	"bytes"
	"fmt"
	"io"
	"time"

	"github.com/xuri/excelize/v2"

	"innoreport/report/xlsx/updated"
)

// Config sizes a generated workbook. Zero values give the sample itself;
// larger counts repeat the sample's rows with new ids, for benchmarks.
type Config struct {
	Tasks      int
	Indicators int
}

// Generate writes a workbook of the sample's layout to w. The same Config
// always gives the same bytes.
func Generate(w io.Writer, cfg Config) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetDocProps(&excelize.DocProperties{
		Title:    "内江市创建省级创新型城市工作任务清单",
		Creator:  "内江市科学技术局",
		Created:  "2022-01-05T09:00:00Z",
		Modified: "2022-01-05T09:00:00Z",
		Language: "zh-CN",
	}); err != nil {
		return err
	}
	st, err := newStyles(f)
	if err != nil {
		return err
	}
	if err := f.SetSheetName("Sheet1", "任务清单"); err != nil {
		return err
	}
	if err := writeTasks(f, st, cfg.Tasks); err != nil {
		return fmt.Errorf("任务清单: %w", err)
	}
	if _, err := f.NewSheet("指标体系"); err != nil {
		return err
	}
	if err := writeIndicators(f, st, cfg.Indicators); err != nil {
		return fmt.Errorf("指标体系: %w", err)
	}
	if _, err := f.NewSheet("单位名单"); err != nil {
		return err
	}
	if err := writeUnits(f, st); err != nil {
		return fmt.Errorf("单位名单: %w", err)
	}
	f.SetActiveSheet(0)
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		return err
	}
	return updated.SortZip(w, buf.Bytes())
}

type styles struct {
	title, subtitle, header, text, wrap, center, date, pct, num, note int
}

func newStyles(f *excelize.File) (*styles, error) {
	border := []excelize.Border{
		{Type: "left", Color: "808080", Style: 1}, {Type: "right", Color: "808080", Style: 1},
		{Type: "top", Color: "808080", Style: 1}, {Type: "bottom", Color: "808080", Style: 1},
	}
	font := &excelize.Font{Family: "宋体", Size: 10}
	mid := &excelize.Alignment{Vertical: "center", WrapText: true}
	ctr := &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}
	dateFmt := "yyyy\"年\"m\"月\"d\"日\""
	defs := []*excelize.Style{
		{Font: &excelize.Font{Family: "方正小标宋简体", Size: 16, Bold: true}, Alignment: ctr},
		{Font: font, Alignment: &excelize.Alignment{Horizontal: "left", Vertical: "center"}},
		{Font: &excelize.Font{Family: "黑体", Size: 10, Bold: true}, Alignment: ctr, Border: border,
			Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}}},
		{Font: font, Alignment: mid, Border: border},
		{Font: font, Alignment: mid, Border: border},
		{Font: font, Alignment: ctr, Border: border},
		{Font: font, Alignment: ctr, Border: border, CustomNumFmt: &dateFmt},
		{Font: font, Alignment: ctr, Border: border, NumFmt: 9},
		{Font: font, Alignment: &excelize.Alignment{Horizontal: "right", Vertical: "center"}, Border: border},
		{Font: &excelize.Font{Family: "宋体", Size: 9, Italic: true}, Alignment: &excelize.Alignment{Vertical: "center", WrapText: true}},
	}
	ids := make([]int, len(defs))
	for i, d := range defs {
		id, err := f.NewStyle(d)
		if err != nil {
			return nil, err
		}
		ids[i] = id
	}
	return &styles{ids[0], ids[1], ids[2], ids[3], ids[4], ids[5], ids[6], ids[7], ids[8], ids[9]}, nil
}

func cell(style int, v any) excelize.Cell { return excelize.Cell{StyleID: style, Value: v} }

// value turns a typed sample value into a cell: serial dates and
// percentages keep their formats, as Excel would store them.
func value(st *styles, style int, v any) excelize.Cell {
	switch x := v.(type) {
	case dateCell:
		t := time.Date(x.y, time.Month(x.m), x.d, 0, 0, 0, 0, time.UTC)
		serial := t.Sub(time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)).Hours() / 24
		return cell(st.date, serial)
	case pctCell:
		return cell(st.pct, float64(x))
	case nil:
		return cell(style, "")
	}
	return cell(style, v)
}

func writeTasks(f *excelize.File, st *styles, n int) error {
	sw, err := f.NewStreamWriter("任务清单")
	if err != nil {
		return err
	}
	widths := []float64{6, 14, 24, 32, 26, 13, 16, 24, 10, 9, 8, 28, 12}
	for i, w := range widths {
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return err
		}
	}
	total := 0
	for _, s := range sections {
		total += len(s.tasks)
	}
	if n <= 0 {
		n = total
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 4, TopLeftCell: "A5", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	merges, err := writeTasksHead(sw, st, n)
	if err != nil {
		return err
	}
	row, sectionMerges, err := writeTaskRows(sw, st, n)
	if err != nil {
		return err
	}
	merges = append(merges, sectionMerges...)
	note := "注：1.完成时限按“年月”填写，长期任务填“长期坚持”；2.进度按百分比填写，已完成的填100%；3.各责任单位于每季度末报送进展情况。"
	if err := sw.SetRow(fmt.Sprintf("A%d", row), []any{cell(st.note, note)}, excelize.RowOpts{Height: 30}); err != nil {
		return err
	}
	merges = append(merges, [2]string{fmt.Sprintf("A%d", row), fmt.Sprintf("M%d", row)})
	for _, m := range merges {
		if err := sw.MergeCell(m[0], m[1]); err != nil {
			return err
		}
	}
	return sw.Flush()
}

// writeTasksHead writes the title, the bureau line and the two header
// rows of a list of n tasks, and returns the merges they need.
func writeTasksHead(sw *excelize.StreamWriter, st *styles, n int) ([][2]string, error) {
	title := fmt.Sprintf("内江市创建省级创新型城市工作任务清单（%d大板块%d项任务）", len(sections), n)
	rows := [][]any{
		{cell(st.title, title)},
		{cell(st.subtitle, "填报单位：内江市科学技术局（市创建省级创新型城市工作领导小组办公室）        截至2021年12月31日")},
		{cell(st.header, "序号"), cell(st.header, "板块"), cell(st.header, "重点任务"), cell(st.header, "工作内容"),
			cell(st.header, "目标任务"), cell(st.header, "完成时限\n（年月）"), cell(st.header, "牵头\n单位"),
			cell(st.header, "责任单位"), cell(st.header, "动作类型"), cell(st.header, "完成情况"), cell(st.header, "完成情况"),
			cell(st.header, "进展情况"), cell(st.header, "备注")},
	}
	sub := make([]any, 13)
	for i := range sub {
		sub[i] = cell(st.header, "")
	}
	sub[9], sub[10] = cell(st.header, "状态"), cell(st.header, "进度")
	rows = append(rows, sub)
	heights := []float64{36, 22, 24, 24}
	for i, r := range rows {
		if err := sw.SetRow(fmt.Sprintf("A%d", i+1), r, excelize.RowOpts{Height: heights[i]}); err != nil {
			return nil, err
		}
	}
	merges := [][2]string{{"A1", "M1"}, {"A2", "M2"}, {"J3", "K3"}}
	for c := 'A'; c <= 'M'; c++ {
		if c != 'J' && c != 'K' {
			merges = append(merges, [2]string{fmt.Sprintf("%c3", c), fmt.Sprintf("%c4", c)})
		}
	}
	return merges, nil
}

// writeTaskRows writes n tasks from row 5, repeating the sections as
// often as it takes, and returns the next row and the merges of each
// section's column.
func writeTaskRows(sw *excelize.StreamWriter, st *styles, n int) (int, [][2]string, error) {
	var merges [][2]string
	row := 5
	written := 0
	for round := 0; written < n; round++ {
		for si, s := range sections {
			if written >= n {
				break
			}
			first := row
			for _, t := range s.tasks {
				if written >= n {
					break
				}
				id := t.id
				if round > 0 {
					id = written + 1
				}
				r := []any{
					cell(st.center, id), cell(st.center, sectionName(si, s.name)), cell(st.wrap, t.name),
					cell(st.wrap, t.content), cell(st.wrap, t.objective), value(st, st.center, t.deadline),
					cell(st.center, t.lead), cell(st.wrap, t.units), cell(st.center, t.action),
					cell(st.center, t.status), value(st, st.center, t.progress), cell(st.wrap, t.note), cell(st.wrap, t.remarks),
				}
				if p, ok := t.progress.(float64); ok {
					r[10] = cell(st.num, p)
				}
				if err := sw.SetRow(fmt.Sprintf("A%d", row), r, excelize.RowOpts{Height: 42}); err != nil {
					return 0, nil, err
				}
				row++
				written++
			}
			if row-1 > first {
				merges = append(merges, [2]string{fmt.Sprintf("B%d", first), fmt.Sprintf("B%d", row-1)})
			}
		}
	}
	return row, merges, nil
}

var numerals = []string{"一", "二", "三", "四", "五", "六", "七", "八", "九"}

// sectionName numbers a section as the bureau does; a large workbook
// repeats the nine sections, each block merged down over its own tasks.
func sectionName(i int, name string) string { return numerals[i] + "、" + name }

func writeIndicators(f *excelize.File, st *styles, n int) error {
	sw, err := f.NewStreamWriter("指标体系")
	if err != nil {
		return err
	}
	for i, w := range []float64{6, 10, 30, 9, 9, 7, 13, 13, 13, 18, 18} {
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return err
		}
	}
	if n <= 0 {
		n = len(indicators)
	}
	if err := sw.SetRow("A1", []any{cell(st.title, "内江市创建省级创新型城市指标体系")}, excelize.RowOpts{Height: 36}); err != nil {
		return err
	}
	hdr := []string{"序号", "指标类别", "指标名称", "单位", "指标属性", "方向", "2019年基期值", "2021年目标值", "2021年完成值", "数据来源", "责任单位"}
	hr := make([]any, len(hdr))
	for i, h := range hdr {
		hr[i] = cell(st.header, h)
	}
	if err := sw.SetRow("A2", hr, excelize.RowOpts{Height: 28}); err != nil {
		return err
	}
	merges := [][2]string{{"A1", "K1"}}
	row, first, prev := 3, 3, ""
	for i := range n {
		ind := indicators[i%len(indicators)]
		name := ind.name
		if i >= len(indicators) {
			name = fmt.Sprintf("%s（%d）", ind.name, i/len(indicators)+1)
		}
		if ind.category != prev || i%len(indicators) == 0 {
			if row-1 > first {
				merges = append(merges, [2]string{fmt.Sprintf("B%d", first), fmt.Sprintf("B%d", row-1)})
			}
			first, prev = row, ind.category
		}
		r := []any{
			cell(st.center, i+1), cell(st.center, ind.category), cell(st.wrap, name), cell(st.center, ind.unit),
			cell(st.center, ind.kind), cell(st.center, ind.direction), value(st, st.num, ind.baseline),
			value(st, st.num, ind.target), value(st, st.num, ind.actual), cell(st.wrap, ind.source), cell(st.wrap, ind.owner),
		}
		if err := sw.SetRow(fmt.Sprintf("A%d", row), r, excelize.RowOpts{Height: 22}); err != nil {
			return err
		}
		row++
	}
	if row-1 > first {
		merges = append(merges, [2]string{fmt.Sprintf("B%d", first), fmt.Sprintf("B%d", row-1)})
	}
	for _, m := range merges {
		if err := sw.MergeCell(m[0], m[1]); err != nil {
			return err
		}
	}
	return sw.Flush()
}

func writeUnits(f *excelize.File, st *styles) error {
	sw, err := f.NewStreamWriter("单位名单")
	if err != nil {
		return err
	}
	for i, w := range []float64{6, 34, 20, 12} {
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return err
		}
	}
	hr := []any{cell(st.header, "序号"), cell(st.header, "单位名称"), cell(st.header, "简称"), cell(st.header, "单位类型")}
	if err := sw.SetRow("A1", hr, excelize.RowOpts{Height: 24}); err != nil {
		return err
	}
	for i, u := range units {
		r := []any{cell(st.center, i+1), cell(st.text, u.name), cell(st.text, u.short), cell(st.center, u.kind)}
		if err := sw.SetRow(fmt.Sprintf("A%d", i+2), r); err != nil {
			return err
		}
	}
	return sw.Flush()
}
