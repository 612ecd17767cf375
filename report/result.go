package report

import (
	"time"
)

// The result of Analyze, as every output reads it and as the JSON has it.

// Result is a checked, aggregated workbook: what every output renders.
type Result struct {
	Workbook   string            `json:"workbook"`
	Template   string            `json:"template"`
	Title      string            `json:"title"`
	Identity   Identity          `json:"identity"`
	AsOf       Day               `json:"as_of"`
	AsOfSource string            `json:"as_of_source"`
	Cycle      CycleJSON         `json:"cycle"`
	Sheets     map[string]string `json:"sheets"`
	Tasks      TaskSummary       `json:"tasks"`
	Sections   []Group           `json:"sections"`
	Units      []UnitScore       `json:"units"`
	Actions    []ActionGroup     `json:"actions"`
	Indicators []IndicatorResult `json:"indicators"`
	TaskList   []TaskResult      `json:"task_list"`
	Findings   []Finding         `json:"findings"`
	// ReturnStatus is the 报送情况 sheet a collect wrote, where there is one.
	ReturnStatus []ReturnStatus `json:"return_status,omitempty"`

	Data *Data `json:"-"`
}

// Day is a date that marshals as YYYY-MM-DD.
type Day time.Time

// MarshalText writes the day as YYYY-MM-DD.
func (d Day) MarshalText() ([]byte, error) {
	if time.Time(d).IsZero() {
		return []byte(""), nil
	}
	return []byte(time.Time(d).Format(time.DateOnly)), nil
}

func (d Day) String() string { b, _ := d.MarshalText(); return string(b) }

// CycleJSON is the creation period as written in JSON.
type CycleJSON struct {
	Start Day `json:"start"`
	End   Day `json:"end"`
}

// TaskSummary is the whole list's tally.
type TaskSummary struct {
	TaskTotals
	Sections int `json:"sections"`
}

// TaskTotals counts tasks by state.
type TaskTotals struct {
	Total      int     `json:"total"`
	Done       int     `json:"done"`
	Ahead      int     `json:"ahead"`
	OnSchedule int     `json:"on_schedule"`
	Behind     int     `json:"behind"`
	Overdue    int     `json:"overdue"`
	NotStarted int     `json:"not_started"`
	Rate       float64 `json:"rate"` // done / total
}

func (t *TaskTotals) add(s State) {
	t.Total++
	switch s {
	case StateDone:
		t.Done++
	case StateAhead:
		t.Ahead++
	case StateOnSchedule:
		t.OnSchedule++
	case StateBehind:
		t.Behind++
	case StateOverdue:
		t.Overdue++
	case StateNotStarted:
		t.NotStarted++
	}
	t.Rate = Rate(t.Done, t.Total)
}

// Count returns the number of tasks in state s.
func (t TaskTotals) Count(s State) int {
	return [...]int{t.Done, t.Ahead, t.OnSchedule, t.Behind, t.Overdue, t.NotStarted}[s]
}

// Group is the tally of one section, unit or action type.
type Group struct {
	Name string `json:"name"`
	TaskTotals
}

// ActionGroup is the tally of one action type, named by its Chinese word.
type ActionGroup struct {
	Group
	Action Action `json:"-"`
}

// UnitScore is one row of the lead-unit scoreboard.
type UnitScore struct {
	Group
	Lead     int `json:"lead"`     // tasks it leads
	Involved int `json:"involved"` // tasks it shares as a responsible unit
}

// TaskResult is one task's standing at the as-of date.
type TaskResult struct {
	Row      int      `json:"row"` // 1-based, as Excel shows it
	ID       string   `json:"id"`
	Section  string   `json:"section"`
	Name     string   `json:"name"`
	Lead     string   `json:"lead"`
	Deadline string   `json:"deadline"`
	Progress *float64 `json:"progress"`
	Expected float64  `json:"expected"` // 序时进度, points
	State    State    `json:"state"`
	Action   Action   `json:"action"`
	Hash     string   `json:"hash"` // of the task's own text, to match it in another period

	Task *Task `json:"-"`
}

// IndicatorResult is one indicator's attainment.
type IndicatorResult struct {
	Row        int             `json:"row"`
	Category   string          `json:"category,omitempty"`
	Name       string          `json:"name"`
	Unit       string          `json:"unit"`
	Baseline   *float64        `json:"baseline"`
	Target     *float64        `json:"target"`
	TargetText string          `json:"target_text,omitempty"`
	Actual     *float64        `json:"actual"`
	Attainment *float64        `json:"attainment"` // actual/target (逆向: target/actual)
	Growth     *float64        `json:"growth"`     // (actual − baseline)/baseline
	Direction  Direction       `json:"direction"`
	Status     IndicatorStatus `json:"status"`

	Indicator *Indicator `json:"-"`
}
