package report

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// A return is the part of the master one department fills in: the tasks it
// leads and the indicators it owns. The bureau splits the master into
// returns, the departments fill in the columns below, and the returns are
// matched back to the master row by row. This file is that matching; the
// workbooks themselves are read and written by report/returns.

// Rules of the findings a return can raise, at the return's cells.
const (
	RuleReturnLockedEdited = "return-locked-edited"
	RuleReturnTaskChanged  = "return-task-changed"
	RuleReturnUnknownTask  = "return-unknown-task"
	RuleReturnUnknownUnit  = "return-unknown-unit"
	RuleReturnConflict     = "return-conflict"
	RuleReturnStale        = "return-stale"
	RuleReturnDuplicate    = "return-duplicate"
	RuleReturnNoMarker     = "return-no-marker"
)

// Fillable are the columns a department fills in, by sheet role; every
// other column of a return is the master's and is compared, not taken.
var Fillable = map[string][]string{
	"tasks":      {"status", "progress", "note"},
	"indicators": {"actual"},
}

// IsFillable reports whether column key of role is one a return fills in.
func IsFillable(role, key string) bool { return slices.Contains(Fillable[role], key) }

// StatusChoices are the statuses a return's dropdown offers, one per
// status the checks know.
var StatusChoices = []string{"已完成", "推进中", "未启动", "滞后"}

// ErrNotReturn marks a workbook that is not a return of this master.
var ErrNotReturn = errors.New("not a return of this master")

// Marker is what a return carries to say where it came from: a very hidden
// sheet and the document's custom properties hold it.
type Marker struct {
	Version    int         `json:"v"`
	Campaign   string      `json:"campaign"`
	Master     string      `json:"master"` // SHA-256 of the master it was split from
	Unit       string      `json:"unit"`
	Deadline   string      `json:"deadline,omitempty"` // YYYY-MM-DD, the day returns are due
	Tasks      []MarkerRow `json:"tasks"`
	Indicators []MarkerRow `json:"indicators"`
}

// MarkerRow is one task or indicator a return was made with, and the hash
// of its text then.
type MarkerRow struct {
	ID   string `json:"id"`
	Hash string `json:"hash"`
}

