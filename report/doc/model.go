package doc

import (
	"slices"

	"innoreport/report"
)

// Document is the whole report.
type Document struct {
	Title    string      `json:"title"`
	Subject  string      `json:"subject"`
	Author   string      `json:"author"`
	Lang     report.Lang `json:"lang"`
	Cover    Cover       `json:"cover"`
	Chapters []Chapter   `json:"chapters"`
	Footer   string      `json:"footer"` // "第 %d 页 / 共 %d 页"
	// ChapterBreak starts each chapter on a new page; otherwise they flow on.
	ChapterBreak bool `json:"chapter_break,omitempty"`
}

// Cover is the first page.
type Cover struct {
	Title  string   `json:"title"`
	Lines  []string `json:"lines"`
	Bureau string   `json:"bureau"`
}

// Chapter is a bookmarked part of the report.
type Chapter struct {
	Title  string  `json:"title"`
	Blocks []Block `json:"blocks"`
}

// Block is one of Paragraph, Tiles, Table or Chart; exactly one is set.
type Block struct {
	Paragraph string `json:"paragraph,omitempty"`
	Heading   string `json:"heading,omitempty"`
	Tiles     []Tile `json:"tiles,omitempty"`
	Table     *Table `json:"table,omitempty"`
	Chart     *Chart `json:"chart,omitempty"`
	Trend     *Trend `json:"trend,omitempty"`
}

// Tile is a headline figure.
type Tile struct {
	Label string `json:"label"`
	Value string `json:"value"`
	Unit  string `json:"unit"`
	Note  string `json:"note"`
}

// Align places text in a cell.
type Align string

// Column is a table column; Width is a share of the text width.
type Column struct {
	Header string  `json:"header"`
	Width  float64 `json:"width"`
	Align  Align   `json:"align"`
	Bar    bool    `json:"bar,omitempty"` // draw the cell's Value as a bar of 0–100%
}

// Cell is one table cell.
type Cell struct {
	Text  string   `json:"text"`
	Value *float64 `json:"value,omitempty"` // for bar columns: attainment as a fraction
}

// Row is a table row; Mark highlights it (overdue, not met).
type Row struct {
	Cells []Cell `json:"cells"`
	Mark  string `json:"mark,omitempty"` // "bad", "warn", ""
}

// Table is a table whose header repeats on every page it spans.
type Table struct {
	Columns []Column `json:"columns"`
	Rows    []Row    `json:"rows"`
	More    string   `json:"more,omitempty"` // "and N more in the workbook"
}

// Chart is a stacked horizontal bar chart.
type Chart struct {
	Title  string   `json:"title"`
	Labels []string `json:"labels"`
	Series []Series `json:"series"`
}

// LongestBar is the largest stack's total, at least 1: the bar the
// others are drawn to scale with.
func (c *Chart) LongestBar() int {
	most := 1
	for i := range c.Labels {
		t := 0
		for _, s := range c.Series {
			t += s.Values[i]
		}
		most = max(most, t)
	}
	return most
}

// Series is one stack layer.
type Series struct {
	Name   string `json:"name"`
	Color  string `json:"color"` // RRGGBB
	Values []int  `json:"values"`
}

// MapText applies f to every piece of text in d, in place: renderers use it
// to make sure nothing reaches the page that the font cannot draw.
func (d *Document) MapText(f func(string) string) {
	for _, p := range []*string{&d.Title, &d.Subject, &d.Author, &d.Cover.Title, &d.Cover.Bureau, &d.Footer} {
		*p = f(*p)
	}
	for i := range d.Cover.Lines {
		d.Cover.Lines[i] = f(d.Cover.Lines[i])
	}
	for i := range d.Chapters {
		ch := &d.Chapters[i]
		ch.Title = f(ch.Title)
		for j := range ch.Blocks {
			b := &ch.Blocks[j]
			b.Paragraph, b.Heading = f(b.Paragraph), f(b.Heading)
			for k := range b.Tiles {
				t := &b.Tiles[k]
				t.Label, t.Value, t.Unit, t.Note = f(t.Label), f(t.Value), f(t.Unit), f(t.Note)
			}
			if b.Table != nil {
				b.Table.More = f(b.Table.More)
				for k := range b.Table.Columns {
					b.Table.Columns[k].Header = f(b.Table.Columns[k].Header)
				}
				for _, r := range b.Table.Rows {
					for k := range r.Cells {
						r.Cells[k].Text = f(r.Cells[k].Text)
					}
				}
			}
			if b.Chart != nil {
				b.Chart.Title = f(b.Chart.Title)
				for k := range b.Chart.Labels {
					b.Chart.Labels[k] = f(b.Chart.Labels[k])
				}
				for k := range b.Chart.Series {
					b.Chart.Series[k].Name = f(b.Chart.Series[k].Name)
				}
			}
		}
	}
}

// Clone returns a deep copy of d, for a renderer that adapts the text to
// what it can draw without changing the document others render.
func (d *Document) Clone() *Document {
	c := *d
	c.Cover.Lines = slices.Clone(d.Cover.Lines)
	c.Chapters = make([]Chapter, len(d.Chapters))
	for i, ch := range d.Chapters {
		c.Chapters[i] = Chapter{Title: ch.Title, Blocks: make([]Block, len(ch.Blocks))}
		for j, b := range ch.Blocks {
			nb := b
			nb.Tiles = slices.Clone(b.Tiles)
			if b.Table != nil {
				t := *b.Table
				t.Columns = slices.Clone(b.Table.Columns)
				t.Rows = make([]Row, len(b.Table.Rows))
				for k, r := range b.Table.Rows {
					t.Rows[k] = Row{Cells: slices.Clone(r.Cells), Mark: r.Mark}
				}
				nb.Table = &t
			}
			if b.Chart != nil {
				ct := *b.Chart
				ct.Labels = slices.Clone(b.Chart.Labels)
				ct.Series = slices.Clone(b.Chart.Series)
				nb.Chart = &ct
			}
			c.Chapters[i].Blocks[j] = nb
		}
	}
	return &c
}
