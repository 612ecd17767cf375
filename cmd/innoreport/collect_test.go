package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"innoreport/internal/tooltest"
	"innoreport/samples"

	"github.com/xuri/excelize/v2"
)

// collectOut is the part of collect's JSON the tests read.
type collectOut struct {
	Sheets   map[string]string `json:"sheets"`
	TaskList []struct {
		Row      int      `json:"row"`
		ID       string   `json:"id"`
		Progress *float64 `json:"progress"`
		State    string   `json:"state"`
	} `json:"task_list"`
	Indicators []struct {
		Row    int      `json:"row"`
		Name   string   `json:"name"`
		Actual *float64 `json:"actual"`
	} `json:"indicators"`
	Returns []struct {
		Unit        string `json:"unit"`
		File        string `json:"file"`
		SHA256      string `json:"sha256"`
		Received    string `json:"received"`
		State       string `json:"state"`
		RowsUpdated int    `json:"rows_updated"`
		Superseded  string `json:"superseded_by"`
		Updates     []struct {
			Cell, Key, From, To string
			ReturnCell          string `json:"return_cell"`
		} `json:"updates"`
		Findings []struct{ Rule, Sheet, Cell, Severity string } `json:"findings"`
	} `json:"returns"`
	Missing []string `json:"missing_units"`
	Status  []struct {
		Unit        string `json:"unit"`
		State       string `json:"state"`
		File        string `json:"file"`
		RowsUpdated int    `json:"rows_updated"`
	} `json:"return_status"`
	Rejected []struct{ File, Kind, Error string } `json:"rejected"`
	Outputs  struct {
		XLSX string `json:"xlsx"`
	} `json:"outputs"`
}

func runOK(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, &out, &errb)
	return out.String(), errb.String(), err
}

// editBook changes a workbook as a department clerk would, with excelize
// (which, like a clerk who lifted the protection, can write any cell).
func editBook(t *testing.T, path string, edit func(f *excelize.File)) {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	edit(f)
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

func set(t *testing.T, f *excelize.File, sheet, cell string, v any) {
	t.Helper()
	if err := f.SetCellValue(sheet, cell, v); err != nil {
		t.Fatal(err)
	}
}

func received(t *testing.T, path, when string) {
	t.Helper()
	tm, err := time.Parse(time.RFC3339, when)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, tm, tm); err != nil {
		t.Fatal(err)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// splitMaster writes master into dir and splits it into dir/ret.
func splitMaster(t *testing.T, dir string, master []byte) (string, string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	mp := filepath.Join(dir, "master.xlsx")
	if err := os.WriteFile(mp, master, 0o644); err != nil {
		t.Fatal(err)
	}
	rd := filepath.Join(dir, "ret")
	if _, stderr, err := runOK(t, "split", "-out", rd, "-deadline", "2022-01-10", mp); err != nil {
		t.Fatalf("split: %v\n%s", err, stderr)
	}
	return mp, rd
}

func collectJSON(t *testing.T, args ...string) (collectOut, []byte) {
	t.Helper()
	out, stderr, err := runOK(t, append([]string{"collect", "-format", "json"}, args...)...)
	if err != nil {
		t.Logf("collect: %v\n%s", err, stderr)
	}
	var got collectOut
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("collect JSON: %v\n%s\n%s", err, out, stderr)
	}
	return got, []byte(out)
}

func findingsAt(fs []struct{ Rule, Sheet, Cell, Severity string }) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Rule+"@"+f.Sheet+"!"+f.Cell)
	}
	slices.Sort(out)
	return out
}

