package report

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Extract finds the template's tables in wb and reads them into typed rows.
// The findings it returns are those a single cell shows on its own: missing
// sheets and columns, blanks in required cells, values of the wrong type or
// outside their range. Check adds those that need several rows.
func Extract(wb *Workbook, t *Template) (*Data, []Finding) {
	x := &extractor{wb: wb, t: t, claimed: map[string]bool{}, data: &Data{
		Workbook:        wb.Name,
		Date1904:        wb.Date1904,
		Sheets:          map[string]string{},
		Columns:         map[string]map[string]int{},
		HeaderRow:       map[string]int{},
		HeaderTop:       map[string]int{},
		Width:           map[string]int{},
		SectionDeclared: map[string]Declared{},
	}}
	for _, r := range Roles {
		role := string(r)
		spec := t.Sheets[role]
		if spec == nil {
			continue
		}
		s, hm, ok := x.locate(spec)
		if !ok {
			if spec.Required {
				x.missingSheet(spec)
			}
			continue
		}
		x.claimed[s.Name] = true
		x.data.Sheets[role] = s.Name
		x.data.Columns[role] = hm.cols
		x.data.HeaderRow[role] = hm.bottom
		x.data.HeaderTop[role] = hm.top
		for _, row := range s.Rows {
			x.data.Width[role] = max(x.data.Width[role], len(row))
		}
		x.missingColumns(s, spec, hm)
		switch role {
		case "tasks":
			x.readPreamble(s, hm.top)
			x.readTasks(s, spec, hm)
		case "indicators":
			x.readIndicators(s, spec, hm)
		case "units":
			x.readUnits(s, hm)
		}
	}
	return x.data, x.findings
}

type extractor struct {
	wb       *Workbook
	t        *Template
	data     *Data
	claimed  map[string]bool
	findings []Finding
}

func (x *extractor) add(f Finding) { x.findings = append(x.findings, f) }

// locate finds the sheet for spec: by name first, then by its headers.
func (x *extractor) locate(spec *SheetSpec) (*Sheet, headerMatch, bool) {
	var named *Sheet
	var namedHM headerMatch
	for _, alias := range spec.Names {
		a := NormalizeHeader(alias)
		for _, s := range x.wb.Sheets {
			n := NormalizeHeader(s.Name)
			if x.claimed[s.Name] || a == "" || !(n == a || strings.Contains(n, a)) {
				continue
			}
			hm, ok := findHeader(s, spec)
			if ok {
				return s, hm, true
			}
			if named == nil {
				named, namedHM = s, hm
			}
		}
	}
	var best *Sheet
	var bestHM headerMatch
	bestLacking := 0
	need := min(3, len(spec.Columns))
	for _, s := range x.wb.Sheets {
		if x.claimed[s.Name] {
			continue
		}
		// A sheet found by its headers alone must have every required
		// column: a unit list's 序号 and 单位 do not make it the
		// indicators. A sheet that is plainly the role's table but for
		// one required column (four columns matched) is taken too, so
		// that the finding names the missing column, not the sheet.
		hm, ok := findHeader(s, spec)
		if !ok || hm.score < need {
			continue
		}
		lacking := missingRequired(spec, hm)
		if lacking == 0 || (lacking == 1 && hm.score >= 4) {
			if best == nil || lacking < bestLacking || (lacking == bestLacking && hm.score > bestHM.score) {
				best, bestHM, bestLacking = s, hm, lacking
			}
		}
	}
	if best != nil {
		return best, bestHM, true
	}
	if named != nil {
		// The sheet is there by name but its header is not: say which
		// columns are missing rather than that the sheet is.
		if namedHM.texts == nil {
			namedHM = busiestRow(named)
		}
		return named, namedHM, true
	}
	return nil, headerMatch{}, false
}

// missingRequired counts the columns spec requires that hm lacks, the
// lead excepted where responsible units stand in for it, and the section
// excepted where section rows may stand in for it.
func missingRequired(spec *SheetSpec, hm headerMatch) int {
	n := 0
	for _, col := range spec.Columns {
		if _, ok := hm.cols[col.Key]; ok || !col.Required {
			continue
		}
		if _, ok := hm.cols["units"]; ok && col.Key == "lead" {
			continue
		}
		if col.Key == "section" && spec.Role == RoleTasks {
			continue
		}
		n++
	}
	return n
}

