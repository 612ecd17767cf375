package report

import (
	"fmt"
	"strings"
)

// The report's vocabulary: each noun that has labels in two languages, a
// colour or a JSON form is a type here, and the PDF, the workbook, the
// mail and the text output ask the type rather than spelling it again.
// Where a table is indexed by a constant, a guard beside it breaks the
// build if the constants move (as x/tools' stringer writes).

// Lang is a language the report is written in.
type Lang string

const (
	Zh Lang = "zh"
	En Lang = "en"
)

// Langs lists the languages, Chinese first.
var Langs = []Lang{Zh, En}

// ParseLang reads "zh" or "en".
func ParseLang(s string) (Lang, bool) {
	switch Lang(s) {
	case Zh, En:
		return Lang(s), true
	}
	return Zh, false
}

// Label names the language in the language in.
func (l Lang) Label(in Lang) string {
	if l == En {
		return Text{"英文", "English"}.In(in)
	}
	return Text{"中文", "Chinese"}.In(in)
}

// MarshalText writes "zh" or "en".
func (l Lang) MarshalText() ([]byte, error) { return []byte(l), nil }

// UnmarshalText reads "zh" or "en", refusing any other.
func (l *Lang) UnmarshalText(b []byte) error {
	v, ok := ParseLang(string(b))
	if !ok {
		return fmt.Errorf("report: unknown language %q (zh or en)", b)
	}
	*l = v
	return nil
}

// Role is the part a sheet plays in the workbook, as a template names it.
type Role string

const (
	RoleTasks      Role = "tasks"
	RoleIndicators Role = "indicators"
	RoleUnits      Role = "units"
)

// Roles are the sheets a template can name, in the order they are read.
var Roles = []Role{RoleTasks, RoleIndicators, RoleUnits}

// ParseRole reads a role's name.
func ParseRole(s string) (Role, bool) {
	for _, r := range Roles {
		if string(r) == s {
			return r, true
		}
	}
	return "", false
}

// Label names the sheet as the bureau does.
func (r Role) Label(l Lang) string {
	switch r {
	case RoleTasks:
		return Text{"任务清单", "task list"}.In(l)
	case RoleIndicators:
		return Text{"指标体系", "indicator sheet"}.In(l)
	}
	return Text{"单位名单", "unit list"}.In(l)
}

// MarshalText writes the role's name.
func (r Role) MarshalText() ([]byte, error) { return []byte(r), nil }

// UnmarshalText reads a role's name, refusing an unknown one.
func (r *Role) UnmarshalText(b []byte) error {
	v, ok := ParseRole(string(b))
	if !ok {
		return fmt.Errorf("report: unknown sheet role %q", b)
	}
	*r = v
	return nil
}

func _() {
	// An "invalid array index" compiler error signifies that the constant values have changed.
	var x [1]struct{}
	_ = x[StateDone-0]
	_ = x[StateAhead-1]
	_ = x[StateOnSchedule-2]
	_ = x[StateBehind-3]
	_ = x[StateOverdue-4]
	_ = x[StateNotStarted-5]
}

// stateNames are the states' JSON keys, labels, chart colours and cell
// fills (RRGGBB; the fills lighter, for text on them).
var stateNames = [...]struct {
	key         string
	label       Text
	color, fill string
}{
	{"done", Text{"已完成", "done"}, "2E7D32", "C6EFCE"},
	{"ahead", Text{"超进度", "ahead"}, "66BB6A", "E2F0D9"},
	{"on_schedule", Text{"达进度", "on schedule"}, "90CAF9", "DDEBF7"},
	{"behind", Text{"欠进度", "behind"}, "FFB300", "FFEB9C"},
	{"overdue", Text{"逾期", "overdue"}, "E53935", "FFC7CE"},
	{"not_started", Text{"未启动", "not started"}, "9E9E9E", "E7E6E6"},
}

// String is the state's stable key, used in JSON.
func (s State) String() string { return stateNames[s].key }

// Label names the state as the bureau does.
func (s State) Label(l Lang) string { return stateNames[s].label.In(l) }

