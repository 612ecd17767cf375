package report

import (
	"fmt"
	"testing"
)

// BenchmarkFindHeader finds each sheet's header as a workbook lays it
// out: a merged title, a blank row, the header, then 30 rows of tasks
// whose cells are each compared with every column's headers.
func BenchmarkFindHeader(b *testing.B) {
	tmpl := builtin(b)
	for name, spec := range tmpl.Sheets {
		var header []string
		title := []string{"某某市创建省级创新型城市工作任务清单"}
		for _, c := range spec.Columns {
			header = append(header, c.Headers[0])
			if len(title) < len(spec.Columns) {
				title = append(title, "=")
			}
		}
		rows := [][]string{title, make([]string, len(header)), header}
		for r := range 30 {
			row := make([]string, len(header))
			for c := range row {
				row[c] = fmt.Sprintf("加快建设第%d项重点任务的科技创新平台（%d）", r, c)
			}
			rows = append(rows, row)
		}
		s := grid(name, rows...)
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if m, ok := findHeader(s, spec); !ok || m.top != 2 {
					b.Fatalf("header found at row %d (%v), want 2", m.top, ok)
				}
			}
		})
	}
}