// hasSectionRows reports whether a section heading is laid across the
// table somewhere below the header: then sections come from those rows,
// and no section column is missing.
func hasSectionRows(s *Sheet, hm headerMatch) bool {
	for r := hm.bottom + 1; r < len(s.Rows); r++ {
		if _, ok := sectionRow(s, r); ok && !isNoteRow(s, r) {
			return true
		}
	}
	return false
}

// busiestRow stands in for a header that was not found: the row among the
// first few with the most text, so missing columns can name what is there.
func busiestRow(s *Sheet) headerMatch {
	hm := headerMatch{cols: map[string]int{}, texts: map[int]string{}}
	bestN := -1
	for r := 0; r < len(s.Rows) && r < headerScanRows; r++ {
		n := 0
		for c := range s.Rows[r] {
			if s.Text(r, c) != "" {
				n++
			}
		}
		if n > bestN {
			bestN, hm.top, hm.bottom = n, r, r
		}
	}
	if hm.top < len(s.Rows) {
		for c := range s.Rows[hm.top] {
			if t := s.Text(hm.top, c); t != "" {
				hm.texts[c] = cleanHeader(t)
			}
		}
	}
	return hm
}

func (x *extractor) missingSheet(spec *SheetSpec) {
	var names []string
	for _, s := range x.wb.Sheets {
		names = append(names, s.Name)
	}
	x.add(Finding{
		Severity: Error, Rule: RuleMissingSheet, Sheet: spec.Names[0],
		Message: Text{
			fmt.Sprintf("未找到%s工作表（按名称 %s 或按表头查找）；工作簿中有：%s。请把该表命名为“%s”或补齐表头",
				spec.Role.Label(Zh), strings.Join(spec.Names, "、"), strings.Join(names, "、"), spec.Names[0]),
			fmt.Sprintf("no %s found (by name %s or by its headers); the workbook has: %s. Name the sheet %q or add its headers",
				spec.Role.Label(En), strings.Join(spec.Names, ", "), strings.Join(names, ", "), spec.Names[0]),
		},
	})
}

func (x *extractor) missingColumns(s *Sheet, spec *SheetSpec, hm headerMatch) {
	used := map[int]bool{}
	for _, c := range hm.cols {
		used[c] = true
	}
	for _, col := range spec.Columns {
		if _, ok := hm.cols[col.Key]; ok || !col.Required {
			continue
		}
		if col.Key == "lead" {
			if _, ok := hm.cols["units"]; ok {
				continue // the first responsible unit leads
			}
		}
		if col.Key == "section" && spec.Role == RoleTasks && hasSectionRows(s, hm) {
			continue // sections come from their own rows
		}
		nc, near := nearestHeader(hm.texts, col.Headers, used)
		f := Finding{Severity: Error, Rule: RuleMissingColumn, Sheet: s.Name, Header: col.Headers[0]}
		if nc >= 0 {
			f.Cell = CellName(nc, hm.bottom)
			f.Value = near
			f.Message = Text{
				fmt.Sprintf("缺少“%s”列（可用表头：%s）；最接近的表头是%s，如是同一列请改为“%s”",
					col.Headers[0], strings.Join(col.Headers, "、"), quote(near), col.Headers[0]),
				fmt.Sprintf("no %q column (headers tried: %s); the nearest header is %q: rename it to %q if it is that column",
					col.Headers[0], strings.Join(col.Headers, ", "), near, col.Headers[0]),
			}
		} else {
			f.Cell = CellName(0, hm.bottom)
			f.Message = Text{
				fmt.Sprintf("缺少“%s”列（可用表头：%s），请在表头行加上该列", col.Headers[0], strings.Join(col.Headers, "、")),
				fmt.Sprintf("no %q column (headers tried: %s): add it to the header row", col.Headers[0], strings.Join(col.Headers, ", ")),
			}
		}
		x.add(f)
	}
}