func TestCollectSample(t *testing.T) {
	dir := t.TempDir()
	mp, rd := splitMaster(t, dir, samples.Workbook)
	ret := func(unit string) string { return filepath.Join(rd, unit+".xlsx") }
	const ts, is = "任务清单", "指标体系"

	// 市科技局: two progress figures, a note, an indicator; a locked
	// deadline edited; a progress of 130 (not taken).
	keji := ret("内江市科学技术局")
	editBook(t, keji, func(f *excelize.File) {
		set(t, f, ts, "K5", 95) // task 5, the master's row 9
		set(t, f, ts, "L5", "三个县均已申报省级创新型县")
		set(t, f, ts, "F6", "2022年6月") // task 6's deadline: locked
		set(t, f, ts, "K10", 130)      // task 14: out of range
		set(t, f, is, "I5", 380)       // 科技型中小企业, the master's I7
	})
	received(t, keji, "2022-01-05T09:00:00Z")

	// 市经济和信息化局: filled, then saved by LibreOffice.
	soffice := tooltest.Need(t, "soffice", "libreoffice-calc-nogui")
	jx := ret("内江市经济和信息化局")
	editBook(t, jx, func(f *excelize.File) {
		set(t, f, ts, "J5", "已完成") // task 9, the master's row 13
		set(t, f, ts, "K5", 100)
	})
	lo := filepath.Join(dir, "lo")
	cmd := exec.Command(soffice, "--headless", "--norestore", "-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
		"--convert-to", "xlsx", "--outdir", lo, jx)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, out)
	}
	jx = filepath.Join(lo, "内江市经济和信息化局.xlsx")
	received(t, jx, "2022-01-06T09:00:00Z")

	// 市财政局: its marker stripped (sheet and properties).
	cz := ret("内江市财政局")
	editBook(t, cz, func(f *excelize.File) {
		if err := f.DeleteSheet("innoreport"); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{"innoreport.campaign", "innoreport.master", "innoreport.unit", "innoreport.marker"} {
			if err := f.SetCustomProps(excelize.CustomProperty{Name: p}); err != nil {
				t.Fatal(err)
			}
		}
		set(t, f, ts, "K5", 100) // task 8, the master's row 12
	})
	received(t, cz, "2022-01-07T09:00:00Z")

	// 市农业农村局: late.
	ny := ret("内江市农业农村局")
	editBook(t, ny, func(f *excelize.File) { set(t, f, ts, "L5", "园区已通过验收") })
	received(t, ny, "2022-01-15T09:00:00Z")

	// 市市场监督管理局 twice: the later one wins.
	sj := ret("内江市市场监督管理局")
	sj2 := filepath.Join(dir, "市场监管局-更正.xlsx")
	copyFile(t, sj, sj2)
	editBook(t, sj, func(f *excelize.File) { set(t, f, ts, "L5", "初稿") })
	editBook(t, sj2, func(f *excelize.File) { set(t, f, ts, "L5", "有效发明专利1200件") })
	received(t, sj, "2022-01-04T09:00:00Z")
	received(t, sj2, "2022-01-08T09:00:00Z")

	// 市科协: a task's number changed to one the master does not have.
	kx := ret("内江市科学技术协会")
	editBook(t, kx, func(f *excelize.File) { set(t, f, ts, "A6", "99") })
	received(t, kx, "2022-01-03T09:00:00Z")

	args := []string{"-out", filepath.Join(dir, "out"), mp, keji, jx, cz, ny, sj, sj2, kx}
	got, raw := collectJSON(t, args...)

	byUnit := map[string][]int{}
	for i, r := range got.Returns {
		byUnit[r.Unit] = append(byUnit[r.Unit], i)
	}
	type want struct {
		state    string
		rows     int
		updates  []string // master cell ← return cell
		findings []string
	}
	wants := map[string]want{
		"内江市科学技术局": {"on_time", 2,
			[]string{"任务清单!K9←任务清单!K5", "任务清单!L9←任务清单!L5", "指标体系!I7←指标体系!I5"},
			[]string{"range@任务清单!K10", "return-locked-edited@任务清单!F6", "status-progress@任务清单!K10"}},
		"内江市经济和信息化局": {"on_time", 1, []string{"任务清单!J13←任务清单!J5", "任务清单!K13←任务清单!K5"}, nil},
		"内江市财政局":     {"on_time", 1, []string{"任务清单!K12←任务清单!K5"}, []string{"return-no-marker@任务清单!A1"}},
		"内江市农业农村局":   {"late", 1, []string{"任务清单!L7←任务清单!L5"}, nil},
		// The master's unknown status on the same row is the return's too.
		"内江市科学技术协会": {"on_time", 0, nil, []string{"enum@任务清单!J6", "return-unknown-task@任务清单!A6"}},
	}
	for unit, w := range wants {
		idx := byUnit[unit]
		if len(idx) != 1 {
			t.Errorf("%s: %d returns, want 1", unit, len(idx))
			continue
		}
		r := got.Returns[idx[0]]
		var ups []string
		for _, u := range r.Updates {
			ups = append(ups, u.Cell+"←"+u.ReturnCell)
		}
		slices.Sort(ups)
		if r.State != w.state || r.RowsUpdated != w.rows || !slices.Equal(ups, w.updates) || !slices.Equal(findingsAt(r.Findings), w.findings) {
			t.Errorf("%s: state %s rows %d updates %v findings %v\nwant %s %d %v %v",
				unit, r.State, r.RowsUpdated, ups, findingsAt(r.Findings), w.state, w.rows, w.updates, w.findings)
		}
	}
	// The market regulator's first return is superseded by its second.
	if idx := byUnit["内江市市场监督管理局"]; len(idx) != 2 {
		t.Fatalf("市场监管局: %d returns, want 2", len(idx))
	} else {
		first, second := got.Returns[idx[0]], got.Returns[idx[1]]
		if first.File != "内江市市场监督管理局.xlsx" || first.Superseded != "市场监督-更正.xlsx" && first.Superseded != "市场监管局-更正.xlsx" ||
			!slices.Equal(findingsAt(first.Findings), []string{"return-duplicate@任务清单!A1"}) || first.RowsUpdated != 0 {
			t.Errorf("first return: %+v", first)
		}
		if second.File != "市场监管局-更正.xlsx" || second.RowsUpdated != 1 || len(second.Updates) != 1 || second.Updates[0].To != "有效发明专利1200件" {
			t.Errorf("second return: %+v", second)
		}
	}
	wantMissing := []string{"内江市人力资源和社会保障局", "内江市发展和改革委员会", "内江市地方金融监督管理局", "内江经济技术开发区管理委员会",
		"内江高新技术产业开发区管理委员会", "国家税务总局内江市税务局", "中共内江市委组织部", "中共内江市委宣传部"}
	if !sameSet(got.Missing, wantMissing) {
		t.Errorf("missing units %v, want %v", got.Missing, wantMissing)
	}
	// return_status is read back from the 报送情况 sheet just written.
	count := map[string]int{}
	for _, s := range got.Status {
		count[s.State]++
		if s.Unit == "内江市科学技术局" && (s.RowsUpdated != 2 || s.File != "内江市科学技术局.xlsx") {
			t.Errorf("报送情况 of 市科技局: %+v", s)
		}
	}
	if len(got.Status) != 14 || count["on_time"] != 5 || count["late"] != 1 || count["missing"] != 8 {
		t.Errorf("报送情况: %d units, %v", len(got.Status), count)
	}

	// The collected master's own figures: the changed rows changed, the
	// rest as in the master.
	orig, _, err := runOK(t, "check", "-format", "json", mp)
	if err != nil && !strings.Contains(err.Error(), "findings") {
		t.Fatal(err)
	}
	var before collectOut
	if err := json.Unmarshal([]byte(orig), &before); err != nil {
		t.Fatal(err)
	}
	changed := map[int]string{9: "behind", 13: "done", 12: "done"}
	progress := map[int]float64{9: 95, 13: 100, 12: 100}
	for i, tk := range got.TaskList {
		b := before.TaskList[i]
		if st, ok := changed[tk.Row]; ok {
			if tk.State != st || tk.Progress == nil || *tk.Progress != progress[tk.Row] {
				t.Errorf("row %d: %s %v, want %s %v", tk.Row, tk.State, tk.Progress, st, progress[tk.Row])
			}
			continue
		}
		if tk.State != b.State || (tk.Progress == nil) != (b.Progress == nil) || tk.Progress != nil && *tk.Progress != *b.Progress {
			t.Errorf("untouched row %d changed: %s %v, was %s %v", tk.Row, tk.State, tk.Progress, b.State, b.Progress)
		}
	}
	for i, ind := range got.Indicators {
		b := before.Indicators[i]
		if ind.Row == 7 {
			if ind.Actual == nil || *ind.Actual != 380 {
				t.Errorf("科技型中小企业 actual %v, want 380", ind.Actual)
			}
		} else if (ind.Actual == nil) != (b.Actual == nil) || ind.Actual != nil && *ind.Actual != *b.Actual {
			t.Errorf("untouched indicator row %d changed: %v, was %v", ind.Row, ind.Actual, b.Actual)
		}
	}

	// The 报送情况 sheet is in the collected master.
	f, err := excelize.OpenFile(got.Outputs.XLSX)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows("报送情况")
	f.Close()
	if err != nil || len(rows) != 15 || rows[0][0] != "单位" {
		t.Fatalf("报送情况: %v %v", err, rows)
	}
	states := map[string]string{}
	for _, r := range rows[1:] {
		states[r[0]] = r[1]
	}
	if states["内江市农业农村局"] != "逾期报" || states["内江市科学技术局"] != "已报" || states["中共内江市委宣传部"] != "未报" {
		t.Errorf("报送情况 states: %v", states)
	}

	// build on the collected master: the chapter in the PDF, the sheet
	// kept in the updated workbook.
	bout := filepath.Join(dir, "build")
	if _, stderr, err := runOK(t, "build", "-db", "none", "-out", bout, got.Outputs.XLSX); err != nil {
		t.Fatalf("build: %v\n%s", err, stderr)
	}
	upd, _, _ := runOK(t, "check", "-format", "json", filepath.Join(bout, "master-collected-updated.xlsx"))
	var rebuilt collectOut
	if err := json.Unmarshal([]byte(upd), &rebuilt); err != nil {
		t.Fatal(err)
	}
	if len(rebuilt.Status) != 14 {
		t.Errorf("the updated workbook's 报送情况 has %d units, want 14", len(rebuilt.Status))
	}

	// Collecting again, all of them or only one, changes nothing.
	book, err := os.ReadFile(got.Outputs.XLSX)
	if err != nil {
		t.Fatal(err)
	}
	_, again := collectJSON(t, args...)
	if !bytes.Equal(raw, again) {
		t.Errorf("collecting the same returns again changed the JSON")
	}
	_, one := collectJSON(t, "-out", filepath.Join(dir, "out"), mp, keji)
	if !bytes.Equal(raw, one) {
		t.Errorf("collecting one return again changed the JSON")
	}
	book2, err := os.ReadFile(got.Outputs.XLSX)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(book, book2) {
		t.Errorf("collecting again changed the collected workbook")
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// TestCollectIntoChangedMaster collects returns split from the sample into
// a master changed since: a task reworded, one moved to another unit, one
// unit left with nothing to report; and files that are no returns at all.
func TestCollectIntoChangedMaster(t *testing.T) {
	dir := t.TempDir()
	const ts = "任务清单"
	_, old := splitMaster(t, filepath.Join(dir, "old"), samples.Workbook)

	f, err := excelize.OpenReader(bytes.NewReader(samples.Workbook))
	if err != nil {
		t.Fatal(err)
	}
	set(t, f, ts, "D5", "编制内江创新走廊建设方案（修订）") // task 1 reworded
	set(t, f, ts, "G10", "市经济和信息化局")        // task 6 moves from 市科技局
	set(t, f, ts, "G6", "内江经济技术开发区管理委员会")   // 高新区 leads nothing now
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	f.Close()
	mp, cur := splitMaster(t, filepath.Join(dir, "new"), buf.Bytes())

	fgw := filepath.Join(old, "内江市发展和改革委员会.xlsx")
	editBook(t, fgw, func(f *excelize.File) { set(t, f, ts, "L5", "方案已印发") })
	received(t, fgw, "2022-01-01T09:00:00Z")
	gx := filepath.Join(old, "内江高新技术产业开发区管理委员会.xlsx")
	editBook(t, gx, func(f *excelize.File) { set(t, f, ts, "L5", "排名上升") })
	received(t, gx, "2022-01-01T10:00:00Z")
	keji := filepath.Join(old, "内江市科学技术局.xlsx")
	editBook(t, keji, func(f *excelize.File) { set(t, f, ts, "L6", "科技局：培育库已建立") })
	received(t, keji, "2022-01-02T09:00:00Z")
	jx := filepath.Join(cur, "内江市经济和信息化局.xlsx")
	editBook(t, jx, func(f *excelize.File) { set(t, f, ts, "L5", "经信局：高新技术企业113家") })
	received(t, jx, "2022-01-03T09:00:00Z")

	// Not returns: another campaign's, a legacy .xls, the master itself.
	other := filepath.Join(dir, "其他活动.xlsx")
	copyFile(t, filepath.Join(old, "内江市科学技术协会.xlsx"), other)
	editBook(t, other, func(f *excelize.File) {
		js, err := f.GetCellValue("innoreport", "A2")
		if err != nil {
			t.Fatal(err)
		}
		js = regexp.MustCompile(`"campaign":"[^"]*"`).ReplaceAllString(js, `"campaign":"zigong-2021|自贡市|自贡市创建省级创新型城市工作任务清单"`)
		set(t, f, "innoreport", "A2", js)
		if err := f.SetCustomProps(excelize.CustomProperty{Name: "innoreport.marker", Value: js}); err != nil {
			t.Fatal(err)
		}
	})
	xls := filepath.Join(dir, "旧报表.xls")
	if err := os.WriteFile(xls, append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 2048)...), 0o644); err != nil {
		t.Fatal(err)
	}

	out, stderr, err := runOK(t, "collect", "-format", "json", "-out", filepath.Join(dir, "out"), mp, fgw, gx, keji, jx, other, xls, mp)
	if err == nil || exitCode(err, &bytes.Buffer{}) != exitInput {
		t.Errorf("collect with files that are no returns: %v, want exit 2", err)
	}
	var got collectOut
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v\n%s\n%s", err, out, stderr)
	}
	want := map[string][]string{
		"内江市发展和改革委员会":      {"return-stale@任务清单!A1", "return-task-changed@任务清单!C5"},
		"内江高新技术产业开发区管理委员会": {"return-stale@任务清单!A1", "return-unknown-unit@任务清单!A1"},
		"内江市科学技术局":         {"return-conflict@任务清单!L6", "return-stale@任务清单!A1"},
		"内江市经济和信息化局":       nil,
	}
	rows := map[string]int{"内江市经济和信息化局": 1}
	if len(got.Returns) != len(want) {
		t.Errorf("%d returns, want %d", len(got.Returns), len(want))
	}
	for _, r := range got.Returns {
		if fs := findingsAt(r.Findings); !slices.Equal(fs, want[r.Unit]) || r.RowsUpdated != rows[r.Unit] {
			t.Errorf("%s: findings %v rows %d, want %v %d", r.Unit, fs, r.RowsUpdated, want[r.Unit], rows[r.Unit])
		}
	}
	kinds := map[string]string{}
	for _, r := range got.Rejected {
		kinds[filepath.Base(r.File)] = r.Kind
		if !strings.Contains(r.Error, " / ") {
			t.Errorf("%s: %q is not one line in both languages", r.File, r.Error)
		}
	}
	if kinds["其他活动.xlsx"] != "not-return" || kinds["旧报表.xls"] != "legacy-xls" || kinds["master.xlsx"] != "not-return" {
		t.Errorf("rejected: %+v", got.Rejected)
	}
	for _, w := range []string{"zigong-2021", ".xls", "master.xlsx"} {
		if !strings.Contains(stderr, w) {
			t.Errorf("stderr does not mention %s:\n%s", w, stderr)
		}
	}
}

