package report

import (
	"strings"
	"time"
)

// NumFormat is the little of a cell's number format that changes its meaning.
type NumFormat uint8

const (
	FormatGeneral NumFormat = iota
	FormatPercent
	FormatDate
)

// Cell is one cell as read from a workbook.
type Cell struct {
	Text    string    // shared strings resolved; numbers as stored, "0.85"
	Number  bool      // stored as a number rather than text
	Format  NumFormat // percentage or date formats
	Formula bool      // the value is the formula's cached result
	Merged  bool      // copied from the top-left cell of a merged range
	Style   int32     // the file's style (xf) index, for writing it back
}

// Range is a block of cells, 0-based and inclusive.
type Range struct{ R1, C1, R2, C2 int }

// Sheet is a worksheet as a grid, merged ranges already filled in. A
// sheet being streamed holds only some of its rows: Rows[0] is row First.
type Sheet struct {
	Name   string
	Hidden bool
	Rows   [][]Cell
	Merges []Range
	First  int // the 0-based row Rows[0] holds: 0 but while streaming
	// RowsHint is how many rows the package's bytes hold, counted before
	// they stream (0: not counted), to size at once what grows with them.
	RowsHint int

	byRow map[int][]int // row → indexes of the merges that cover it, built on first use
	tall  []int         // merges taller than the index covers
}

// At returns the cell at 0-based row r and column c, or an empty one.
func (s *Sheet) At(r, c int) Cell {
	r -= s.First
	if r < 0 || r >= len(s.Rows) || c < 0 || c >= len(s.Rows[r]) {
		return Cell{}
	}
	return s.Rows[r][c]
}

// Row returns the cells of 0-based row r, nil where it is not held.
func (s *Sheet) Row(r int) []Cell {
	if r -= s.First; r < 0 || r >= len(s.Rows) {
		return nil
	}
	return s.Rows[r]
}

// Len is the number of rows up to the last one held.
func (s *Sheet) Len() int { return s.First + len(s.Rows) }

// Text is the trimmed text at r, c.
func (s *Sheet) Text(r, c int) string { return trimSpace(s.At(r, c).Text) }

// MergeAt returns the merged range holding r, c, if any.
func (s *Sheet) MergeAt(r, c int) (Range, bool) {
	if s.byRow == nil {
		// Indexed by row, so a sheet of many merges is not scanned
		// whole for each row. Tall merges are indexed only on their
		// first rows; the few lookups below them scan.
		s.byRow = map[int][]int{}
		for i, m := range s.Merges {
			for r := m.R1; r <= min(m.R2, m.R1+64); r++ {
				s.byRow[r] = append(s.byRow[r], i)
			}
			if m.R2-m.R1 > 64 {
				s.tall = append(s.tall, i)
			}
		}
	}
	for _, i := range s.byRow[r] {
		if m := s.Merges[i]; c >= m.C1 && c <= m.C2 {
			return m, true
		}
	}
	for _, i := range s.tall {
		if m := s.Merges[i]; r >= m.R1 && r <= m.R2 && c >= m.C1 && c <= m.C2 {
			return m, true
		}
	}
	return Range{}, false
}

// FillMerges copies each merged range's top-left cell into the rest of it,
// so a section merged down over its tasks reads on every task's row.
func (s *Sheet) FillMerges() {
	for _, m := range s.Merges {
		top := s.At(m.R1, m.C1)
		for r := m.R1; r <= m.R2 && r < len(s.Rows); r++ {
			for c := m.C1; c <= m.C2; c++ {
				if r == m.R1 && c == m.C1 {
					continue
				}
				for len(s.Rows[r]) <= c {
					s.Rows[r] = append(s.Rows[r], Cell{})
				}
				cell := top
				cell.Merged = true
				s.Rows[r][c] = cell
			}
		}
	}
}

// Workbook is what a reader hands to Extract.
type Workbook struct {
	Name     string // file name as the user gave it
	Date1904 bool
	Sheets   []*Sheet
	Props    Properties // document properties, for the identity
	// Findings are what the reader noticed itself, such as a formula with
	// no stored result.
	Findings []Finding
}