// Color is the state's colour in charts, as RRGGBB.
func (s State) Color() string { return stateNames[s].color }

// Fill is the state's cell fill, as the updated workbook colours it.
func (s State) Fill() string { return stateNames[s].fill }

// MarshalText writes the state's key.
func (s State) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a state's key.
func (s *State) UnmarshalText(b []byte) error {
	v, ok := ParseState(string(b))
	if !ok {
		return fmt.Errorf("report: unknown task state %q", b)
	}
	*s = v
	return nil
}

// ParseState reads a state's key.
func ParseState(s string) (State, bool) {
	for _, st := range States {
		if stateNames[st].key == s {
			return st, true
		}
	}
	return 0, false
}

// IndicatorStatus is how an indicator stands against its target.
type IndicatorStatus uint8

const (
	IndicatorMet IndicatorStatus = iota
	IndicatorNearlyMet
	IndicatorNotMet
	IndicatorPending
	IndicatorNoData
	IndicatorNoTarget
)

// IndicatorStatuses lists every status in report order.
var IndicatorStatuses = []IndicatorStatus{IndicatorMet, IndicatorNearlyMet, IndicatorNotMet, IndicatorPending, IndicatorNoData, IndicatorNoTarget}

func _() {
	// An "invalid array index" compiler error signifies that the constant values have changed.
	var x [1]struct{}
	_ = x[IndicatorMet-0]
	_ = x[IndicatorNearlyMet-1]
	_ = x[IndicatorNotMet-2]
	_ = x[IndicatorPending-3]
	_ = x[IndicatorNoData-4]
	_ = x[IndicatorNoTarget-5]
}

var indicatorNames = [...]struct {
	key   string
	label Text
	mark  string
}{
	{"met", Text{"已达标", "met"}, ""},
	{"nearly_met", Text{"基本达标", "nearly met"}, "warn"},
	{"not_met", Text{"未达标", "not met"}, "bad"},
	{"pending", Text{"待统计", "pending"}, "warn"},
	{"no_data", Text{"未填报", "no data"}, "bad"},
	{"no_target", Text{"无目标值", "no target"}, ""},
}

// String is the status's stable key, used in JSON.
func (s IndicatorStatus) String() string { return indicatorNames[s].key }

// Label names the status as the bureau does.
func (s IndicatorStatus) Label(l Lang) string { return indicatorNames[s].label.In(l) }

// Mark is how a table row showing the status is marked: "bad" for one
// that needs action, "warn" for one to watch, "" for neither.
func (s IndicatorStatus) Mark() string { return indicatorNames[s].mark }

// MarshalText writes the status's key.
func (s IndicatorStatus) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a status's key.
func (s *IndicatorStatus) UnmarshalText(b []byte) error {
	for _, st := range IndicatorStatuses {
		if indicatorNames[st].key == string(b) {
			*s = st
			return nil
		}
	}
	return fmt.Errorf("report: unknown indicator status %q", b)
}

// TallyIndicators counts indicators by status.
func TallyIndicators(inds []IndicatorResult) [len(indicatorNames)]int {
	var n [len(indicatorNames)]int
	for _, ind := range inds {
		n[ind.Status]++
	}
	return n
}

func _() {
	// An "invalid array index" compiler error signifies that the constant values have changed.
	var x [1]struct{}
	_ = x[Positive-0]
	_ = x[Negative-1]
}

var directionNames = [...]struct {
	key   string
	label Text
}{
	{"positive", Text{"正向", "positive"}},
	{"negative", Text{"逆向", "negative"}},
}

// String is the direction's stable key, used in JSON.
func (d Direction) String() string { return directionNames[d].key }

// Label names the direction as the bureau does.
func (d Direction) Label(l Lang) string { return directionNames[d].label.In(l) }

// MarshalText writes the direction's key.
func (d Direction) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads a direction's key.
func (d *Direction) UnmarshalText(b []byte) error {
	for i, n := range directionNames {
		if n.key == string(b) {
			*d = Direction(i)
			return nil
		}
	}
	return fmt.Errorf("report: unknown direction %q", b)
}

