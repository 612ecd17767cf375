package report

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"
)

// UnmarshalText reads YYYY-MM-DD; blank is the zero day.
func (d *Day) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Day{}
		return nil
	}
	t, err := time.Parse(time.DateOnly, string(b))
	if err != nil {
		return err
	}
	*d = Day(t)
	return nil
}

// TaskHash fingerprints what a task is (its section, name, content and
// objective), not how far it has got, so the same task is recognised in
// another period, and a task whose wording changed is not taken for it.
func TaskHash(t *Task) string {
	// The four texts hashed as one run of bytes, on the stack where they
	// fit: every task is hashed, and a hasher, a buffer and a sum made
	// each time were a tenth of what a check allocates.
	var arr [512]byte
	buf := arr[:0]
	for _, s := range [...]string{t.Section, t.Name, t.Content, t.Objective} {
		buf = append(appendWords(buf, s), 0)
	}
	sum := sha256.Sum256(buf)
	return hex.EncodeToString(sum[:8])
}

// appendWords appends the words of s joined by single spaces, as
// strings.Join(strings.Fields(s), " ") gives them, without their slices:
// every task is hashed.
func appendWords(dst []byte, s string) []byte {
	if !hasSpace(s) { // most texts: one word
		return append(dst, s...)
	}
	start := len(dst)
	for w := range strings.FieldsSeq(s) {
		if len(dst) > start {
			dst = append(dst, ' ')
		}
		dst = append(dst, w...)
	}
	return dst
}

// Snapshot is what a later period is compared with: the figures of one
// period, small enough to keep and read back from the archive.
type Snapshot struct {
	AsOf       Day             `json:"as_of"`
	Workbook   string          `json:"workbook"`
	Tasks      TaskTotals      `json:"tasks"`
	TaskList   []SnapTask      `json:"task_list"`
	Indicators []SnapIndicator `json:"indicators"`
}

// SnapTask is one task of a snapshot.
type SnapTask struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Hash  string `json:"hash"`
	State State  `json:"state"`
}

// SnapIndicator is one indicator's value reached in a snapshot.
type SnapIndicator struct {
	Name       string   `json:"name"`
	Unit       string   `json:"unit"`
	Actual     *float64 `json:"actual"`
	Attainment *float64 `json:"attainment"`
}

// Snapshot takes the comparable part of a result.
func (r *Result) Snapshot() Snapshot {
	s := Snapshot{AsOf: r.AsOf, Workbook: r.Workbook, Tasks: r.Tasks.TaskTotals,
		TaskList: make([]SnapTask, 0, len(r.TaskList)), Indicators: make([]SnapIndicator, 0, len(r.Indicators))}
	for _, t := range r.TaskList {
		s.TaskList = append(s.TaskList, SnapTask{ID: t.ID, Name: t.Name, Hash: t.Hash, State: t.State})
	}
	for _, in := range r.Indicators {
		s.Indicators = append(s.Indicators, SnapIndicator{Name: in.Name, Unit: in.Unit, Actual: in.Actual, Attainment: in.Attainment})
	}
	return s
}

// ParseSnapshot reads a snapshot from a result's JSON, as the archive keeps
// it. The archive is a file on disk, so nothing in it is believed unchecked:
// unknown states, impossible counts and non-finite numbers are refused.
func ParseSnapshot(data []byte) (Snapshot, error) {
	var s Snapshot
	if err := json.Unmarshal(data, &s); err != nil {
		return Snapshot{}, fmt.Errorf("report: snapshot: %w", err)
	}
	if time.Time(s.AsOf).IsZero() {
		return Snapshot{}, fmt.Errorf("report: snapshot: no as_of date")
	}
	t := s.Tasks
	if t.Total < 0 || t.Done < 0 || t.Done > t.Total || len(s.TaskList) != t.Total ||
		math.IsNaN(t.Rate) || t.Rate < 0 || t.Rate > 1 {
		return Snapshot{}, fmt.Errorf("report: snapshot: inconsistent task totals")
	}
	for _, in := range s.Indicators {
		if !finite(in.Actual) || !finite(in.Attainment) {
			return Snapshot{}, fmt.Errorf("report: snapshot: indicator %q has no finite value", in.Name)
		}
	}
	return s, nil
}

