package report

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

func snap(asOf string, tasks map[string]string, actual map[string]float64) Snapshot {
	t, err := time.Parse(time.DateOnly, asOf)
	if err != nil {
		panic(err)
	}
	s := Snapshot{AsOf: Day(t), Workbook: asOf + ".xlsx"}
	for _, id := range []string{"1", "2", "3", "4", "5", "6", "7"} {
		st, ok := tasks[id]
		if !ok {
			continue
		}
		hash := "h" + id
		if st == "reworded" {
			st, hash = "behind", "new"
		}
		state, ok := ParseState(st)
		if !ok {
			panic("unknown state " + st)
		}
		s.TaskList = append(s.TaskList, SnapTask{ID: id, Hash: hash, State: state})
		s.Tasks.Total++
		if st == "done" {
			s.Tasks.Done++
		}
	}
	s.Tasks.Rate = float64(s.Tasks.Done) / float64(s.Tasks.Total)
	for _, name := range []string{"科技型中小企业", "研发投入强度"} {
		if v, ok := actual[name]; ok {
			s.Indicators = append(s.Indicators, SnapIndicator{Name: name, Unit: "家", Actual: &v})
		} else {
			s.Indicators = append(s.Indicators, SnapIndicator{Name: name, Unit: "家"})
		}
	}
	return s
}

func TestCompare(t *testing.T) {
	prev := snap("2021-09-30", map[string]string{
		"1": "done", "2": "behind", "3": "on_schedule", "4": "done", "5": "ahead", "6": "behind",
	}, map[string]float64{"科技型中小企业": 300})
	cur := snap("2021-12-31", map[string]string{
		"1": "done", "2": "done", "3": "overdue", "4": "behind", "5": "behind", "6": "reworded", "7": "not_started",
	}, map[string]float64{"科技型中小企业": 369, "研发投入强度": 2.1})
	c := Compare(prev, cur)
	want := TaskChanges{
		DoneDelta: 0, RateDeltaPoints: -4.8,
		NewlyDone: []string{"2"}, NewlyOverdue: []string{"3"}, Regressed: []string{"4", "5"},
		Added: []string{"6", "7"}, Removed: []string{"6"},
	}
	if !reflect.DeepEqual(c.Tasks, want) {
		t.Errorf("tasks:\n got %+v\nwant %+v", c.Tasks, want)
	}
	if c.Previous.AsOf.String() != "2021-09-30" || c.Previous.Workbook != "2021-09-30.xlsx" {
		t.Errorf("previous = %+v", c.Previous)
	}
	if len(c.Indicators) != 2 || c.Indicators[0].Delta == nil || *c.Indicators[0].Delta != 69 {
		t.Errorf("indicators = %+v, want 科技型中小企业 +69", c.Indicators)
	}
	if c.Indicators[1].Previous != nil || c.Indicators[1].Delta != nil {
		t.Errorf("an indicator with no previous value got a delta: %+v", c.Indicators[1])
	}
}

func TestSnapshotRoundTripAndValidation(t *testing.T) {
	s := snap("2021-09-30", map[string]string{"1": "done", "2": "behind"}, nil)
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseSnapshot(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, s) {
		t.Errorf("round trip:\n got %+v\nwant %+v", back, s)
	}
	for name, bad := range map[string]string{
		"not json":      `{`,
		"no date":       `{"tasks":{"total":0}}`,
		"bad date":      `{"as_of":"2021-13-45"}`,
		"done > total":  `{"as_of":"2021-09-30","tasks":{"total":1,"done":2},"task_list":[{"id":"1","state":"done"}]}`,
		"count":         `{"as_of":"2021-09-30","tasks":{"total":2,"done":0},"task_list":[{"id":"1","state":"done"}]}`,
		"unknown state": `{"as_of":"2021-09-30","tasks":{"total":1,"done":0},"task_list":[{"id":"1","state":"finished!"}]}`,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := ParseSnapshot([]byte(bad)); err == nil {
				t.Errorf("ParseSnapshot(%s) accepted it", bad)
			}
		})
	}
}

// TestTaskHashIsStable holds TaskHash to the fingerprint archived periods
// were made with: each text's words, a zero byte after each, hashed.
func TestTaskHashIsStable(t *testing.T) {
	long := strings.Repeat("长文本 ", 200)
	for _, task := range []Task{
		{},
		{Section: "一、优化创新布局", Name: "建设 科创 走廊", Content: " 内容\t多 空格 ", Objective: "目标"},
		{Section: "s", Name: long, Content: long, Objective: long},
	} {
		h := sha256.New()
		for _, s := range []string{task.Section, task.Name, task.Content, task.Objective} {
			h.Write([]byte(strings.Join(strings.Fields(s), " ")))
			h.Write([]byte{0})
		}
		if got, want := TaskHash(&task), hex.EncodeToString(h.Sum(nil)[:8]); got != want {
			t.Errorf("TaskHash(%q…) = %s, want %s", task.Name[:min(len(task.Name), 12)], got, want)
		}
	}
}
