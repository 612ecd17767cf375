package report

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// CellUpdate is one fillable cell of the master a return changes.
type CellUpdate struct {
	Sheet string `json:"sheet"` // the master's
	Cell  string `json:"cell"`
	Role  string `json:"-"`
	Key   string `json:"key"`
	From  string `json:"from"`
	To    string `json:"to"`
	// Value is the return's cell, and Number its figure read as the
	// column reads it (progress in points), for writing it back in the
	// master's own format.
	Value        Cell      `json:"-"`
	Number       *Number   `json:"-"`
	MasterFormat NumFormat `json:"-"` // the master cell's, to write the figure as it reads
	Unit         string    `json:"unit"`
	File         string    `json:"file"`
	// Where the value came from in the return.
	ReturnSheet string `json:"return_sheet"`
	ReturnCell  string `json:"return_cell"`
	row         int    // the master's 0-based row, to count rows updated
}

// ReturnInput is one return to match against the master.
type ReturnInput struct {
	Master   *Result
	MasterWB *Workbook
	Campaign string // the master's campaign key
	MasterID string // the master's SHA-256
	Return   *Result
	ReturnWB *Workbook
	Marker   *Marker // nil where the marker was lost
	File     string
	SHA256   string
	Received time.Time
}

// ReturnOutcome is what one return brings: its cells to take and its
// findings, at the return's own cells.
type ReturnOutcome struct {
	Unit     string
	File     string
	SHA256   string
	Received time.Time
	Deadline string
	Sheet    string // the return's tasks sheet, where findings on the whole return go
	Updates  []CellUpdate
	Findings []Finding
	// Superseded names the return of the same unit that replaced this
	// one; its cells are not taken.
	Superseded string
}

// RowsUpdated counts the master rows the return's cells changed.
func (o *ReturnOutcome) RowsUpdated() int {
	rows := map[string]bool{}
	for _, u := range o.Updates {
		rows[fmt.Sprintf("%s\x00%d", u.Sheet, u.row)] = true
	}
	return len(rows)
}

// MatchReturn matches a return against the master. A workbook that cannot
// be told to be a return of this master (another campaign; no marker and
// no single unit) is an error wrapping ErrNotReturn, saying why.
func MatchReturn(in ReturnInput) (*ReturnOutcome, error) {
	m, r := in.Master.Data, in.Return.Data
	out := &ReturnOutcome{File: in.File, SHA256: in.SHA256, Received: in.Received, Sheet: r.Sheets["tasks"]}
	if out.Sheet == "" {
		return nil, notReturn(in.File, "没有找到任务清单", "it has no tasks sheet")
	}
	if err := out.identify(in, m.UnitNamer()); err != nil {
		return nil, err
	}
	var part *UnitPart
	for _, p := range Parts(m) {
		if p.Unit == out.Unit {
			part = &p
			break
		}
	}
	if part == nil {
		out.add(Error, RuleReturnUnknownUnit, out.Sheet, "A1", out.Unit, Text{
			fmt.Sprintf("单位“%s”在主表中不牵头任何任务，也不负责任何指标；本报表未汇入", out.Unit),
			fmt.Sprintf("unit %q leads no task and owns no indicator in the master: nothing of this return was taken", out.Unit),
		})
		return out, nil
	}
	mt := &matcher{in: in, out: out, m: m, r: r, markerHash: map[string]string{}}
	if in.Marker != nil {
		for _, t := range in.Marker.Tasks {
			mt.markerHash["t\x00"+t.ID] = t.Hash
		}
		for _, t := range in.Marker.Indicators {
			mt.markerHash["i\x00"+t.ID] = t.Hash
		}
	}
	mt.tasks(part)
	mt.indicators(part)
	mt.keepChecked()
	return out, nil
}

func (o *ReturnOutcome) add(sev Severity, rule, sheet, cell, value string, msg Text) {
	o.Findings = append(o.Findings, Finding{Severity: sev, Rule: rule, Sheet: sheet, Cell: cell, Value: value, Message: msg})
}