var (
	reAsOf       = regexp.MustCompile(`(?i)(?:截至|截止|截止日期|截止时间|统计时间|as of)[:：]?\s*([0-9０-９一-龥年月日./\-\s]+?)(?:[\s，,；;）)]|$)`)
	reDeclSect   = regexp.MustCompile(`([0-9]+|[一二三四五六七八九十]+)\s*(?:个|大)?(?:板块|方面|领域)`)
	reDeclTasks  = regexp.MustCompile(`([0-9]+|[一二三四五六七八九十百]+)\s*(?:项|个|条)(?:具体|重点|工作)?任务`)
	reSectionNum = regexp.MustCompile(`^(?:第[一二三四五六七八九十百0-9]+(?:板块|部分|方面)[:：、.．]?|[一二三四五六七八九十百]+[、.．]|[(（][一二三四五六七八九十百0-9]+[)）]|[0-9]+[、.．](?:\s|$|[^0-9]))\s*`)
	reSectionCnt = regexp.MustCompile(`[(（]\s*(?:共)?([0-9]+|[一二三四五六七八九十]+)\s*(?:项|个|条)(?:任务)?\s*[)）]\s*$`)
	reNoteRow    = regexp.MustCompile(`(?i)^(?:注|备注|说明|填报说明|填表说明|note|notes)\s*[:：0-9一二三、.]`)
)

// ChineseNumber reads 39, "三十九" or "九".
func ChineseNumber(s string) (int, bool) {
	if n, err := strconv.Atoi(s); err == nil {
		return n, true
	}
	digits := map[rune]int{'一': 1, '二': 2, '两': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9}
	total, cur := 0, 0
	for _, r := range s {
		switch {
		case r == '十':
			if cur == 0 {
				cur = 1
			}
			total += cur * 10
			cur = 0
		case r == '百':
			if cur == 0 {
				cur = 1
			}
			total += cur * 100
			cur = 0
		case digits[r] > 0:
			cur = digits[r]
		default:
			return 0, false
		}
	}
	return total + cur, s != ""
}

// readPreamble reads the rows above the tasks header: the title, the
// counts it declares and the as-of date.
func (x *extractor) readPreamble(s *Sheet, top int) {
	for r := 0; r < top; r++ {
		for c := range s.Rows[r] {
			cell := s.At(r, c)
			t := strings.TrimSpace(cell.Text)
			if t == "" || cell.Merged {
				continue
			}
			if x.data.Title == "" {
				x.data.Title, x.data.TitleCell = t, CellName(c, r)
			}
			if m := reBureau.FindStringSubmatch(t); m != nil && x.data.Bureau == "" {
				x.data.Bureau, x.data.BureauCell = m[1], CellName(c, r)
			}
			if m := reDeclSect.FindStringSubmatch(t); m != nil && x.data.Declared.Sections == 0 {
				x.data.Declared.Sections, _ = ChineseNumber(m[1])
				x.data.DeclaredAt = CellName(c, r)
			}
			if m := reDeclTasks.FindStringSubmatch(t); m != nil && x.data.Declared.Tasks == 0 {
				x.data.Declared.Tasks, _ = ChineseNumber(m[1])
				x.data.DeclaredAt = CellName(c, r)
			}
			if m := reAsOf.FindStringSubmatch(t); m != nil && x.data.AsOf.IsZero() {
				if d, err := ParseDate(m[1]); err == nil && d.OK() {
					x.data.AsOf = d.Time
					x.data.AsOfCell = CellName(c, r)
				}
			}
		}
	}
}

// cleanSection drops a section's numbering and declared count:
// "一、优化创新布局（5项）" → "优化创新布局", 5.
func cleanSection(t string) (string, int) {
	t = strings.TrimSpace(t)
	n := 0
	if m := reSectionCnt.FindStringSubmatch(t); m != nil {
		n, _ = ChineseNumber(m[1])
		t = strings.TrimSpace(t[:len(t)-len(m[0])])
	}
	t = reSectionNum.ReplaceAllString(t, "")
	return strings.TrimSpace(t), n
}

