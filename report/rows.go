package report

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Reading a located table's rows into tasks, indicators and units.

// rowReader reads typed values from one data row and reports bad ones.
type rowReader struct {
	x      *extractor
	s      *Sheet
	mapped []mappedCol // the spec's columns the header found
	hm     headerMatch
	r      int
}

// mappedCol is a column of the spec, at column c of the sheet.
type mappedCol struct {
	spec *ColumnSpec
	c    int
}

// mappedCols lists the spec's columns the header found, in the spec's
// order, worked out once rather than looked up for every row.
func (tb *table) mappedCols() []mappedCol {
	if tb.mapped == nil {
		tb.mapped = []mappedCol{}
		for i := range tb.spec.Columns {
			if c, ok := tb.hm.cols[tb.spec.Columns[i].Key]; ok {
				tb.mapped = append(tb.mapped, mappedCol{&tb.spec.Columns[i], c})
			}
		}
	}
	return tb.mapped
}

func (rr rowReader) cell(key string) (Cell, bool) {
	c, ok := rr.hm.cols[key]
	if !ok {
		return Cell{}, false
	}
	return rr.s.At(rr.r, c), true
}

func (rr rowReader) text(key string) string {
	c, _ := rr.cell(key)
	return trimSpace(c.Text)
}

func (rr rowReader) finding(sev Severity, rule, key, value string, msg Text) {
	col := rr.hm.cols[key]
	rr.x.add(Finding{
		Severity: sev, Rule: rule, Sheet: rr.s.Name, Cell: CellName(col, rr.r),
		Header: rr.hm.texts[col], Value: value, Message: msg,
	})
}

func (rr rowReader) cells() CellRefs { return CellRefs{cols: rr.hm.cols, row: rr.r} }

// validate checks every mapped cell against its column's type and
// requiredness.
func (rr rowReader) validate() {
	for _, mc := range rr.mapped {
		col, cell := mc.spec, rr.s.At(rr.r, mc.c)
		raw := trimSpace(cell.Text)
		if IsBlank(raw) {
			if col.Required {
				hdr := rr.hm.texts[rr.hm.cols[col.Key]]
				rr.finding(Error, RuleRequired, col.Key, raw, Text{
					fmt.Sprintf("“%s”未填写，请补充", hdr),
					fmt.Sprintf("%q is blank: fill it in", hdr),
				})
			}
			continue
		}
		switch col.Type {
		case "date":
			if _, err := rr.x.date(cell); err != nil {
				rr.finding(Error, RuleDate, col.Key, raw, Text{
					fmt.Sprintf("无法识别的日期%s，请写成“2021年12月底”“2021-12-31”或“长期坚持”", quote(raw)),
					fmt.Sprintf("unreadable date %q: write it as 2021-12-31, 2021年12月底 or 长期坚持 (ongoing)", raw),
				})
			}
		case "number", "progress":
			read := NumberFromCell
			if col.Type == "progress" {
				read = ProgressFromCell
			}
			n, err := read(cell)
			switch {
			case err != nil:
				rr.finding(Error, RuleType, col.Key, raw, Text{
					fmt.Sprintf("%s不是数值，请填写数字（如 46、85%%）", quote(raw)),
					fmt.Sprintf("%q is not a number: enter a figure such as 46 or 85%%", raw),
				})
			case col.Type == "progress" && n.OK && (n.Value < 0 || n.Value > 100):
				rr.finding(Error, RuleRange, col.Key, raw, Text{
					fmt.Sprintf("进度%s超出 0–100%% 的范围，请核实", quote(raw)),
					fmt.Sprintf("progress %q is outside 0–100%%: check it", raw),
				})
			}
		case "status":
			_, ok := ParseStatus(raw)
			rr.enum(ok, col.Key, raw, Text{"状态", "status"},
				Text{"已完成、推进中、未启动 或 滞后", "已完成 (done), 推进中 (in progress), 未启动 (not started) or 滞后 (lagging)"})
		case "action":
			// The message is made only for a bad value: this runs for
			// every row.
			if _, ok := ParseAction(raw); !ok {
				p, s := ActionPrescribed, ActionSelf
				rr.enum(ok, col.Key, raw, Text{"动作类型", "action type"}, Text{
					p.Label(Zh) + " 或 " + s.Label(Zh),
					fmt.Sprintf("%s (%s) or %s (%s)", p.Label(Zh), p.Label(En), s.Label(Zh), s.Label(En)),
				})
			}
		case "direction":
			if _, ok := ParseDirection(raw); !ok {
				rr.enum(ok, col.Key, raw, Text{"指标方向", "direction"}, Text{
					Positive.Label(Zh) + " 或 " + Negative.Label(Zh),
					Positive.Label(Zh) + " (higher is better) or " + Negative.Label(Zh) + " (lower is better)",
				})
			}
		}
	}
}