// Comparison is what changed since the previous period.
type Comparison struct {
	Previous struct {
		AsOf     Day     `json:"as_of"`
		Workbook string  `json:"workbook"`
		Rate     float64 `json:"rate"` // its completion rate, for the 上期 column
	} `json:"previous"`
	Tasks      TaskChanges       `json:"tasks"`
	Indicators []IndicatorChange `json:"indicators"`
}

// TaskChanges lists tasks by id.
type TaskChanges struct {
	DoneDelta       int      `json:"done_delta"`
	RateDeltaPoints float64  `json:"rate_delta_points"` // percentage points, one decimal
	NewlyDone       []string `json:"newly_done"`
	NewlyOverdue    []string `json:"newly_overdue"`
	// Regressed were done and are no longer, or were on or ahead of
	// schedule and have fallen behind.
	Regressed []string `json:"regressed"`
	Added     []string `json:"added"`   // not in the previous period, or reworded since
	Removed   []string `json:"removed"` // in the previous period only
}

// IndicatorChange is one indicator's value reached then and now.
type IndicatorChange struct {
	Name     string   `json:"name"`
	Unit     string   `json:"unit"`
	Previous *float64 `json:"previous"`
	Actual   *float64 `json:"actual"`
	Delta    *float64 `json:"delta"`
}

// Compare says what changed from prev to cur. Tasks match by id and the
// hash of their text; indicators by name and unit.
func Compare(prev, cur Snapshot) *Comparison {
	c := &Comparison{}
	c.Previous.AsOf, c.Previous.Workbook, c.Previous.Rate = prev.AsOf, prev.Workbook, prev.Tasks.Rate
	c.Tasks = TaskChanges{
		DoneDelta:       cur.Tasks.Done - prev.Tasks.Done,
		RateDeltaPoints: RateDelta(cur.Tasks.Rate, prev.Tasks.Rate),
		NewlyDone:       []string{}, NewlyOverdue: []string{}, Regressed: []string{},
		Added: []string{}, Removed: []string{},
	}
	key := func(t SnapTask) string { return t.ID + "\x00" + t.Hash }
	before := make(map[string]SnapTask, len(prev.TaskList))
	for _, t := range prev.TaskList {
		before[key(t)] = t
	}
	seen := make(map[string]bool, len(cur.TaskList))
	for _, t := range cur.TaskList {
		k := key(t)
		seen[k] = true
		p, ok := before[k]
		if !ok {
			c.Tasks.Added = append(c.Tasks.Added, t.ID)
			continue
		}
		was, now := p.State, t.State
		switch {
		case now == StateDone && was != StateDone:
			c.Tasks.NewlyDone = append(c.Tasks.NewlyDone, t.ID)
		case was == StateDone && now != StateDone:
			c.Tasks.Regressed = append(c.Tasks.Regressed, t.ID)
		case now == StateOverdue && was != StateOverdue:
			c.Tasks.NewlyOverdue = append(c.Tasks.NewlyOverdue, t.ID)
		case (was == StateAhead || was == StateOnSchedule) && now == StateBehind:
			c.Tasks.Regressed = append(c.Tasks.Regressed, t.ID)
		}
	}
	for _, t := range prev.TaskList {
		if !seen[key(t)] {
			c.Tasks.Removed = append(c.Tasks.Removed, t.ID)
		}
	}
	then := map[string]*float64{}
	for _, in := range prev.Indicators {
		then[in.Name+"\x00"+in.Unit] = in.Actual
	}
	c.Indicators = []IndicatorChange{}
	for _, in := range cur.Indicators {
		p, ok := then[in.Name+"\x00"+in.Unit]
		if !ok {
			continue
		}
		ch := IndicatorChange{Name: in.Name, Unit: in.Unit, Previous: p, Actual: in.Actual}
		if p != nil && in.Actual != nil {
			ch.Delta = ptr(round(*in.Actual-*p, 6))
		}
		c.Indicators = append(c.Indicators, ch)
	}
	return c
}

func finite(p *float64) bool {
	return p == nil || !math.IsNaN(*p) && !math.IsInf(*p, 0)
}
