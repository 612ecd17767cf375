package report

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
)

// A return is the part of the master one department fills in: the tasks it
// leads and the indicators it owns. The bureau splits the master into
// returns, the departments fill in the columns below, and the returns are
// matched back to the master row by row. This file splits the master into
// parts; returnmatch.go matches a return to its part, returnstatus.go
// merges the returns and keeps the 报送情况. The workbooks themselves are
// read and written by report/returns.

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