// enum notes a value that is none of a column's words, what the column
// holds, unless ok.
func (rr rowReader) enum(ok bool, key, raw string, what, choices Text) {
	if ok {
		return
	}
	rr.finding(Error, RuleEnum, key, raw, Text{
		fmt.Sprintf("未知的%s%s，应为 %s", what.Zh, quote(raw), choices.Zh),
		fmt.Sprintf("unknown %s %q: use %s", what.En, raw, choices.En),
	})
}

func (rr rowReader) date(key string) Date {
	c, ok := rr.cell(key)
	if !ok {
		return Date{}
	}
	d, _ := rr.x.date(c)
	return d
}

func (rr rowReader) number(key string) Number {
	c, ok := rr.cell(key)
	if !ok {
		return Number{}
	}
	n, _ := NumberFromCell(c)
	return n
}

// hasContent reports whether row r holds anything beyond what merged
// ranges carried into it and the keys in skip, which are the same for
// every row of a table: the columns left are worked out once.
func (tb *table) hasContent(s *Sheet, r int, skip ...string) bool {
	if tb.contentCols == nil {
		tb.contentCols = []int{}
		for key, c := range tb.hm.cols {
			if !contains(skip, key) {
				tb.contentCols = append(tb.contentCols, c)
			}
		}
	}
	for _, c := range tb.contentCols {
		cell := s.At(r, c)
		if trimSpace(cell.Text) != "" && !cell.Merged {
			return true
		}
	}
	return false
}

// taskRow reads row r, below the tasks header: a section row, a note,
// or a task.
func (tb *table) taskRow(s *Sheet, r int) {
	x, hm := tb.x, tb.hm
	if isNoteRow(s, r) {
		return
	}
	if t, ok := sectionRow(s, r); ok {
		name, n := x.section(t)
		tb.section, tb.sectionRows = name, true
		if n > 0 {
			x.data.SectionDeclared[name] = Declared{Count: n, Cell: CellName(firstText(s, r), r)}
		}
		return
	}
	if !tb.hasContent(s, r, "section", "id") {
		return
	}
	rr := rowReader{x: x, s: s, mapped: tb.mappedCols(), hm: hm, r: r}
	rr.validate()
	task := Task{
		Row: r, ID: rr.text("id"), Name: rr.text("task"), Content: rr.text("content"),
		Objective: rr.text("objective"), Start: rr.date("start"), Deadline: rr.date("deadline"),
		Lead: rr.text("lead"), Note: rr.text("note"), Remarks: rr.text("remarks"), Cells: rr.cells(),
	}
	task.Section = tb.section
	if _, ok := hm.cols["section"]; ok {
		if t := rr.text("section"); t != "" {
			name, n := x.section(t)
			task.Section = name
			if n > 0 {
				if _, seen := x.data.SectionDeclared[name]; !seen {
					x.data.SectionDeclared[name] = Declared{Count: n, Cell: task.Cells.Get("section")}
				}
			}
		}
	}
	task.Units = x.splitUnits(rr.text("units"))
	if task.Lead == "" && len(task.Units) > 0 {
		if _, ok := hm.cols["lead"]; !ok {
			task.Lead = task.Units[0]
		}
	}
	task.Action, _ = ParseAction(rr.text("action"))
	task.Status, _ = ParseStatus(rr.text("status"))
	if c, ok := rr.cell("progress"); ok {
		task.Progress, _ = ProgressFromCell(c)
	}
	if n := len(x.data.Tasks); n == cap(x.data.Tasks) {
		x.data.Tasks = slices.Grow(x.data.Tasks, taskGrowth(n, s.RowsHint, r))
	}
	x.data.Tasks = append(x.data.Tasks, task)
}

