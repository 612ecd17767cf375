package report

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Severity orders findings; a run fails at or above a chosen one.
type Severity uint8

const (
	Info Severity = iota
	Warning
	Error
)

// Rule ids, stable: scripts and the findings sheet key on them.
const (
	RuleMissingSheet       = "missing-sheet"
	RuleMissingColumn      = "missing-column"
	RuleRequired           = "required"
	RuleType               = "type"
	RuleDate               = "date"
	RuleEnum               = "enum"
	RuleRange              = "range"
	RuleDuplicateID        = "duplicate-id"
	RuleStatusProgress     = "status-progress"
	RuleDeadlineAfterCycle = "deadline-after-cycle"
	RuleOverdue            = "overdue"
	RuleBehindSchedule     = "behind-schedule"
	RuleMissingActual      = "missing-actual"
	RuleTargetBelowBase    = "target-below-baseline"
	RuleCountMismatch      = "count-mismatch"
	RuleUnknownUnit        = "unknown-unit"
	RuleUnprintable        = "unprintable-char"
	RuleIdentity           = "identity"
	RuleFormulaComputed    = "formula-computed"
	RuleFormulaUncached    = "formula-uncached"
)

// Finding is one thing wrong or worth knowing, pinned to a cell.
type Finding struct {
	Severity Severity `json:"severity"`
	Rule     string   `json:"rule"`
	Sheet    string   `json:"sheet"`
	Cell     string   `json:"cell"`
	Header   string   `json:"header,omitempty"`
	Value    string   `json:"value,omitempty"`
	Message  Text     `json:"messages"`
}

// Where is the finding's sheet!cell.
func (f Finding) Where() string { return Ref(f.Sheet, f.Cell) }

// CellName turns 0-based column and row into an A1 reference.
func CellName(col, row int) string { return ColumnName(col) + strconv.Itoa(row+1) }

// ColumnName turns a 0-based column index into letters: 0 → A, 26 → AA.
func ColumnName(col int) string {
	var b []byte
	for col++; col > 0; col = (col - 1) / 26 {
		b = append([]byte{byte('A' + (col-1)%26)}, b...)
	}
	return string(b)
}

// cellOrder sorts cell references by row, then column: "B2" before "A10".
func cellOrder(a, b string) int {
	ca, ra := splitCell(a)
	cb, rb := splitCell(b)
	if ra != rb {
		return cmp.Compare(ra, rb)
	}
	if len(ca) != len(cb) {
		return cmp.Compare(len(ca), len(cb))
	}
	return strings.Compare(ca, cb)
}

func splitCell(s string) (string, int) {
	i := strings.IndexFunc(s, func(r rune) bool { return r >= '0' && r <= '9' })
	if i < 0 {
		return s, 0
	}
	n, _ := strconv.Atoi(s[i:])
	return s[:i], n
}

// SortFindings orders findings by severity (worst first), then sheet order
// as given, then cell, then rule, so output is stable.
func SortFindings(fs []Finding, sheetOrder []string) {
	idx := func(s string) int {
		if i := slices.Index(sheetOrder, s); i >= 0 {
			return i
		}
		return len(sheetOrder)
	}
	slices.SortStableFunc(fs, func(a, b Finding) int {
		return cmp.Or(
			cmp.Compare(b.Severity, a.Severity),
			cmp.Compare(idx(a.Sheet), idx(b.Sheet)),
			strings.Compare(a.Sheet, b.Sheet),
			cellOrder(a.Cell, b.Cell),
			strings.Compare(a.Rule, b.Rule),
		)
	})
}

// Counts of findings by severity.
func CountBySeverity(fs []Finding) (errs, warns, infos int) {
	for _, f := range fs {
		switch f.Severity {
		case Error:
			errs++
		case Warning:
			warns++
		default:
			infos++
		}
	}
	return
}

// quote shortens a cell value for a message.
func quote(v string) string {
	r := []rune(strings.TrimSpace(v))
	if len(r) > 24 {
		return fmt.Sprintf("“%s…”", string(r[:24]))
	}
	return fmt.Sprintf("“%s”", string(r))
}