func isNoteRow(s *Sheet, r int) bool {
	for c := range s.Rows[r] {
		if t := s.Text(r, c); t != "" {
			t = squeeze(fold(t))
			return reNoteRow.MatchString(t) || t == "合计" || t == "总计" || t == "小计"
		}
	}
	return false
}

// sectionRow reports whether row r is a section heading laid across the
// table ("一、优化创新布局（5项）") rather than a task.
func sectionRow(s *Sheet, r int) (string, bool) {
	text, col := "", -1
	for c := range s.Rows[r] {
		t := s.Text(r, c)
		if t == "" {
			continue
		}
		if text != "" && t != text {
			return "", false
		}
		if text == "" {
			text, col = t, c
		}
	}
	if text == "" {
		return "", false
	}
	if m, ok := s.MergeAt(r, col); ok && m.C2-m.C1 >= 2 && m.R1 == m.R2 {
		return text, true
	}
	return text, reSectionNum.MatchString(text) && !strings.ContainsAny(text, "\n")
}

// rowReader reads typed values from one data row and reports bad ones.
type rowReader struct {
	x    *extractor
	s    *Sheet
	spec *SheetSpec
	hm   headerMatch
	r    int
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
	return strings.TrimSpace(c.Text)
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
	for _, col := range rr.spec.Columns {
		cell, ok := rr.cell(col.Key)
		if !ok {
			continue
		}
		raw := strings.TrimSpace(cell.Text)
		hdr := rr.hm.texts[rr.hm.cols[col.Key]]
		if IsBlank(raw) {
			if col.Required {
				rr.finding(Error, RuleRequired, col.Key, raw, Text{
					fmt.Sprintf("“%s”未填写，请补充", hdr),
					fmt.Sprintf("%q is blank: fill it in", hdr),
				})
			}
			continue
		}
		switch col.Type {
		case "date":
			if _, err := DateFromCell(cell, rr.x.wb.Date1904); err != nil {
				rr.finding(Error, RuleDate, col.Key, raw, Text{
					fmt.Sprintf("无法识别的日期%s，请写成“2021年12月底”“2021-12-31”或“长期坚持”", quote(raw)),
					fmt.Sprintf("unreadable date %q: write it as 2021-12-31, 2021年12月底 or 长期坚持 (ongoing)", raw),
				})
			}
		case "number", "progress":
			n, err := NumberFromCell(cell)
			if col.Type == "progress" {
				n, err = ProgressFromCell(cell)
			}
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
			if _, ok := ParseStatus(raw); !ok {
				rr.finding(Error, RuleEnum, col.Key, raw, Text{
					fmt.Sprintf("未知的状态%s，应为 已完成、推进中、未启动 或 滞后", quote(raw)),
					fmt.Sprintf("unknown status %q: use 已完成 (done), 推进中 (in progress), 未启动 (not started) or 滞后 (lagging)", raw),
				})
			}
		case "action":
			if _, ok := ParseAction(raw); !ok {
				rr.finding(Error, RuleEnum, col.Key, raw, Text{
					fmt.Sprintf("未知的动作类型%s，应为 规定动作 或 自选动作", quote(raw)),
					fmt.Sprintf("unknown action type %q: use 规定动作 (prescribed) or 自选动作 (self-selected)", raw),
				})
			}
		case "direction":
			if _, ok := ParseDirection(raw); !ok {
				rr.finding(Error, RuleEnum, col.Key, raw, Text{
					fmt.Sprintf("未知的指标方向%s，应为 正向 或 逆向", quote(raw)),
					fmt.Sprintf("unknown direction %q: use 正向 (higher is better) or 逆向 (lower is better)", raw),
				})
			}
		}
	}
}