// A stranger's layout: sections as rows laid across the table, no lead
// column (the first responsible unit leads), no unit list, progress as
// fractions formatted as percentages, English indicator headers.
func TestCollectSectionRowLayout(t *testing.T) {
	dir := t.TempDir()
	f := excelize.NewFile()
	const ts = "任务"
	if err := f.SetSheetName("Sheet1", ts); err != nil {
		t.Fatal(err)
	}
	pct, err := f.NewStyle(&excelize.Style{NumFmt: 9})
	if err != nil {
		t.Fatal(err)
	}
	rows := [][]any{
		{"自贡市创建省级创新型城市重点任务（2大板块4项任务）"},
		{"序号", "重点任务", "工作内容", "完成时限", "责任单位", "完成状态", "完成进度", "工作进展"},
		{"一、创新平台（2项）"},
		{"1", "建设中试基地", "建成中试基地2个", "2021年12月", "市科技局、市经信局", "推进中", 0.6, ""},
		{"2", "培育新型研发机构", "新增3家", "2021年6月", "市经信局", "已完成", 1, "已认定3家"},
		{"二、人才（2项）"},
		{"3", "引进高层次人才", "引进50名", "2021年12月", "市委组织部", "推进中", 0.5, ""},
		{"4", "技能人才培养", "培养1000人", "2021年12月", "市人社局、市科技局", "推进中", 0.7, ""},
	}
	for i, r := range rows {
		if err := f.SetSheetRow(ts, "A"+strconv.Itoa(i+1), &r); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []string{"G4", "G5", "G7", "G8"} {
		if err := f.SetCellStyle(ts, c, c, pct); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range []string{"1", "3", "6"} {
		if err := f.MergeCell(ts, "A"+r, "H"+r); err != nil {
			t.Fatal(err)
		}
	}
	ind := "Indicators"
	if _, err := f.NewSheet(ind); err != nil {
		t.Fatal(err)
	}
	irows := [][]any{{"Indicator", "Unit", "Baseline", "Target", "Actual", "Owner"}, {"研发投入强度", "%", 1.1, 2, 1.5, "市科技局"}}
	for i, r := range irows {
		if err := f.SetSheetRow(ind, "A"+strconv.Itoa(i+1), &r); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	mp, rd := splitMaster(t, dir, buf.Bytes())
	keji := filepath.Join(rd, "市科技局.xlsx")
	// 市科技局 leads tasks 1 and owns the indicator; its return keeps
	// the first section row only.
	g, err := excelize.OpenFile(keji)
	if err != nil {
		t.Fatal(err)
	}
	got, err := g.GetRows(ts)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) < 4 || got[2][0] != "一、创新平台（2项）" || got[3][0] != "1" || strings.HasPrefix(got[4][0], "二") {
		t.Fatalf("return rows: %q", got)
	}
	set(t, g, ts, "G4", "85%")
	set(t, g, ind, "E2", 1.8)
	if err := g.Save(); err != nil {
		t.Fatal(err)
	}
	g.Close()
	res, _ := collectJSON(t, "-db", "none", "-out", filepath.Join(dir, "out"), mp, keji)
	if len(res.Returns) != 1 || res.Returns[0].RowsUpdated != 2 || len(res.Returns[0].Findings) != 0 {
		t.Fatalf("returns: %+v", res.Returns)
	}
	for _, tk := range res.TaskList {
		if tk.ID == "1" && (tk.Progress == nil || *tk.Progress != 85) {
			t.Errorf("task 1 progress %v, want 85", tk.Progress)
		}
	}
	if a := res.Indicators[0].Actual; a == nil || *a != 1.8 {
		t.Errorf("indicator actual %v, want 1.8", a)
	}
	// The 报送情况 sheet is not taken for a unit list the master lacks.
	if _, ok := res.Sheets["units"]; ok || len(res.Status) != 4 {
		t.Errorf("sheets %v, return_status %d units", res.Sheets, len(res.Status))
	}
	if !sameSet(res.Missing, []string{"市经信局", "市委组织部", "市人社局"}) {
		t.Errorf("missing %v", res.Missing)
	}
}