// IndicatorHash fingerprints what an indicator is, not its value reached.
func IndicatorHash(ind *Indicator) string {
	h := sha256.New()
	for _, s := range []string{ind.Category, ind.Name, ind.Unit} {
		h.Write([]byte(strings.Join(strings.Fields(s), " ")))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// UnitNamer returns the function that gives a unit its name in the unit
// list, whichever spelling (full or short) the sheet used.
func (d *Data) UnitNamer() func(string) string {
	idx := unitIndex{}
	for _, u := range d.Units {
		idx[squeeze(fold(u.Name))] = u.Name
		for _, s := range SplitUnits(u.Short) {
			idx[squeeze(fold(s))] = u.Name
		}
	}
	return func(s string) string {
		n, _ := idx.canonical(strings.TrimSpace(s))
		return n
	}
}

// UnitPart is what one unit reports: the tasks it leads and the
// indicators it owns, in sheet order.
type UnitPart struct {
	Unit       string
	Tasks      []*Task
	Indicators []*Indicator
}

// Marker describes the part as a return made from master of campaign.
func (p UnitPart) Marker(campaign, master, deadline string) Marker {
	m := Marker{Version: 1, Campaign: campaign, Master: master, Unit: p.Unit, Deadline: deadline,
		Tasks: []MarkerRow{}, Indicators: []MarkerRow{}}
	for _, t := range p.Tasks {
		m.Tasks = append(m.Tasks, MarkerRow{ID: t.ID, Hash: TaskHash(t)})
	}
	for _, ind := range p.Indicators {
		m.Indicators = append(m.Indicators, MarkerRow{ID: ind.Name, Hash: IndicatorHash(ind)})
	}
	return m
}

// Parts splits the master by unit: one part for each unit that leads a task
// or owns an indicator, in the order of the unit list, then of first
// appearance. A task with no lead belongs to no one's return.
func Parts(d *Data) []UnitPart {
	name := d.UnitNamer()
	byUnit := map[string]*UnitPart{}
	var order []string
	get := func(u string) *UnitPart {
		p := byUnit[u]
		if p == nil {
			p = &UnitPart{Unit: u}
			byUnit[u] = p
			order = append(order, u)
		}
		return p
	}
	for i := range d.Tasks {
		t := &d.Tasks[i]
		if strings.TrimSpace(t.Lead) == "" || contains(groupWords, t.Lead) {
			continue
		}
		p := get(name(t.Lead))
		p.Tasks = append(p.Tasks, t)
	}
	for i := range d.Indicators {
		ind := &d.Indicators[i]
		owners := SplitUnits(ind.Owner)
		if len(owners) == 0 || contains(groupWords, owners[0]) {
			continue
		}
		p := get(name(owners[0]))
		p.Indicators = append(p.Indicators, ind)
	}
	rank := map[string]int{}
	for i, u := range d.Units {
		rank[u.Name] = i
	}
	first := map[string]int{}
	for i, u := range order {
		first[u] = i
	}
	slices.SortStableFunc(order, func(a, b string) int {
		ra, oka := rank[a]
		rb, okb := rank[b]
		switch {
		case oka && okb:
			return cmp.Compare(ra, rb)
		case oka:
			return -1
		case okb:
			return 1
		}
		return cmp.Compare(first[a], first[b])
	})
	out := make([]UnitPart, 0, len(order))
	for _, u := range order {
		out = append(out, *byUnit[u])
	}
	return out
}

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
	out := &ReturnOutcome{File: in.File, SHA256: in.SHA256, Received: in.Received}
	name := m.UnitNamer()
	retTasksSheet := r.Sheets["tasks"]
	if retTasksSheet == "" {
		return nil, notReturn(in.File, "没有找到任务清单", "it has no tasks sheet")
	}
	out.Sheet = retTasksSheet
	topLeft := func() (string, string) { return retTasksSheet, "A1" }
	add := func(sev Severity, rule, sheet, cell, value string, msg Text) {
		out.Findings = append(out.Findings, Finding{Severity: sev, Rule: rule, Sheet: sheet, Cell: cell, Value: value, Message: msg})
	}
	if mk := in.Marker; mk != nil {
		if mk.Campaign != in.Campaign {
			return nil, notReturn(in.File,
				fmt.Sprintf("它是“%s”的报表，不是本工作簿（%s）的；请确认发给了正确的单位或用正确的主表汇总", mk.Campaign, in.Campaign),
				fmt.Sprintf("it is a return of campaign %q, not of this master's (%q): check the file, or collect it into the right master", mk.Campaign, in.Campaign))
		}
		out.Unit, out.Deadline = name(mk.Unit), mk.Deadline
		if mk.Master != in.MasterID {
			s, c := topLeft()
			add(Warning, RuleReturnStale, s, c, "", Text{
				"本报表由较早版本的主表拆分而来；与当前主表一致的任务仍会汇入，请核对",
				"this return was split from an older master; tasks that still match the current master are taken: check it",
			})
		}
	} else {
		units := map[string]bool{}
		for _, t := range r.Tasks {
			if t.Lead != "" {
				units[name(t.Lead)] = true
			}
		}
		for _, ind := range r.Indicators {
			if o := SplitUnits(ind.Owner); len(o) > 0 {
				units[name(o[0])] = true
			}
		}
		if len(units) != 1 {
			return nil, notReturn(in.File,
				fmt.Sprintf("没有报表标记，且其中的任务分属 %d 个单位，无法判断是哪个单位的报表；请用 innoreport split 生成的报表填报", len(units)),
				fmt.Sprintf("it has no return marker and its rows belong to %d units, so it is no one unit's return: fill in the return innoreport split made", len(units)))
		}
		for u := range units {
			out.Unit = u
		}
		s, c := topLeft()
		add(Warning, RuleReturnNoMarker, s, c, "", Text{
			fmt.Sprintf("报表标记已丢失，按单位“%s”和任务序号识别；请以后直接填写下发的报表", out.Unit),
			fmt.Sprintf("the return's marker was lost; it was recognised by its unit %q and its task ids: fill in the return as sent next time", out.Unit),
		})
	}
	var part *UnitPart
	for _, p := range Parts(m) {
		if p.Unit == out.Unit {
			part = &p
			break
		}
	}
	if part == nil {
		s, c := topLeft()
		add(Error, RuleReturnUnknownUnit, s, c, out.Unit, Text{
			fmt.Sprintf("单位“%s”在主表中不牵头任何任务，也不负责任何指标；本报表未汇入", out.Unit),
			fmt.Sprintf("unit %q leads no task and owns no indicator in the master: nothing of this return was taken", out.Unit),
		})
		return out, nil
	}
	markerHash := map[string]string{}
	if in.Marker != nil {
		for _, t := range in.Marker.Tasks {
			markerHash["t\x00"+t.ID] = t.Hash
		}
		for _, t := range in.Marker.Indicators {
			markerHash["i\x00"+t.ID] = t.Hash
		}
	}
	mt := &matcher{in: in, out: out, m: m, r: r}
	seen := map[*Task]bool{}
	for i := range r.Tasks {
		rt := &r.Tasks[i]
		var mine, other *Task
		for _, t := range part.Tasks {
			if t.ID == rt.ID && (mine == nil || TaskHash(t) == TaskHash(rt)) && !seen[t] {
				mine = t
			}
		}
		moved := false
		if mine == nil && markerHash["t\x00"+rt.ID] == TaskHash(rt) {
			// The task was this unit's when the return was made and is
			// unchanged, but the master has since given it to another
			// unit: the work reported is still taken, and where the
			// other unit reports it too, the later return wins.
			for j := range m.Tasks {
				if t := &m.Tasks[j]; t.ID == rt.ID && TaskHash(t) == TaskHash(rt) && !seen[t] {
					mine, moved = t, true
				}
			}
		}
		if mine == nil {
			for j := range m.Tasks {
				if m.Tasks[j].ID == rt.ID {
					other = &m.Tasks[j]
				}
			}
			msg := Text{
				fmt.Sprintf("主表中没有序号为“%s”的任务；本行未汇入", rt.ID),
				fmt.Sprintf("the master has no task numbered %q: this row was not taken", rt.ID),
			}
			if other != nil {
				msg = Text{
					fmt.Sprintf("序号“%s”的任务在主表中不由“%s”牵头；本行未汇入", rt.ID, out.Unit),
					fmt.Sprintf("task %q is not led by %q in the master: this row was not taken", rt.ID, out.Unit),
				}
			}
			add(Error, RuleReturnUnknownTask, r.Sheets["tasks"], cellOr(rt.Cells, "id", "task"), rt.ID, msg)
			continue
		}
		seen[mine] = true
		identity := []string{"section", "task", "content", "objective"}
		if moved {
			// Its lead differs from the master's because the master
			// moved it, not because the department changed it.
			identity = append(identity, "lead")
		}
		mt.row("tasks", mine.Cells, rt.Cells, mine.Row, TaskHash(mine), TaskHash(rt), markerHash["t\x00"+rt.ID], in.Marker != nil, identity)
	}
	seenInd := map[*Indicator]bool{}
	for i := range r.Indicators {
		ri := &r.Indicators[i]
		var mine *Indicator
		for _, ind := range part.Indicators {
			if ind.Name == ri.Name && !seenInd[ind] {
				mine = ind
				break
			}
		}
		if mine == nil {
			add(Error, RuleReturnUnknownTask, r.Sheets["indicators"], cellOr(ri.Cells, "name", "id"), ri.Name, Text{
				fmt.Sprintf("主表中没有“%s”负责的指标“%s”；本行未汇入", out.Unit, ri.Name),
				fmt.Sprintf("the master has no indicator %q owned by %q: this row was not taken", ri.Name, out.Unit),
			})
			continue
		}
		seenInd[mine] = true
		mt.row("indicators", mine.Cells, ri.Cells, mine.Row, IndicatorHash(mine), IndicatorHash(ri), markerHash["i\x00"+ri.Name], in.Marker != nil,
			[]string{"category", "name", "unit"})
	}
	// The return's values are checked as the master's are, at its cells.
	for _, f := range in.Return.Findings {
		switch f.Rule {
		case RuleRequired, RuleType, RuleEnum, RuleRange, RuleStatusProgress:
		default:
			continue
		}
		if mt.fillableCell(f.Sheet, f.Cell) {
			out.Findings = append(out.Findings, f)
		}
	}
	// A value the checks call wrong stays out of the master: the finding
	// goes back to the department instead.
	bad := map[string]bool{}
	for _, f := range out.Findings {
		if f.Severity == Error {
			bad[f.Sheet+"!"+f.Cell] = true
		}
	}
	out.Updates = slices.DeleteFunc(out.Updates, func(u CellUpdate) bool { return bad[u.ReturnSheet+"!"+u.ReturnCell] })
	SortFindings(out.Findings, []string{r.Sheets["tasks"], r.Sheets["indicators"]})
	return out, nil
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

// Collection is the returns merged into the master.
type Collection struct {
	Returns []*ReturnOutcome // in the order received
	Updates []CellUpdate     // what the master takes, at most one per cell
	Missing []string         // units with a part and no return
}

// Collect merges outcomes, given in the order received: a unit's later
// return replaces its earlier one (return-duplicate), and where two
// returns write the same cell the later one wins (return-conflict, on the
// one that lost).
func Collect(parts []UnitPart, outcomes []*ReturnOutcome) *Collection {
	c := &Collection{Returns: outcomes}
	last := map[string]*ReturnOutcome{}
	for _, o := range outcomes {
		if o.Unit != "" {
			last[o.Unit] = o
		}
	}
	for _, o := range outcomes {
		if l := last[o.Unit]; l != o {
			o.Superseded = l.File
			o.Findings = append(o.Findings, Finding{Severity: Warning, Rule: RuleReturnDuplicate, Sheet: o.Sheet, Cell: "A1",
				Value: l.File, Message: Text{
					fmt.Sprintf("“%s”报送了不止一份报表，以后收到的 %s 为准，本份未汇入", o.Unit, l.File),
					fmt.Sprintf("%q sent more than one return; the later one, %s, is taken and this one is not", o.Unit, l.File),
				}})
		}
	}
	byCell := map[string]int{} // sheet!cell → index in c.Updates
	for _, o := range outcomes {
		if o.Superseded != "" {
			continue
		}
		for _, u := range o.Updates {
			k := u.Sheet + "!" + u.Cell
			if i, ok := byCell[k]; ok {
				lost := c.Updates[i]
				for _, p := range outcomes {
					if p.File == lost.File && p.Unit == lost.Unit {
						p.Findings = append(p.Findings, Finding{Severity: Warning, Rule: RuleReturnConflict, Sheet: lost.ReturnSheet, Cell: lost.ReturnCell,
							Value: lost.To, Message: Text{
								fmt.Sprintf("%s（%s）也填报了主表 %s，以后收到的为准，本值未汇入", u.File, u.Unit, Ref(u.Sheet, u.Cell)),
								fmt.Sprintf("%s (%s) also wrote the master's %s; the later one is taken, not this value", u.File, u.Unit, Ref(u.Sheet, u.Cell)),
							}})
					}
				}
				c.Updates[i] = u
				continue
			}
			byCell[k] = len(c.Updates)
			c.Updates = append(c.Updates, u)
		}
	}
	for _, p := range parts {
		if last[p.Unit] == nil {
			c.Missing = append(c.Missing, p.Unit)
		}
	}
	if c.Missing == nil {
		c.Missing = []string{}
	}
	return c
}

// Taken is the updates of o that the collection kept.
func (c *Collection) Taken(o *ReturnOutcome) []CellUpdate {
	var out []CellUpdate
	for _, u := range c.Updates {
		if u.File == o.File && u.Unit == o.Unit {
			out = append(out, u)
		}
	}
	return out
}

// RowsUpdated counts the master rows o's kept cells changed.
func (c *Collection) RowsUpdated(o *ReturnOutcome) int {
	t := &ReturnOutcome{Updates: c.Taken(o)}
	return t.RowsUpdated()
}

// ReturnState is a unit's standing in the 报送情况 sheet.
type ReturnState uint8

const (
	ReturnMissing ReturnState = iota // 未报
	ReturnOnTime                     // 已报
	ReturnLate                       // 逾期报
)

// StateOf places a return received at received against the deadline
// (YYYY-MM-DD, the whole day counts; "" is no deadline).
func StateOf(received time.Time, deadline string) ReturnState {
	d, err := time.ParseInLocation(time.DateOnly, deadline, received.Location())
	if err != nil || received.Before(d.AddDate(0, 0, 1)) {
		return ReturnOnTime
	}
	return ReturnLate
}

// ReturnStatus is one unit's line of the 报送情况 sheet and chapter.
type ReturnStatus struct {
	Unit        string      `json:"unit"`
	State       ReturnState `json:"state"`
	File        string      `json:"file,omitempty"`
	Received    string      `json:"received,omitempty"` // RFC 3339
	SHA256      string      `json:"sha256,omitempty"`
	RowsUpdated int         `json:"rows_updated"`
	Findings    int         `json:"findings"`
}

// Status is the 报送情况 of a collection: every unit with a part, in the
// parts' order, then units that returned without one.
func (c *Collection) Status(parts []UnitPart, deadline string) []ReturnStatus {
	taken := map[string]*ReturnOutcome{}
	for _, o := range c.Returns {
		if o.Superseded == "" && o.Unit != "" {
			taken[o.Unit] = o
		}
	}
	var out []ReturnStatus
	line := func(unit string) ReturnStatus {
		o := taken[unit]
		if o == nil {
			return ReturnStatus{Unit: unit, State: ReturnMissing}
		}
		dl := deadline
		if dl == "" {
			dl = o.Deadline
		}
		return ReturnStatus{Unit: unit, State: StateOf(o.Received, dl), File: o.File,
			Received: o.Received.Format(time.RFC3339), SHA256: o.SHA256,
			RowsUpdated: c.RowsUpdated(o), Findings: len(o.Findings)}
	}
	seen := map[string]bool{}
	for _, p := range parts {
		seen[p.Unit] = true
		out = append(out, line(p.Unit))
	}
	for _, o := range c.Returns {
		if !seen[o.Unit] && taken[o.Unit] == o {
			seen[o.Unit] = true
			out = append(out, line(o.Unit))
		}
	}
	return out
}

// StatusSheet names the 报送情况 sheet in the collected master; the other
// name is accepted when reading it back.
var StatusSheet = Text{"报送情况", "Returns"}

// StatusHeaders are the 报送情况 sheet's columns.
var StatusHeaders = []Text{
	{"单位", "Unit"}, {"报送状态", "State"}, {"文件", "File"}, {"收到时间", "Received"},
	{"SHA-256", "SHA-256"}, {"更新行数", "Rows updated"}, {"问题数", "Findings"},
}

// ReadReturnStatus reads the 报送情况 sheet a collect wrote, if the
// workbook has one; nil otherwise.
func ReadReturnStatus(wb *Workbook) []ReturnStatus {
	s := wb.Sheet(StatusSheet.Zh)
	if s == nil {
		s = wb.Sheet(StatusSheet.En)
	}
	if s == nil || len(s.Rows) == 0 {
		return nil
	}
	col := map[int]int{}
	for c := range s.Rows[0] {
		for i, h := range StatusHeaders {
			if t := s.Text(0, c); t == h.Zh || t == h.En {
				col[i] = c
			}
		}
	}
	if _, ok := col[0]; !ok {
		return nil
	}
	if _, ok := col[1]; !ok {
		return nil
	}
	out := []ReturnStatus{}
	for r := 1; r < len(s.Rows); r++ {
		at := func(i int) string {
			c, ok := col[i]
			if !ok {
				return ""
			}
			return s.Text(r, c)
		}
		st, ok := ParseReturnState(at(1))
		if at(0) == "" || !ok {
			continue
		}
		rs := ReturnStatus{Unit: at(0), State: st, File: at(2), Received: at(3), SHA256: at(4)}
		if n, err := ParseNumber(at(5)); err == nil && n.OK {
			rs.RowsUpdated = int(n.Value)
		}
		if n, err := ParseNumber(at(6)); err == nil && n.OK {
			rs.Findings = int(n.Value)
		}
		out = append(out, rs)
	}
	return out
}

// ReturnsSpec is the template's word on returns.
type ReturnsSpec struct {
	Deadline string `yaml:"deadline"` // YYYY-MM-DD, or ""
	Password string `yaml:"password"` // of the returns' sheet protection, or ""
}

// UnmarshalYAML checks the deadline, so a bad one names its line.
func (r *ReturnsSpec) UnmarshalYAML(n *yaml.Node) error {
	type plain ReturnsSpec
	if err := n.Decode((*plain)(r)); err != nil {
		return err
	}
	if r.Deadline != "" {
		if _, err := time.Parse(time.DateOnly, r.Deadline); err != nil {
			return lineError(n, "returns.deadline 应为 YYYY-MM-DD", "returns.deadline must be YYYY-MM-DD")
		}
	}
	return nil
}
