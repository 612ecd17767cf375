package report

import (
	"fmt"
	"slices"
	"strings"
)

// Extract finds the template's tables in wb and reads them into typed rows.
// The findings it returns are those a single cell shows on its own: missing
// sheets and columns, blanks in required cells, values of the wrong type or
// outside their range. Check adds those that need several rows.
func Extract(wb *Workbook, t *Template) (*Data, []Finding) {
	x := newExtractor(wb, t)
	tables := x.locateAll()
	for _, tb := range tables {
		if tb.sheet < 0 {
			continue
		}
		s := wb.Sheets[tb.sheet]
		for r := 0; r < s.Len(); r++ {
			tb.row(s, r)
		}
	}
	return x.finish(tables)
}

func newExtractor(wb *Workbook, t *Template) *extractor {
	return &extractor{wb: wb, t: t, claimed: map[string]bool{}, data: &Data{
		Workbook:        wb.Name,
		Date1904:        wb.Date1904,
		Sheets:          map[string]string{},
		Columns:         map[string]map[string]int{},
		HeaderRow:       map[string]int{},
		HeaderTop:       map[string]int{},
		Width:           map[string]int{},
		SectionDeclared: map[string]Declared{},
	}}
}

type extractor struct {
	wb       *Workbook // whole, or only its sheets' first HeadRows rows
	t        *Template
	data     *Data
	claimed  map[string]bool
	findings []Finding // of the table being read
	dates    memo[dateKey, parsedDate]
	sections memo[string, section]
	units    memo[string, []string]
	headers  headerCache // header cells' texts, folded and matched
}

// memo keeps f's results for the inputs it has seen, up to maxMemo of
// them. Most rows type their deadline, section and units as rows above
// did: the regular expressions are most of a large check's own work, and
// each result made again is held again, once a task (at a million tasks,
// 150 MB of copies of a few hundred strings). A workbook of all different
// texts is read past the bound as it would be without one.
type memo[K comparable, V any] map[K]V

const maxMemo = 4096

func (m *memo[K, V]) get(k K, f func(K) V) V {
	if v, ok := (*m)[k]; ok {
		return v
	}
	v := f(k)
	if *m == nil {
		*m = memo[K, V]{}
	}
	if len(*m) < maxMemo {
		(*m)[k] = v
	}
	return v
}

// section is cleanSection's reading of a section's text.
type section struct {
	name     string
	declared int
}

// section is cleanSection of t, memoized.
func (x *extractor) section(t string) (string, int) {
	s := x.sections.get(t, func(t string) section {
		name, n := cleanSection(t)
		return section{name, n}
	})
	return s.name, s.declared
}

// splitUnits is SplitUnits of t, memoized: tasks typed alike share one
// list, full to its capacity so that an append copies it.
func (x *extractor) splitUnits(t string) []string {
	return x.units.get(t, func(t string) []string {
		u := SplitUnits(t)
		return u[:len(u):len(u)]
	})
}

type dateKey struct {
	text   string
	number bool
	format NumFormat
}

type parsedDate struct {
	d   Date
	err error
}

// date is DateFromCell of c, memoized.
func (x *extractor) date(c Cell) (Date, error) {
	p := x.dates.get(dateKey{c.Text, c.Number, c.Format}, func(k dateKey) parsedDate {
		d, err := DateFromCell(c, x.wb.Date1904)
		return parsedDate{d, err}
	})
	return p.d, p.err
}

func (x *extractor) add(f Finding) { x.findings = append(x.findings, f) }

// table is one role's sheet being read a row at a time, in order: what
// it has seen so far and the findings of its rows.
type table struct {
	x           *extractor
	role        string
	sheet       int // index in the workbook, -1 where the sheet is missing
	spec        *SheetSpec
	hm          headerMatch
	width       int
	section     string // the section (or category) the last section row named
	sectionRows bool   // a section row was seen below the header
	findings    []Finding
	missing     []Finding   // the missing sheet
	styles      *keptStyles // where the workbook is streamed

	// Worked out once for all rows (see rows.go).
	mapped      []mappedCol
	contentCols []int
}

