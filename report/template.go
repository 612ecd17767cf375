package report

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Column types a template may give.
var columnTypes = map[string]bool{
	"text": true, "id": true, "date": true, "number": true, "progress": true, "status": true,
	"action": true, "units": true, "unit": true, "direction": true,
}

// Template says where a workbook keeps its tables and how the report speaks.
type Template struct {
	Source string `yaml:"-"` // file it came from, for messages
	Name   string `yaml:"name"`
	// City, Title and Bureau fix the report's identity where the
	// workbook does not say it, or says it wrongly; blank, the workbook's
	// own title rows and document properties are used.
	City   string `yaml:"city"`
	Title  Text   `yaml:"title"`
	Bureau Text   `yaml:"bureau"`
	Cycle  Cycle  `yaml:"cycle"`
	Expect Counts `yaml:"expect"`
	// Districts is read and dropped: templates written before the
	// identity came from the workbook list the districts here, and the
	// decoder refuses unknown keys (KnownFields), so without the field
	// those templates would no longer load. Nothing uses its value.
	Districts []string `yaml:"districts"`
	Headline  []string `yaml:"headline"` // indicators shown as tiles, by name
	// Notify is who watch mails when a workbook cannot be built or a
	// mail cannot be delivered (-notify-to overrides it).
	Notify []string `yaml:"notify"`

	Returns ReturnsSpec `yaml:"returns"` // the departments' returns: see returns.go

	Sheets map[string]*SheetSpec `yaml:"sheets"`
	Texts  map[string]Text       `yaml:"texts"` // Go text/template sources, by use
	// ChapterBreak starts each chapter of the report on a new page.
	ChapterBreak bool `yaml:"chapter_break"`
}

// Cycle is the creation period.
type Cycle struct {
	Start time.Time `yaml:"-"`
	End   time.Time `yaml:"-"`
}

// UnmarshalYAML reads start and end as dates, so a bad one names its line.
func (c *Cycle) UnmarshalYAML(n *yaml.Node) error {
	var raw struct {
		Start string `yaml:"start"`
		End   string `yaml:"end"`
	}
	if err := n.Decode(&raw); err != nil {
		return err
	}
	var err error
	if c.Start, err = time.Parse(time.DateOnly, raw.Start); err != nil {
		return lineError(n, "cycle.start 应为 YYYY-MM-DD", "cycle.start must be YYYY-MM-DD")
	}
	if c.End, err = time.Parse(time.DateOnly, raw.End); err != nil {
		return lineError(n, "cycle.end 应为 YYYY-MM-DD", "cycle.end must be YYYY-MM-DD")
	}
	if !c.End.After(c.Start) {
		return lineError(n, "cycle.end 必须晚于 cycle.start", "cycle.end must come after cycle.start")
	}
	return nil
}

// SheetSpec describes one table of the workbook.
type SheetSpec struct {
	Role     Role         `yaml:"-"`
	Names    []string     `yaml:"names"`
	Required bool         `yaml:"required"`
	Columns  []ColumnSpec `yaml:"columns"`
	Line     int          `yaml:"-"`

	forms   [][]headerForm // folded headers, by column, built on first use
	longest int            // the most runes a folded header has, with forms
}

// Column returns the spec for key, or nil.
func (s *SheetSpec) Column(key string) *ColumnSpec {
	for i := range s.Columns {
		if s.Columns[i].Key == key {
			return &s.Columns[i]
		}
	}
	return nil
}

// ColumnSpec describes one column: its key, the headers it goes by, the
// type of its values and whether a value is required.
type ColumnSpec struct {
	Key      string   `yaml:"key"`
	Headers  []string `yaml:"headers"`
	Type     string   `yaml:"type"`
	Required bool     `yaml:"required"`
	Label    Text     `yaml:"label"`
	Line     int      `yaml:"-"`
}

type lineErr struct {
	line int
	msg  Text
}

func (e *lineErr) Error() string { return e.msg.En }

func lineError(n *yaml.Node, zh, en string) error {
	return &lineErr{line: n.Line, msg: Text{zh, en}}
}

// UnmarshalYAML records the line a column is on.
func (c *ColumnSpec) UnmarshalYAML(n *yaml.Node) error {
	type plain ColumnSpec
	if err := n.Decode((*plain)(c)); err != nil {
		return err
	}
	c.Line = n.Line
	return nil
}

// UnmarshalYAML records the line a sheet is on.
func (s *SheetSpec) UnmarshalYAML(n *yaml.Node) error {
	type plain SheetSpec
	if err := n.Decode((*plain)(s)); err != nil {
		return err
	}
	s.Line = n.Line
	return nil
}

// ParseTemplate reads a YAML template. Errors name source and line, as
// "my.yaml:12: …", and wrap ErrTemplate.
func ParseTemplate(source string, data []byte) (*Template, error) {
	var t Template
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&t); err != nil {
		var le *lineErr
		if errors.As(err, &le) {
			return nil, templateError(source, le.line, le.msg.Zh, le.msg.En)
		}
		// yaml.v3 already says "yaml: line 12: …".
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		return nil, templateError(source, 0, "模板格式有误："+msg, "malformed template: "+msg)
	}
	t.Source = source
	if err := t.validate(); err != nil {
		return nil, err
	}
	return &t, nil
}

func templateError(source string, line int, zh, en string) error {
	where := source
	if line > 0 {
		where = fmt.Sprintf("%s:%d", source, line)
	}
	return &BilingualError{
		Msg: Text{where + ": " + zh + "。请修改模板后重试。", where + ": " + en + ". Fix the template and try again."},
		Err: ErrTemplate,
	}
}

func (t *Template) validate() error {
	if t.Cycle.End.IsZero() {
		return templateError(t.Source, 0, "缺少 cycle（创建周期 start/end）", "missing cycle (start/end of the creation period)")
	}
	if t.Sheets["tasks"] == nil {
		return templateError(t.Source, 0, "缺少 sheets.tasks（任务清单）", "missing sheets.tasks")
	}
	for role, s := range t.Sheets {
		r, ok := ParseRole(role)
		if !ok {
			var names []string
			for _, r := range Roles {
				names = append(names, string(r))
			}
			known := strings.Join(names, ", ")
			return templateError(t.Source, s.Line, fmt.Sprintf("未知的表角色 %q（可用：%s）", role, known),
				fmt.Sprintf("unknown sheet role %q (known: %s)", role, known))
		}
		s.Role = r
		if len(s.Columns) == 0 {
			return templateError(t.Source, s.Line, "表 "+role+" 没有列", "sheet "+role+" has no columns")
		}
		seen := map[string]bool{}
		for _, c := range s.Columns {
			switch {
			case c.Key == "":
				return templateError(t.Source, c.Line, "列缺少 key", "column has no key")
			case seen[c.Key]:
				return templateError(t.Source, c.Line, "列 "+c.Key+" 重复", "column "+c.Key+" appears twice")
			case len(c.Headers) == 0:
				return templateError(t.Source, c.Line, "列 "+c.Key+" 没有 headers", "column "+c.Key+" has no headers")
			case c.Type != "" && !columnTypes[c.Type]:
				return templateError(t.Source, c.Line, fmt.Sprintf("列 %s 的类型 %q 未知", c.Key, c.Type),
					fmt.Sprintf("column %s has unknown type %q", c.Key, c.Type))
			}
			seen[c.Key] = true
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
