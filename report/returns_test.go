package report

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestStateOf(t *testing.T) {
	at := func(s string) time.Time {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	for _, c := range []struct {
		received, deadline string
		want               ReturnState
	}{
		{"2022-01-10T23:59:59Z", "2022-01-10", ReturnOnTime}, // the whole day counts
		{"2022-01-11T00:00:00Z", "2022-01-10", ReturnLate},
		{"2030-01-01T00:00:00Z", "", ReturnOnTime}, // no deadline, never late
	} {
		t.Run(c.received, func(t *testing.T) {
			if got := StateOf(at(c.received), c.deadline); got != c.want {
				t.Errorf("StateOf(%s, %q) = %s, want %s", c.received, c.deadline, got.String(), c.want.String())
			}
		})
	}
	for _, st := range []ReturnState{ReturnMissing, ReturnOnTime, ReturnLate} {
		for _, s := range []string{st.String(), st.Label(Zh), st.Label(En)} {
			if got, ok := ParseReturnState(s); !ok || got != st {
				t.Errorf("ParseReturnState(%q) = %v %v", s, got, ok)
			}
		}
	}
}

// Collect: a unit's later return replaces its earlier one whole; where two
// units write one cell, the later wins and the earlier is told.
func TestCollectOrder(t *testing.T) {
	up := func(cell, to, unit, file, rcell string) CellUpdate {
		return CellUpdate{Sheet: "任务清单", Cell: cell, To: to, Unit: unit, File: file, ReturnSheet: "任务清单", ReturnCell: rcell, row: int(cell[1] - '0')}
	}
	a1 := &ReturnOutcome{Unit: "甲", File: "a1.xlsx", Updates: []CellUpdate{up("K5", "50", "甲", "a1.xlsx", "K5")}}
	b := &ReturnOutcome{Unit: "乙", File: "b.xlsx", Updates: []CellUpdate{up("K6", "70", "乙", "b.xlsx", "K5"), up("L6", "x", "乙", "b.xlsx", "L5")}}
	a2 := &ReturnOutcome{Unit: "甲", File: "a2.xlsx", Updates: []CellUpdate{up("K5", "60", "甲", "a2.xlsx", "K5"), up("K6", "80", "甲", "a2.xlsx", "K6")}}
	parts := []UnitPart{{Unit: "甲"}, {Unit: "乙"}, {Unit: "丙"}}
	c := Collect(parts, []*ReturnOutcome{a1, b, a2})
	var got []string
	for _, u := range c.Updates {
		got = append(got, u.Cell+"="+u.To+"@"+u.File)
	}
	slices.Sort(got)
	if want := []string{"K5=60@a2.xlsx", "K6=80@a2.xlsx", "L6=x@b.xlsx"}; !slices.Equal(got, want) {
		t.Errorf("updates %v, want %v", got, want)
	}
	if a1.Superseded != "a2.xlsx" || len(a1.Findings) != 1 || a1.Findings[0].Rule != RuleReturnDuplicate {
		t.Errorf("a1: %+v", a1)
	}
	if len(b.Findings) != 1 || b.Findings[0].Rule != RuleReturnConflict || b.Findings[0].Cell != "K5" {
		t.Errorf("b: %+v", b.Findings)
	}
	if c.RowsUpdated(b) != 1 || c.RowsUpdated(a2) != 2 || c.RowsUpdated(a1) != 0 {
		t.Errorf("rows updated: a1 %d b %d a2 %d", c.RowsUpdated(a1), c.RowsUpdated(b), c.RowsUpdated(a2))
	}
	if !slices.Equal(c.Missing, []string{"丙"}) {
		t.Errorf("missing %v", c.Missing)
	}
	st := c.Status(parts, "")
	if len(st) != 3 || st[0].File != "a2.xlsx" || st[2].State != ReturnMissing {
		t.Errorf("status %+v", st)
	}
}

func TestTemplateReturnsDeadline(t *testing.T) {
	base := "name: x\ncycle: {start: 2020-01-01, end: 2021-12-31}\nsheets:\n  tasks:\n    columns:\n      - {key: id, headers: [序号]}\n"
	tm, err := ParseTemplate("t.yaml", []byte(base+"returns:\n  deadline: 2022-01-10\n  password: pw\n"))
	if err != nil || tm.Returns.Deadline != "2022-01-10" || tm.Returns.Password != "pw" {
		t.Fatalf("%+v %v", tm, err)
	}
	_, err = ParseTemplate("t.yaml", []byte(base+"returns:\n  deadline: 下月初\n"))
	if err == nil || !strings.Contains(err.Error(), "t.yaml:8: returns.deadline") {
		t.Errorf("a bad deadline: %v", err)
	}
}