// identify tells whose return it is: the marker's unit, or, where the
// marker was lost, the one unit all its rows belong to.
func (o *ReturnOutcome) identify(in ReturnInput, name func(string) string) error {
	if mk := in.Marker; mk != nil {
		if mk.Campaign != in.Campaign {
			return notReturn(in.File,
				fmt.Sprintf("它是“%s”的报表，不是本工作簿（%s）的；请确认发给了正确的单位或用正确的主表汇总", mk.Campaign, in.Campaign),
				fmt.Sprintf("it is a return of campaign %q, not of this master's (%q): check the file, or collect it into the right master", mk.Campaign, in.Campaign))
		}
		o.Unit, o.Deadline = name(mk.Unit), mk.Deadline
		if mk.Master != in.MasterID {
			o.add(Warning, RuleReturnStale, o.Sheet, "A1", "", Text{
				"本报表由较早版本的主表拆分而来；与当前主表一致的任务仍会汇入，请核对",
				"this return was split from an older master; tasks that still match the current master are taken: check it",
			})
		}
		return nil
	}
	r := in.Return.Data
	units := map[string]bool{}
	for _, t := range r.Tasks {
		if t.Lead != "" {
			units[name(t.Lead)] = true
		}
	}
	for _, ind := range r.Indicators {
		if owners := SplitUnits(ind.Owner); len(owners) > 0 {
			units[name(owners[0])] = true
		}
	}
	if len(units) != 1 {
		return notReturn(in.File,
			fmt.Sprintf("没有报表标记，且其中的任务分属 %d 个单位，无法判断是哪个单位的报表；请用 innoreport split 生成的报表填报", len(units)),
			fmt.Sprintf("it has no return marker and its rows belong to %d units, so it is no one unit's return: fill in the return innoreport split made", len(units)))
	}
	for u := range units {
		o.Unit = u
	}
	o.add(Warning, RuleReturnNoMarker, o.Sheet, "A1", "", Text{
		fmt.Sprintf("报表标记已丢失，按单位“%s”和任务序号识别；请以后直接填写下发的报表", o.Unit),
		fmt.Sprintf("the return's marker was lost; it was recognised by its unit %q and its task ids: fill in the return as sent next time", o.Unit),
	})
	return nil
}

// tasks matches the return's tasks to the part's, by id and then by
// what the task says.
func (mt *matcher) tasks(part *UnitPart) {
	m, r, out := mt.m, mt.r, mt.out
	seen := map[*Task]bool{}
	for i := range r.Tasks {
		rt := &r.Tasks[i]
		mine, moved := mt.masterTask(part, rt, seen)
		if mine == nil {
			msg := Text{
				fmt.Sprintf("主表中没有序号为“%s”的任务；本行未汇入", rt.ID),
				fmt.Sprintf("the master has no task numbered %q: this row was not taken", rt.ID),
			}
			if slices.ContainsFunc(m.Tasks, func(t Task) bool { return t.ID == rt.ID }) {
				msg = Text{
					fmt.Sprintf("序号“%s”的任务在主表中不由“%s”牵头；本行未汇入", rt.ID, out.Unit),
					fmt.Sprintf("task %q is not led by %q in the master: this row was not taken", rt.ID, out.Unit),
				}
			}
			out.add(Error, RuleReturnUnknownTask, r.Sheets["tasks"], cellOr(rt.Cells, "id", "task"), rt.ID, msg)
			continue
		}
		seen[mine] = true
		identity := []string{"section", "task", "content", "objective"}
		if moved {
			// Its lead differs from the master's because the master
			// moved it, not because the department changed it.
			identity = append(identity, "lead")
		}
		mt.row("tasks", mine.Cells, rt.Cells, mine.Row, TaskHash(mine), TaskHash(rt), mt.markerHash["t\x00"+rt.ID], mt.in.Marker != nil, identity)
	}
}

// masterTask finds the master's task for the return's rt, not one seen
// already; moved is true where the master has since given it to another
// unit.
func (mt *matcher) masterTask(part *UnitPart, rt *Task, seen map[*Task]bool) (mine *Task, moved bool) {
	for _, t := range part.Tasks {
		if t.ID == rt.ID && (mine == nil || TaskHash(t) == TaskHash(rt)) && !seen[t] {
			mine = t
		}
	}
	if mine == nil && mt.markerHash["t\x00"+rt.ID] == TaskHash(rt) {
		// The task was this unit's when the return was made and is
		// unchanged, but the master has since given it to another
		// unit: the work reported is still taken, and where the
		// other unit reports it too, the later return wins.
		for j := range mt.m.Tasks {
			if t := &mt.m.Tasks[j]; t.ID == rt.ID && TaskHash(t) == TaskHash(rt) && !seen[t] {
				mine, moved = t, true
			}
		}
	}
	return mine, moved
}