// taskGrowth is how many more tasks to make room for, n read, at row r
// of a sheet counted to hold hint rows (0: not counted). Grown toward the
// rows the sheet holds, else doubled, not the runtime's quarter past 256:
// each growth copies every task so far into memory new to the process,
// which costs more than the copy. At most sixteen times the tasks read,
// for a sheet styled to its last row has a million empty ones. Past the
// count, which can fall short (rows written with a prefix), an eighth
// more: doubling there held a million tasks in room for 2.4 million,
// 400 MB never used.
func taskGrowth(n, hint, r int) int {
	switch {
	case hint == 0:
		return max(64, n)
	case hint > r:
		return max(64, min(hint-r, 16*n+1024))
	}
	return max(64, n/8)
}

func firstText(s *Sheet, r int) int {
	for c := range s.Row(r) {
		if s.Text(r, c) != "" {
			return c
		}
	}
	return 0
}

// indicatorRow reads row r, below the indicators header: a category row,
// a note, or an indicator.
func (tb *table) indicatorRow(s *Sheet, r int) {
	x, hm := tb.x, tb.hm
	if isNoteRow(s, r) {
		return
	}
	if t, ok := sectionRow(s, r); ok {
		tb.section, _ = x.section(t)
		return
	}
	if !tb.hasContent(s, r, "category", "id") {
		return
	}
	rr := rowReader{x: x, s: s, mapped: tb.mappedCols(), hm: hm, r: r}
	rr.validate()
	ind := Indicator{
		Row: r, ID: rr.text("id"), Category: tb.section, Name: rr.text("name"), Unit: rr.text("unit"),
		Baseline: rr.number("baseline"), Target: rr.number("target"), Actual: rr.number("actual"),
		Kind: rr.text("kind"), Source: rr.text("source"), Owner: rr.text("owner"), Cells: rr.cells(),
	}
	if t := rr.text("category"); t != "" {
		ind.Category, _ = x.section(t)
	}
	ind.Direction, _ = ParseDirection(rr.text("direction"))
	if tb.styles != nil {
		for _, key := range []string{"baseline", "target", "actual"} {
			if c, ok := hm.cols[key]; ok {
				tb.styles.figures[[2]int{r, c}] = s.At(r, c)
			}
		}
	}
	x.data.Indicators = append(x.data.Indicators, ind)
}

// unitRow reads row r, below the unit list's header.
func (tb *table) unitRow(s *Sheet, r int) {
	if isNoteRow(s, r) {
		return
	}
	rr := rowReader{x: tb.x, s: s, hm: tb.hm, r: r}
	name := rr.text("name")
	if name == "" || IsBlank(name) {
		return
	}
	tb.x.data.Units = append(tb.x.data.Units, Unit{Name: name, Short: rr.text("short"), Type: rr.text("type"),
		Contact: rr.text("contact"), Email: rr.text("email")})
}

const unitSeparators = "、，,；;/／\n\r"

// SplitUnits splits a list of units on 、，,；;/ and line breaks, leaving
// separators inside brackets alone: "各县（市、区）政府" stays whole.
func SplitUnits(s string) []string {
	if !strings.ContainsAny(s, unitSeparators) && utf8.ValidString(s) {
		// Most cells: one unit, read as the loop below would read it.
		if t := strings.TrimSpace(s); t != "" && !IsBlank(t) {
			return []string{t}
		}
		return nil
	}
	var out []string
	var b strings.Builder
	depth := 0
	flush := func() {
		if t := strings.TrimSpace(b.String()); t != "" && !IsBlank(t) {
			out = append(out, t)
		}
		b.Reset()
	}
	for _, r := range s {
		switch {
		case r == '(' || r == '（':
			depth++
		case (r == ')' || r == '）') && depth > 0:
			depth--
		case depth == 0 && strings.ContainsRune(unitSeparators, r):
			flush()
			continue
		}
		b.WriteRune(r)
	}
	flush()
	return out
}
