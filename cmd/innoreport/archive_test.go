package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/xuri/excelize/v2"

	"innoreport/internal/tooltest"
	"innoreport/report"
	"innoreport/report/archive"
	"innoreport/samples"
)

// quarter is the sample as a department would have it at a quarter's
// end: the tasks' status and progress set by row (1-based, as Excel shows).
func quarter(t *testing.T, dir, name string, rows map[int][2]any) string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(samples.Workbook))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// The sample's 状态 and 完成进度 columns.
	for row, v := range rows {
		for i, col := range []string{"J", "K"} {
			if err := f.SetCellValue("任务清单", col+strconv.Itoa(row), v[i]); err != nil {
				t.Fatal(err)
			}
		}
	}
	path := filepath.Join(dir, name)
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	return path
}

type buildOut struct {
	Compare *report.Comparison `json:"compare"`
	Outputs struct {
		PDF  string `json:"pdf"`
		XLSX string `json:"xlsx"`
	} `json:"outputs"`
}

func buildJSON(t *testing.T, args ...string) buildOut {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), append([]string{"build", "-format", "json"}, args...), &stdout, &stderr)
	if code := exitCode(err, &stderr); code != exitOK {
		t.Fatalf("build %v: exit %d: %s", args, code, stderr.String())
	}
	var out buildOut
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("build %v: %v\n%s", args, err, stdout.String())
	}
	return out
}