// indicators matches the return's indicators to the part's, by name.
func (mt *matcher) indicators(part *UnitPart) {
	r, out := mt.r, mt.out
	seen := map[*Indicator]bool{}
	for i := range r.Indicators {
		ri := &r.Indicators[i]
		var mine *Indicator
		for _, ind := range part.Indicators {
			if ind.Name == ri.Name && !seen[ind] {
				mine = ind
				break
			}
		}
		if mine == nil {
			out.add(Error, RuleReturnUnknownTask, r.Sheets["indicators"], cellOr(ri.Cells, "name", "id"), ri.Name, Text{
				fmt.Sprintf("主表中没有“%s”负责的指标“%s”；本行未汇入", out.Unit, ri.Name),
				fmt.Sprintf("the master has no indicator %q owned by %q: this row was not taken", ri.Name, out.Unit),
			})
			continue
		}
		seen[mine] = true
		mt.row("indicators", mine.Cells, ri.Cells, mine.Row, IndicatorHash(mine), IndicatorHash(ri), mt.markerHash["i\x00"+ri.Name], mt.in.Marker != nil,
			[]string{"category", "name", "unit"})
	}
}

// keepChecked checks the return's values as the master's are, at its
// cells, and keeps a value the checks call wrong out of the master: the
// finding goes back to the department instead.
func (mt *matcher) keepChecked() {
	out := mt.out
	for _, f := range mt.in.Return.Findings {
		switch f.Rule {
		case RuleRequired, RuleType, RuleEnum, RuleRange, RuleStatusProgress:
		default:
			continue
		}
		if mt.fillableCell(f.Sheet, f.Cell) {
			out.Findings = append(out.Findings, f)
		}
	}
	bad := map[string]bool{}
	for _, f := range out.Findings {
		if f.Severity == Error {
			bad[f.Sheet+"!"+f.Cell] = true
		}
	}
	out.Updates = slices.DeleteFunc(out.Updates, func(u CellUpdate) bool { return bad[u.ReturnSheet+"!"+u.ReturnCell] })
	SortFindings(out.Findings, []string{mt.r.Sheets["tasks"], mt.r.Sheets["indicators"]})
}

func cellOr(c CellRefs, keys ...string) string {
	for _, k := range keys {
		if s := c.Get(k); s != "" {
			return s
		}
	}
	return CellName(0, c.row)
}

func notReturn(file, zh, en string) error {
	return &BilingualError{Err: ErrNotReturn, Msg: Text{
		Zh: fmt.Sprintf("%s: 不是本主表的报表：%s", file, zh),
		En: fmt.Sprintf("%s: not a return of this master: %s", file, en),
	}}
}

type matcher struct {
	in  ReturnInput
	out *ReturnOutcome
	m   *Data
	r   *Data
	// markerHash holds the hash of each row the marker lists, by
	// "t\x00"+task id and "i\x00"+indicator name.
	markerHash map[string]string
}

// sheet is the workbook's sheet of role.
func (mt *matcher) sheet(d *Data, role string) *Sheet {
	wb := mt.in.MasterWB
	if d == mt.r {
		wb = mt.in.ReturnWB
	}
	return wb.Sheet(d.Sheets[role])
}

// fillableCell reports whether sheet!cell of the return is in a column
// the return fills in.
func (mt *matcher) fillableCell(sheet, cell string) bool {
	col, _ := splitCell(cell)
	for role, keys := range Fillable {
		if mt.r.Sheets[role] != sheet {
			continue
		}
		for _, k := range keys {
			if c, ok := mt.r.Columns[role][k]; ok && ColumnName(c) == col {
				return true
			}
		}
	}
	return false
}

func (mt *matcher) cells(d *Data, role string, refs CellRefs, key string) (Cell, string, bool) {
	c, ok := d.Columns[role][key]
	if !ok {
		return Cell{}, "", false
	}
	s := mt.sheet(d, role)
	if s == nil {
		return Cell{}, "", false
	}
	return s.At(refs.row, c), CellName(c, refs.row), true
}