func (rr rowReader) date(key string) Date {
	c, ok := rr.cell(key)
	if !ok {
		return Date{}
	}
	d, _ := DateFromCell(c, rr.x.wb.Date1904)
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
// ranges carried into it and the keys in skip.
func hasContent(s *Sheet, hm headerMatch, r int, skip ...string) bool {
	for key, c := range hm.cols {
		if contains(skip, key) {
			continue
		}
		cell := s.At(r, c)
		if strings.TrimSpace(cell.Text) != "" && !cell.Merged {
			return true
		}
	}
	return false
}

func (x *extractor) readTasks(s *Sheet, spec *SheetSpec, hm headerMatch) {
	section := ""
	for r := hm.bottom + 1; r < len(s.Rows); r++ {
		if isNoteRow(s, r) {
			continue
		}
		if t, ok := sectionRow(s, r); ok {
			name, n := cleanSection(t)
			section = name
			if n > 0 {
				x.data.SectionDeclared[name] = Declared{Count: n, Cell: CellName(firstText(s, r), r)}
			}
			continue
		}
		if !hasContent(s, hm, r, "section", "id") {
			continue
		}
		rr := rowReader{x: x, s: s, spec: spec, hm: hm, r: r}
		rr.validate()
		task := Task{
			Row: r, ID: rr.text("id"), Name: rr.text("task"), Content: rr.text("content"),
			Objective: rr.text("objective"), Start: rr.date("start"), Deadline: rr.date("deadline"),
			Lead: rr.text("lead"), Note: rr.text("note"), Remarks: rr.text("remarks"), Cells: rr.cells(),
		}
		task.Section = section
		if _, ok := hm.cols["section"]; ok {
			if t := rr.text("section"); t != "" {
				name, n := cleanSection(t)
				task.Section = name
				if n > 0 {
					if _, seen := x.data.SectionDeclared[name]; !seen {
						x.data.SectionDeclared[name] = Declared{Count: n, Cell: task.Cells.Get("section")}
					}
				}
			}
		}
		task.Units = SplitUnits(rr.text("units"))
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
		x.data.Tasks = append(x.data.Tasks, task)
	}
}

func firstText(s *Sheet, r int) int {
	for c := range s.Rows[r] {
		if s.Text(r, c) != "" {
			return c
		}
	}
	return 0
}

func (x *extractor) readIndicators(s *Sheet, spec *SheetSpec, hm headerMatch) {
	category := ""
	for r := hm.bottom + 1; r < len(s.Rows); r++ {
		if isNoteRow(s, r) {
			continue
		}
		if t, ok := sectionRow(s, r); ok {
			category, _ = cleanSection(t)
			continue
		}
		if !hasContent(s, hm, r, "category", "id") {
			continue
		}
		rr := rowReader{x: x, s: s, spec: spec, hm: hm, r: r}
		rr.validate()
		ind := Indicator{
			Row: r, ID: rr.text("id"), Category: category, Name: rr.text("name"), Unit: rr.text("unit"),
			Baseline: rr.number("baseline"), Target: rr.number("target"), Actual: rr.number("actual"),
			Kind: rr.text("kind"), Source: rr.text("source"), Owner: rr.text("owner"), Cells: rr.cells(),
		}
		if t := rr.text("category"); t != "" {
			ind.Category, _ = cleanSection(t)
		}
		ind.Direction, _ = ParseDirection(rr.text("direction"))
		x.data.Indicators = append(x.data.Indicators, ind)
	}
}

func (x *extractor) readUnits(s *Sheet, hm headerMatch) {
	for r := hm.bottom + 1; r < len(s.Rows); r++ {
		if isNoteRow(s, r) {
			continue
		}
		rr := rowReader{x: x, s: s, hm: hm, r: r}
		name := rr.text("name")
		if name == "" || IsBlank(name) {
			continue
		}
		x.data.Units = append(x.data.Units, Unit{Name: name, Short: rr.text("short"), Type: rr.text("type"),
			Contact: rr.text("contact"), Email: rr.text("email")})
	}
}

// SplitUnits splits a list of units on 、，,；;/ and line breaks, leaving
// separators inside brackets alone: "各县（市、区）政府" stays whole.
func SplitUnits(s string) []string {
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
		case depth == 0 && strings.ContainsRune("、，,；;/／\n\r", r):
			flush()
			continue
		}
		b.WriteRune(r)
	}
	flush()
	return out
}
