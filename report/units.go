package report

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// The lead-unit scoreboard, and the unit names checked against the list.

// groupWords stand for several units at once.
var groupWords = []string{"各区县政府", "各区县", "各县（市、区）政府", "各县（市、区）", "各县(市、区)政府", "各区县人民政府", "各园区", "各相关部门", "相关部门", "各有关部门"}

// unitIndex maps every spelling of a unit (name, short name) to its name.
type unitIndex map[string]string

func (c *checker) unitIndex() unitIndex {
	idx := unitIndex{}
	for _, u := range c.data.Units {
		idx[squeeze(fold(u.Name))] = u.Name
		if u.Short != "" {
			for _, s := range SplitUnits(u.Short) {
				idx[squeeze(fold(s))] = u.Name
			}
		}
	}
	return idx
}

func (idx unitIndex) canonical(name string) (string, bool) {
	if n, ok := idx[squeeze(fold(name))]; ok {
		return n, true
	}
	return name, len(idx) == 0
}

func (c *checker) units() {
	idx := c.unitIndex()
	scores := map[string]*UnitScore{}
	get := func(name string) *UnitScore {
		s := scores[name]
		if s == nil {
			s = &UnitScore{Group: Group{Name: name}}
			scores[name] = s
		}
		return s
	}
	unknown := func(cells CellRefs, role, key, name string) {
		c.add(Warning, RuleUnknownUnit, role, cells, key, c.header(role, key), name, Text{
			fmt.Sprintf("单位“%s”不在单位名单中，请核对名称或补入名单", name),
			fmt.Sprintf("unit %q is not in the unit list: check the name or add it to the list", name),
		})
	}
	for i, tr := range c.res.TaskList {
		t := tr.Task
		if t.Lead != "" {
			name, ok := idx.canonical(t.Lead)
			if !ok && !contains(groupWords, t.Lead) {
				unknown(t.Cells, "tasks", "lead", t.Lead)
			}
			c.res.TaskList[i].Lead = name
			s := get(name)
			s.Lead++
			s.add(tr.State)
		}
		for _, u := range t.Units {
			name, ok := idx.canonical(u)
			switch {
			case contains(groupWords, u):
				continue
			case !ok:
				unknown(t.Cells, "tasks", "units", u)
			}
			if name != c.res.TaskList[i].Lead {
				get(name).Involved++
			}
		}
	}
	if len(idx) > 0 {
		for i := range c.data.Indicators {
			ind := &c.data.Indicators[i]
			for _, u := range SplitUnits(ind.Owner) {
				if _, ok := idx.canonical(u); !ok && !contains(groupWords, u) {
					unknown(ind.Cells, "indicators", "owner", u)
				}
			}
		}
	}
	for _, s := range scores {
		if s.Lead > 0 {
			s.Group.Total = s.Lead
		}
		c.res.Units = append(c.res.Units, *s)
	}
	slices.SortFunc(c.res.Units, func(a, b UnitScore) int {
		return cmp.Or(
			cmp.Compare(b.Lead, a.Lead),
			cmp.Compare(b.Rate, a.Rate),
			cmp.Compare(a.Overdue, b.Overdue),
			strings.Compare(a.Name, b.Name),
		)
	})
	if c.res.Units == nil {
		c.res.Units = []UnitScore{}
	}
}