// locateAll finds each role's sheet and header, in role order, from the
// first rows of each sheet alone.
func (x *extractor) locateAll() []*table {
	var tables []*table
	for _, r := range Roles {
		role := string(r)
		spec := x.t.Sheets[role]
		if spec == nil {
			continue
		}
		s, hm, ok := x.locate(spec)
		if !ok {
			if spec.Required {
				x.missingSheet(spec)
				tables = append(tables, &table{x: x, role: role, sheet: -1, missing: x.findings})
				x.findings = nil
			}
			continue
		}
		x.claimed[s.Name] = true
		x.data.Sheets[role] = s.Name
		x.data.Columns[role] = hm.cols
		x.data.HeaderRow[role] = hm.bottom
		x.data.HeaderTop[role] = hm.top
		tables = append(tables, &table{x: x, role: role, sheet: slices.Index(x.wb.Sheets, s), spec: spec, hm: hm})
	}
	return tables
}

// row reads row r of the table's sheet, which s holds.
func (tb *table) row(s *Sheet, r int) {
	if tb.sheet < 0 {
		return
	}
	tb.width = max(tb.width, len(s.Row(r)))
	x := tb.x
	x.findings = tb.findings
	switch {
	case r < tb.hm.top && tb.role == "tasks":
		x.preambleRow(s, r)
	case r <= tb.hm.bottom:
	case tb.styles != nil:
		tb.styles.row(s, r)
		fallthrough
	default:
		tb.dataRow(s, r)
	}
	tb.findings, x.findings = x.findings, nil
}

// dataRow reads row r, below the header.
func (tb *table) dataRow(s *Sheet, r int) {
	switch {
	case tb.role == "tasks":
		tb.taskRow(s, r)
	case tb.role == "indicators":
		tb.indicatorRow(s, r)
	case tb.role == "units":
		tb.unitRow(s, r)
	}
}

// finish gathers the tables' findings in role order, each sheet's
// missing columns before its rows', once every row has been read.
func (x *extractor) finish(tables []*table) (*Data, []Finding) {
	var all []Finding
	for _, tb := range tables {
		all = append(all, tb.missing...)
		if tb.sheet < 0 {
			continue
		}
		x.data.Width[tb.role] = tb.width
		if tb.role == "tasks" {
			x.data.TaskHeader = headerRows(x.wb.Sheets[tb.sheet], tb.hm)
		}
		x.findings = nil
		x.missingColumns(x.wb.Sheets[tb.sheet], tb.spec, tb.hm, tb.sectionRows)
		all = append(append(all, x.findings...), tb.findings...)
	}
	x.findings = nil
	return x.data, all
}

// headerRows are the texts of the header rows hm found in s.
func headerRows(s *Sheet, hm headerMatch) [][]string {
	var out [][]string
	for r := hm.top; r <= hm.bottom && r < s.Len(); r++ {
		texts := make([]string, len(s.Row(r)))
		for c := range texts {
			texts[c] = s.Text(r, c)
		}
		out = append(out, texts)
	}
	return out
}

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
			hm, ok := findHeader(s, spec, &x.headers)
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
		hm, ok := findHeader(s, spec, &x.headers)
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

// busiestRow stands in for a header that was not found: the row among the
// first few with the most text, so missing columns can name what is there.
func busiestRow(s *Sheet) headerMatch {
	hm := headerMatch{cols: map[string]int{}, texts: map[int]string{}}
	bestN := -1
	for r := 0; r < s.Len() && r < headerScanRows; r++ {
		n := 0
		for c := range s.Row(r) {
			if s.Text(r, c) != "" {
				n++
			}
		}
		if n > bestN {
			bestN, hm.top, hm.bottom = n, r, r
		}
	}
	if hm.top < s.Len() {
		for c := range s.Row(hm.top) {
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

// missingColumns notes the columns spec requires that hm lacks;
// sectionRows says section rows stand in for the section column.
func (x *extractor) missingColumns(s *Sheet, spec *SheetSpec, hm headerMatch, sectionRows bool) {
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
		if col.Key == "section" && spec.Role == RoleTasks && sectionRows {
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
