package report

import (
	"fmt"
	"slices"
	"time"

	"go.yaml.in/yaml/v3"
)

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
	sr := newStatusReader(wb)
	if sr.sheet < 0 {
		return nil
	}
	s := wb.Sheets[sr.sheet]
	for r := 0; r < s.Len(); r++ {
		sr.row(s, r)
	}
	return sr.out
}

// statusReader reads the 报送情况 sheet a row at a time.
type statusReader struct {
	sheet int // index in the workbook, -1 where there is none
	col   map[int]int
	out   []ReturnStatus
}

func newStatusReader(wb *Workbook) *statusReader {
	sr := &statusReader{sheet: -1}
	for _, name := range []string{StatusSheet.Zh, StatusSheet.En} {
		if s := wb.Sheet(name); s != nil {
			sr.sheet = slices.Index(wb.Sheets, s)
			return sr
		}
	}
	return sr
}

func (sr *statusReader) row(s *Sheet, r int) {
	if r == 0 {
		sr.col = map[int]int{}
		for c := range s.Row(0) {
			for i, h := range StatusHeaders {
				if t := s.Text(0, c); t == h.Zh || t == h.En {
					sr.col[i] = c
				}
			}
		}
		if _, ok := sr.col[0]; ok {
			if _, ok := sr.col[1]; ok {
				sr.out = []ReturnStatus{}
			}
		}
		return
	}
	if sr.out == nil {
		return
	}
	at := func(i int) string {
		c, ok := sr.col[i]
		if !ok {
			return ""
		}
		return s.Text(r, c)
	}
	st, ok := ParseReturnState(at(1))
	if at(0) == "" || !ok {
		return
	}
	rs := ReturnStatus{Unit: at(0), State: st, File: at(2), Received: at(3), SHA256: at(4)}
	if n, err := ParseNumber(at(5)); err == nil && n.OK {
		rs.RowsUpdated = int(n.Value)
	}
	if n, err := ParseNumber(at(6)); err == nil && n.OK {
		rs.Findings = int(n.Value)
	}
	sr.out = append(sr.out, rs)
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