func _() {
	// An "invalid array index" compiler error signifies that the constant values have changed.
	var x [1]struct{}
	_ = x[ActionNone-0]
	_ = x[ActionPrescribed-1]
	_ = x[ActionSelf-2]
}

var actionNames = [...]Text{
	{"未分类", "unclassified"},
	{"规定动作", "prescribed"},
	{"自选动作", "self-selected"},
}

// Actions lists the action types in report order.
var Actions = []Action{ActionPrescribed, ActionSelf, ActionNone}

// Label names the action type.
func (a Action) Label(l Lang) string { return actionNames[a].In(l) }

// MarshalText writes the Chinese label, as the JSON always has: the
// action type is the workbook's own word, not a key.
func (a Action) MarshalText() ([]byte, error) { return []byte(actionNames[a].Zh), nil }

// UnmarshalText reads an action's label or any word ParseAction knows.
func (a *Action) UnmarshalText(b []byte) error {
	s := string(b)
	for i, n := range actionNames {
		if s == n.Zh || s == n.En {
			*a = Action(i)
			return nil
		}
	}
	v, ok := ParseAction(s)
	if !ok {
		return fmt.Errorf("report: unknown action type %q", b)
	}
	*a = v
	return nil
}

func _() {
	// An "invalid array index" compiler error signifies that the constant values have changed.
	var x [1]struct{}
	_ = x[Info-0]
	_ = x[Warning-1]
	_ = x[Error-2]
}

// severityNames are the severities' keys, labels and the fills (RRGGBB)
// of the cells they mark in the updated workbook.
var severityNames = [...]struct {
	key   string
	label Text
	fill  string
}{
	{"info", Text{"提示", "info"}, "DDEBF7"},
	{"warning", Text{"警告", "warning"}, "FFEB9C"},
	{"error", Text{"错误", "error"}, "FFC7CE"},
}

func (s Severity) String() string { return severityNames[s].key }

// Label names the severity.
func (s Severity) Label(l Lang) string { return severityNames[s].label.In(l) }

// Fill is the colour of a cell with a finding of this severity.
func (s Severity) Fill() string { return severityNames[s].fill }

// MarshalText writes the severity as its name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// ParseSeverity reads "error", "warning" or "info".
func ParseSeverity(s string) (Severity, bool) {
	for i, n := range severityNames {
		if n.key == s {
			return Severity(i), true
		}
	}
	return 0, false
}

func _() {
	// An "invalid array index" compiler error signifies that the constant values have changed.
	var x [1]struct{}
	_ = x[ReturnMissing-0]
	_ = x[ReturnOnTime-1]
	_ = x[ReturnLate-2]
}

var returnNames = [...]struct {
	key   string
	label Text
	color string
}{
	{"missing", Text{"未报", "not reported"}, "FFC7CE"},
	{"on_time", Text{"已报", "reported"}, "C6EFCE"},
	{"late", Text{"逾期报", "reported late"}, "FFEB9C"},
}

// ReturnStates lists every return state.
var ReturnStates = []ReturnState{ReturnMissing, ReturnOnTime, ReturnLate}

// String is the state's stable key, used in JSON.
func (s ReturnState) String() string { return returnNames[s].key }

// Label names the state as the bureau does.
func (s ReturnState) Label(l Lang) string { return returnNames[s].label.In(l) }

// Color is the state's fill in the 报送情况 sheet, as RRGGBB.
func (s ReturnState) Color() string { return returnNames[s].color }

// MarshalText writes the key.
func (s ReturnState) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a label or key back.
func (s *ReturnState) UnmarshalText(b []byte) error {
	v, ok := ParseReturnState(string(b))
	if !ok {
		return fmt.Errorf("report: unknown return state %q", b)
	}
	*s = v
	return nil
}

// ParseReturnState reads a label or key back.
func ParseReturnState(s string) (ReturnState, bool) {
	s = strings.TrimSpace(s)
	for _, st := range ReturnStates {
		if n := returnNames[st]; s == n.key || s == n.label.Zh || s == n.label.En {
			return st, true
		}
	}
	return 0, false
}