// TestThreePeriods builds Q2, Q3 and Q4 of one campaign into one archive
// and checks what each says changed. Rows: 6 is task 2, 10 task 6; task 9
// (row 13) falls due on 2021-09-30 and task 15 (row 19) on 2021-06-30,
// neither done.
func TestThreePeriods(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "1640995200")
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	q2 := quarter(t, dir, "q2.xlsx", map[int][2]any{6: {"推进中", 40}, 10: {"推进中", 50}})
	q3 := quarter(t, dir, "q3.xlsx", map[int][2]any{6: {"已完成", 100}, 10: {"推进中", 80}})
	q4 := quarter(t, dir, "q4.xlsx", map[int][2]any{6: {"推进中", 90}, 10: {"已完成", 100}})

	first := buildJSON(t, "-out", out, "-as-of", "2021-06-30", q2)
	if first.Compare != nil {
		t.Fatalf("the first period was compared with %+v", first.Compare.Previous)
	}
	third := func() buildOut { // Q3 twice: still one period
		buildJSON(t, "-out", out, "-as-of", "2021-09-30", q3)
		return buildJSON(t, "-out", out, "-as-of", "2021-09-30", q3)
	}()
	if got := third.Compare.Previous.AsOf.String(); got != "2021-06-30" {
		t.Fatalf("Q3 compared with %s, want 2021-06-30", got)
	}
	want := report.TaskChanges{
		DoneDelta: 1, RateDeltaPoints: 2.6,
		NewlyDone: []string{"2"}, NewlyOverdue: []string{"15"},
		// Tasks 5 and 14 at 85%: ahead of the 74.9% due at mid-year,
		// behind the 87.5% due by the end of September. The schedule
		// moved on, they did not.
		Regressed: []string{"5", "14"},
		Added:     []string{}, Removed: []string{},
	}
	if !reflect.DeepEqual(third.Compare.Tasks, want) {
		t.Errorf("Q3 against Q2:\n got %+v\nwant %+v", third.Compare.Tasks, want)
	}

	q4out := buildJSON(t, "-out", out, "-as-of", "2021-12-31", q4)
	want = report.TaskChanges{
		DoneDelta: 0, RateDeltaPoints: 0,
		// Task 2 done no longer; 20 and 34 at 95% and 27 at 90% were on
		// schedule in September and are behind the 100% due at the end.
		NewlyDone: []string{"6"}, NewlyOverdue: []string{"9"}, Regressed: []string{"2", "20", "27", "34"},
		Added: []string{}, Removed: []string{},
	}
	if !reflect.DeepEqual(q4out.Compare.Tasks, want) {
		t.Errorf("Q4 against Q3:\n got %+v\nwant %+v", q4out.Compare.Tasks, want)
	}

	a, err := archive.Open(context.Background(), filepath.Join(out, "innoreport.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ps, err := a.Periods(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	var asOfs []string
	for _, p := range ps {
		asOfs = append(asOfs, p.AsOf)
	}
	if !reflect.DeepEqual(asOfs, []string{"2021-06-30", "2021-09-30", "2021-12-31"}) {
		t.Errorf("archived periods %v, want Q2, Q3 (once) and Q4", asOfs)
	}

	// The 汇总 sheet: the previous rate and the change beside the totals.
	f, err := excelize.OpenFile(q4out.Outputs.XLSX)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("汇总")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) < 6 || len(rows[4]) < 10 || !strings.HasPrefix(rows[4][8], "上期完成率") || rows[4][9] != "较上期（百分点）" {
		t.Fatalf("汇总 has no 上期 and 较上期 columns: %q", rows[4])
	}
	if rows[5][8] != "69.2%" || rows[5][9] != "0" {
		t.Errorf("上期 %s, 较上期 %s: want 69.2%% and 0", rows[5][8], rows[5][9])
	}

	// The PDF opens with the change and has the chapter.
	pdftotext := tooltest.Need(t, "pdftotext", "poppler-utils")
	text, err := exec.Command(pdftotext, q4out.Outputs.PDF, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	flat := strings.Join(strings.Fields(string(text)), "")
	for _, s := range []string{"较上期（2021年9月30日）新增完成1项，完成率持平，新增逾期1项，进度回退4项。", "二、本期进展", "本期新增完成（1）", "完成率和主要指标目标达成率走势", "2021-06-30", "2021-09-30"} {
		if !strings.Contains(flat, s) {
			t.Errorf("the Q4 PDF does not say %q", s)
		}
	}

	// history lists the three; -export makes Q3's outputs again, byte for byte.
	var stdout, stderr bytes.Buffer
	err = run(context.Background(), []string{"history", "-db", filepath.Join(out, "innoreport.db")}, &stdout, &stderr)
	if err != nil || strings.Count(stdout.String(), "q") != 3 {
		t.Errorf("history: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	exp := filepath.Join(dir, "export")
	stdout.Reset()
	err = run(context.Background(), []string{"history", "-db", filepath.Join(out, "innoreport.db"), "-export", "2021-09-30", "-out", exp}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("history -export: %v\n%s", err, stderr.String())
	}
	orig, err := os.ReadFile(third.Outputs.PDF) // out/q3-report.pdf: Q4's outputs have their own names
	if err != nil {
		t.Fatal(err)
	}
	again, err := os.ReadFile(filepath.Join(exp, "q3-report.pdf"))
	if err != nil || !bytes.Equal(orig, again) {
		t.Errorf("the exported Q3 PDF is not the archived one byte for byte (%v)", err)
	}
	if strings.Count(stdout.String(), "identical") != 2 {
		t.Errorf("history -export says:\n%s", stdout.String())
	}
}

// TestTwoBuildsOneArchive runs two builds into one archive at once, as a
// watch and a person at the command line would: both periods are kept.
func TestTwoBuildsOneArchive(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	var wg sync.WaitGroup
	errs := make([]string, 4)
	for i, asOf := range []string{"2021-03-31", "2021-06-30", "2021-09-30", "2021-12-31"} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(os.Args[0], "build", "-out", out, "-as-of", asOf)
			cmd.Env = append(os.Environ(), "INNOREPORT_AS_MAIN=1")
			if b, err := cmd.CombinedOutput(); err != nil {
				errs[i] = string(b)
			}
		}()
	}
	wg.Wait()
	for _, e := range errs {
		if e != "" {
			t.Fatalf("a build failed: %s", e)
		}
	}
	a, err := archive.Open(context.Background(), filepath.Join(out, "innoreport.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	ps, err := a.Periods(context.Background(), "")
	if err != nil || len(ps) != 4 {
		t.Fatalf("%d periods archived (%v), want 4", len(ps), err)
	}
}