// Sheet returns the sheet called name, or nil.
func (w *Workbook) Sheet(name string) *Sheet {
	for _, s := range w.Sheets {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// Status is what the unit reported in the status column.
type Status uint8

const (
	StatusNone Status = iota
	StatusDone
	StatusInProgress
	StatusNotStarted
	StatusLagging
)

var statusWords = map[string]Status{
	"已完成": StatusDone, "完成": StatusDone, "全面完成": StatusDone, "已全面完成": StatusDone, "已落实": StatusDone,
	"推进中": StatusInProgress, "进行中": StatusInProgress, "正在推进": StatusInProgress, "持续推进": StatusInProgress,
	"有序推进": StatusInProgress, "按序时推进": StatusInProgress, "正常推进": StatusInProgress,
	"未启动": StatusNotStarted, "未开展": StatusNotStarted, "尚未启动": StatusNotStarted, "未开始": StatusNotStarted,
	"滞后": StatusLagging, "进度滞后": StatusLagging, "推进滞后": StatusLagging,
	"done": StatusDone, "completed": StatusDone, "complete": StatusDone, "finished": StatusDone,
	"inprogress": StatusInProgress, "ongoing": StatusInProgress, "underway": StatusInProgress,
	"notstarted": StatusNotStarted, "delayed": StatusLagging, "lagging": StatusLagging, "behind": StatusLagging,
}

// ParseStatus reads a status word; ok is false for words it does not know.
func ParseStatus(s string) (st Status, ok bool) {
	t := strings.ToLower(squeeze(fold(s)))
	if t == "" {
		return StatusNone, true
	}
	st, ok = statusWords[t]
	return st, ok
}

// Action tells a task prescribed by the province from one the city chose.
type Action uint8

const (
	ActionNone Action = iota
	ActionPrescribed
	ActionSelf
)

var actionWords = map[string]Action{
	"规定动作": ActionPrescribed, "规定": ActionPrescribed, "必选动作": ActionPrescribed,
	"自选动作": ActionSelf, "自选": ActionSelf, "特色动作": ActionSelf,
	"prescribed": ActionPrescribed, "required": ActionPrescribed, "self-selected": ActionSelf,
	"selfselected": ActionSelf, "optional": ActionSelf,
}

// ParseAction reads 规定动作 or 自选动作.
func ParseAction(s string) (Action, bool) {
	t := strings.ToLower(squeeze(fold(s)))
	if t == "" {
		return ActionNone, true
	}
	a, ok := actionWords[t]
	return a, ok
}

// Direction says whether more is better.
type Direction uint8

const (
	Positive Direction = iota // 正向
	Negative                  // 逆向
)

// ParseDirection reads 正向 or 逆向; blank is 正向.
func ParseDirection(s string) (Direction, bool) {
	switch strings.ToLower(squeeze(fold(s))) {
	case "", "正向", "正", "越大越好", "higher", "positive", "+":
		return Positive, true
	case "逆向", "负向", "逆", "越小越好", "lower", "negative", "-":
		return Negative, true
	}
	return Positive, false
}

// State is a task's assessed standing at the as-of date.
type State uint8

const (
	StateDone State = iota
	StateAhead
	StateOnSchedule
	StateBehind
	StateOverdue
	StateNotStarted
)

// States lists every state in report order.
var States = []State{StateDone, StateAhead, StateOnSchedule, StateBehind, StateOverdue, StateNotStarted}

// Task is one row of the responsibility list.
type Task struct {
	Row       int // 0-based row in the sheet
	ID        string
	Section   string
	Name      string
	Content   string
	Objective string
	Start     Date
	Deadline  Date
	Lead      string
	Units     []string
	Action    Action
	Status    Status
	Progress  Number // points, 0–100
	Note      string
	Remarks   string
	Cells     CellRefs // where each column's cell is
}

// Indicator is one row of the indicator system.
type Indicator struct {
	Row       int
	ID        string
	Category  string
	Name      string
	Unit      string
	Baseline  Number
	Target    Number
	Actual    Number
	Direction Direction
	Kind      string
	Source    string
	Owner     string
	Cells     CellRefs
}

// CellRefs locates a row's cells: the sheet's column map, shared by every
// row, and the row. One map per task would cost 100 MB at 100,000 tasks.
type CellRefs struct {
	cols map[string]int
	row  int
}

// Get returns the A1 reference of the cell in column key, or "".
func (c CellRefs) Get(key string) string {
	col, ok := c.cols[key]
	if !ok {
		return ""
	}
	return CellName(col, c.row)
}

// Unit is one entry of the unit list.
type Unit struct {
	Name    string
	Short   string
	Type    string
	Contact string // 联系人, who a reminder is addressed to
	Email   string // 邮箱, where it goes
}

// Data is everything Extract found in a workbook.
type Data struct {
	Workbook   string
	Date1904   bool
	Sheets     map[string]string // role → sheet name
	Title      string            // the tasks sheet's title row
	TitleCell  string
	Bureau     string // the office a "填报单位：…" line names
	BureauCell string
	Identity   Identity
	Declared   Counts    // counts the title declares ("9大板块39项任务")
	DeclaredAt string    // cell of that title
	AsOf       time.Time // date the workbook declares (截至…), or zero
	AsOfCell   string
	Tasks      []Task
	Indicators []Indicator
	Units      []Unit
	// SectionDeclared holds task counts declared in section rows ("（5项）").
	SectionDeclared map[string]Declared
	// Columns maps role → column key → 0-based column index found.
	Columns map[string]map[string]int
	// HeaderRow maps role → 0-based index of the last header row.
	HeaderRow map[string]int
	// HeaderTop maps role → 0-based index of the first header row.
	HeaderTop map[string]int
	// Width maps role → number of columns the sheet uses.
	Width map[string]int
	// TaskHeader holds the texts of the tasks sheet's header rows, top
	// to bottom, for the updated workbook.
	TaskHeader [][]string
	// SheetRows holds the rows read of every sheet, by name, where the
	// workbook was streamed rather than held whole (nil otherwise).
	SheetRows map[string]int

	kept *kept // what a streamed workbook keeps of its cells (see KeptCell)
}

// Counts are how many sections and tasks there are.
type Counts struct {
	Sections int `json:"sections"`
	Tasks    int `json:"tasks"`
}

// Declared is a count written in the sheet, with where it was written.
type Declared struct {
	Count int
	Cell  string
}
