package report

import "testing"

// A sheet that is plainly the task list but for one required column is
// still the task list: the finding names the column, not the sheet.
func TestTaskListLackingOneColumnIsStillFound(t *testing.T) {
	tasks := grid("Sheet1",
		[]string{"序号", "板块", "重点任务", "完成时限", "牵头单位", "进度"},
		[]string{"1", "甲", "t1", "2021年底", "市科技局", "50"},
	)
	r := analyze(t, day(2021, 12, 31), tasks)
	if r.Sheets["tasks"] != "Sheet1" {
		t.Fatalf("tasks sheet %q:\n%s", r.Sheets["tasks"], dump(r))
	}
	if f := findingAt(r, RuleMissingColumn, ""); f == nil || f.Header != "状态" {
		t.Errorf("want missing-column 状态:\n%s", dump(r))
	}
	if f := findingAt(r, RuleMissingSheet, ""); f != nil && f.Sheet == "任务清单" {
		t.Errorf("the task list is there, yet: %s", f.Message.Zh)
	}
}