// row compares one matched row: the text that makes the task what it is,
// then the other locked columns, then takes the fillable ones.
func (mt *matcher) row(role string, mRefs, rRefs CellRefs, mRow int, mHash, rHash, markHash string, marked bool, identity []string) {
	rs := mt.r.Sheets[role]
	if mHash != rHash {
		if marked && markHash == mHash {
			// The master is as it was at the split: the department
			// changed the task's own text.
			for _, k := range identity {
				mt.locked(role, mRefs, rRefs, k)
			}
		} else {
			cell := cellOr(rRefs, identity[1], identity[0])
			mt.out.Findings = append(mt.out.Findings, Finding{Severity: Error, Rule: RuleReturnTaskChanged, Sheet: rs, Cell: cell,
				Value: mt.sheet(mt.r, role).Text(rRefs.row, mt.r.Columns[role][identity[1]]), Message: Text{
					"此行的内容与主表当前的内容不同（主表在拆分后修改过），本行未汇入；请按最新主表重新填报",
					"this row's text differs from the master's as it is now (the master changed after the split): not taken; fill in a return made from the current master",
				}})
		}
		return
	}
	for key := range mt.m.Columns[role] {
		if !IsFillable(role, key) && !slices.Contains(identity, key) {
			mt.locked(role, mRefs, rRefs, key)
		}
	}
	for _, key := range Fillable[role] {
		mc, mcell, ok := mt.cells(mt.m, role, mRefs, key)
		if !ok {
			continue
		}
		rc, rcell, ok := mt.cells(mt.r, role, rRefs, key)
		if !ok {
			continue
		}
		if sameValue(role, key, mc, rc) {
			continue
		}
		u := CellUpdate{Sheet: mt.m.Sheets[role], Cell: mcell, Role: role, Key: key,
			From: strings.TrimSpace(mc.Text), To: strings.TrimSpace(rc.Text), Value: rc, MasterFormat: mc.Format,
			Unit: mt.out.Unit, File: mt.out.File, ReturnSheet: rs, ReturnCell: rcell, row: mRow}
		if n, err := readNumber(key, rc); err == nil && n.OK {
			u.Number = &n
			u.To = display(n)
		}
		mt.out.Updates = append(mt.out.Updates, u)
	}
}

// locked compares a column the department may not change.
func (mt *matcher) locked(role string, mRefs, rRefs CellRefs, key string) {
	mc, _, ok := mt.cells(mt.m, role, mRefs, key)
	if !ok {
		return
	}
	rc, rcell, ok := mt.cells(mt.r, role, rRefs, key)
	if !ok || sameText(mc, rc) {
		return
	}
	mt.out.Findings = append(mt.out.Findings, Finding{Severity: Warning, Rule: RuleReturnLockedEdited, Sheet: mt.r.Sheets[role], Cell: rcell,
		Value: strings.TrimSpace(rc.Text), Message: Text{
			fmt.Sprintf("此列不应由填报单位修改（主表为%s）；未汇入，主表保持原值", quote(mc.Text)),
			fmt.Sprintf("this column is not the department's to change (the master has %q): not taken, the master keeps its value", strings.TrimSpace(mc.Text)),
		}})
}

func readNumber(key string, c Cell) (Number, error) {
	if key == "progress" {
		return ProgressFromCell(c)
	}
	return NumberFromCell(c)
}

func display(n Number) string {
	s := fmt.Sprintf("%g", n.Value)
	if n.Percent {
		s += "%"
	}
	return s
}

// sameValue compares a fillable cell as its column reads it, so 85, "85%"
// and 0.85 formatted as a percentage are one progress.
func sameValue(role, key string, a, b Cell) bool {
	if sameText(a, b) {
		return true
	}
	if (role == "tasks" && key == "progress") || (role == "indicators" && key == "actual") {
		na, ea := readNumber(key, a)
		nb, eb := readNumber(key, b)
		if ea == nil && eb == nil && na.OK && nb.OK {
			return math.Abs(na.Value-nb.Value) < 1e-9
		}
	}
	if role == "tasks" && key == "status" {
		return squeeze(fold(a.Text)) == squeeze(fold(b.Text))
	}
	return false
}

// sameText compares two cells as text, and as numbers where both are, so
// a spreadsheet program that writes 1 as 1.0 does not count as an edit.
func sameText(a, b Cell) bool {
	ta, tb := squeeze(fold(a.Text)), squeeze(fold(b.Text))
	if ta == tb {
		return true
	}
	if a.Number && b.Number {
		na, ea := ParseNumber(a.Text)
		nb, eb := ParseNumber(b.Text)
		return ea == nil && eb == nil && na.OK && nb.OK && math.Abs(na.Value-nb.Value) < 1e-9
	}
	return false
}
