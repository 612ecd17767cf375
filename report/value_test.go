package report

import (
	"reflect"
	"testing"
	"time"
)

func day(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }

func TestParseNumber(t *testing.T) {
	tests := []struct {
		in   string
		want Number
		err  bool
	}{
		{"46", Number{Value: 46, OK: true}, false},
		{"46个", Number{Value: 46, OK: true}, false},
		{"约46", Number{Value: 46, OK: true, Op: "≈"}, false},
		{"1,234", Number{Value: 1234, OK: true}, false},
		{"1,234,567.5", Number{Value: 1234567.5, OK: true}, false},
		{"１２", Number{Value: 12, OK: true}, false},
		{"46.0", Number{Value: 46, OK: true}, false},
		{" 3.5亿元 ", Number{Value: 3.5, OK: true}, false},
		{"2.1%", Number{Value: 2.1, OK: true, Percent: true}, false},
		{"２.１％", Number{Value: 2.1, OK: true, Percent: true}, false},
		{"≥2.1%", Number{Value: 2.1, OK: true, Percent: true, Op: "≥"}, false},
		{"增长6%左右", Number{Value: 6, OK: true, Percent: true, Op: "≈", Growth: true}, false},
		{"100家以上", Number{Value: 100, OK: true, Op: "≥"}, false},
		{"—", Number{}, false},
		{"-", Number{}, false},
		{"/", Number{}, false},
		{"无", Number{}, false},
		{"", Number{}, false},
		{"待统计", Number{Pending: true}, false},
		{"大约很多", Number{}, true},
		{"2021-12", Number{}, true},
		{"2021年", Number{}, true},
		{"abc", Number{}, true},
	}
	for _, tt := range tests {
		got, err := ParseNumber(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("ParseNumber(%q) = %+v, %v; want %+v, err %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestPercentAndProgressCells(t *testing.T) {
	tests := []struct {
		cell     Cell
		progress float64
		number   float64
	}{
		{Cell{Text: "85"}, 85, 85},
		{Cell{Text: "85%"}, 85, 85},
		{Cell{Text: "0.85", Number: true, Format: FormatPercent}, 85, 85},
		{Cell{Text: "1", Number: true, Format: FormatPercent}, 100, 100},
		{Cell{Text: "0.85", Number: true}, 85, 0.85},
		{Cell{Text: "0.021", Number: true, Format: FormatPercent}, 2.1, 2.1},
		{Cell{Text: "2.1"}, 2.1, 2.1},
		{Cell{Text: "2.1%"}, 2.1, 2.1},
	}
	for _, tt := range tests {
		p, err := ProgressFromCell(tt.cell)
		if err != nil || p.Value != tt.progress {
			t.Errorf("ProgressFromCell(%+v) = %v, %v; want %v", tt.cell, p.Value, err, tt.progress)
		}
		n, err := NumberFromCell(tt.cell)
		if err != nil || n.Value != tt.number {
			t.Errorf("NumberFromCell(%+v) = %v, %v; want %v", tt.cell, n.Value, err, tt.number)
		}
	}
}

func TestParseDate(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Time
		ongoing bool
		err     bool
	}{
		{"2021-12-31", day(2021, 12, 31), false, false},
		{"2021/12/31", day(2021, 12, 31), false, false},
		{"2021.12", day(2021, 12, 31), false, false},
		{"2021.6", day(2021, 6, 30), false, false},
		{"2021-02", day(2021, 2, 28), false, false},
		{"2021年12月", day(2021, 12, 31), false, false},
		{"2021年12月底", day(2021, 12, 31), false, false},
		{"2021年12月底前", day(2021, 12, 31), false, false},
		{"2021年底", day(2021, 12, 31), false, false},
		{"2021年", day(2021, 12, 31), false, false},
		{"2021年12月31日前", day(2021, 12, 31), false, false},
		{"2021年6月30日", day(2021, 6, 30), false, false},
		{"2021年第三季度", day(2021, 9, 30), false, false},
		{"2021年第一季度", day(2021, 3, 31), false, false},
		{"2021年上半年", day(2021, 6, 30), false, false},
		{"2021年下半年", day(2021, 12, 31), false, false},
		{"2020—2021年", day(2021, 12, 31), false, false},
		{"2020-2021年", day(2021, 12, 31), false, false},
		{"2020年—2021年6月", day(2021, 6, 30), false, false},
		{"2021年3月—6月", day(2021, 6, 30), false, false},
		{"２０２１年１２月", day(2021, 12, 31), false, false},
		{"Q3 2021", day(2021, 9, 30), false, false},
		{"Dec 2021", day(2021, 12, 31), false, false},
		{"end of 2021", day(2021, 12, 31), false, false},
		{"长期坚持", time.Time{}, true, false},
		{"持续推进", time.Time{}, true, false},
		{"长期", time.Time{}, true, false},
		{"", time.Time{}, false, false},
		{"待定", time.Time{}, false, true},
		{"2021年13月", time.Time{}, false, true},
		{"2021-02-30", time.Time{}, false, true},
		{"下个月", time.Time{}, false, true},
	}
	for _, tt := range tests {
		got, err := ParseDate(tt.in)
		if (err != nil) != tt.err || !got.Time.Equal(tt.want) || got.Ongoing != tt.ongoing {
			t.Errorf("ParseDate(%q) = %v ongoing=%v, %v; want %v ongoing=%v err=%v", tt.in, got.Time, got.Ongoing, err, tt.want, tt.ongoing, tt.err)
		}
	}
}

func TestDateFromCell(t *testing.T) {
	tests := []struct {
		cell  Cell
		d1904 bool
		want  time.Time
	}{
		{Cell{Text: "44561", Number: true, Format: FormatDate}, false, day(2021, 12, 31)},
		{Cell{Text: "44561", Number: true}, false, day(2021, 12, 31)}, // General but clearly a serial
		{Cell{Text: "43099", Number: true, Format: FormatDate}, true, day(2021, 12, 31)},
		{Cell{Text: "2021", Number: true}, false, day(2021, 12, 31)},
		{Cell{Text: "2021.12", Number: true}, false, day(2021, 12, 31)},
		{Cell{Text: "2021年底"}, false, day(2021, 12, 31)},
	}
	for _, tt := range tests {
		got, err := DateFromCell(tt.cell, tt.d1904)
		if err != nil || !got.Time.Equal(tt.want) {
			t.Errorf("DateFromCell(%+v, %v) = %v, %v; want %v", tt.cell, tt.d1904, got.Time, err, tt.want)
		}
	}
	if _, err := DateFromCell(Cell{Text: "12", Number: true}, false); err == nil {
		t.Error("DateFromCell(12) should not be a date")
	}
}

func TestEnums(t *testing.T) {
	for in, want := range map[string]Status{"已完成": StatusDone, "推进中": StatusInProgress, "进行中": StatusInProgress,
		"未启动": StatusNotStarted, "未开展": StatusNotStarted, "滞后": StatusLagging, " 已 完成 ": StatusDone, "Done": StatusDone, "": StatusNone} {
		if got, ok := ParseStatus(in); !ok || got != want {
			t.Errorf("ParseStatus(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	if _, ok := ParseStatus("基本完成"); ok {
		t.Error("ParseStatus(基本完成) should be unknown")
	}
	for in, want := range map[string]Action{"规定动作": ActionPrescribed, "自选动作": ActionSelf, "prescribed": ActionPrescribed} {
		if got, ok := ParseAction(in); !ok || got != want {
			t.Errorf("ParseAction(%q) = %v, %v", in, got, ok)
		}
	}
	if _, ok := ParseAction("其他"); ok {
		t.Error("ParseAction(其他) should be unknown")
	}
	for in, want := range map[string]Direction{"正向": Positive, "逆向": Negative, "": Positive} {
		if got, ok := ParseDirection(in); !ok || got != want {
			t.Errorf("ParseDirection(%q) = %v, %v", in, got, ok)
		}
	}
}

func TestSplitUnits(t *testing.T) {
	got := SplitUnits("市科技局、市财政局，市税务局;各县（市、区）政府/市统计局\n市商务局")
	want := []string{"市科技局", "市财政局", "市税务局", "各县（市、区）政府", "市统计局", "市商务局"}
	if len(got) != len(want) {
		t.Fatalf("SplitUnits = %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("SplitUnits[%d] = %q, want %q", i, got[i], want[i])
		}
	}
}

func TestNormalizeHeader(t *testing.T) {
	for in, want := range map[string]string{
		"完成时限\n（年月）": "完成时限",
		"牵头\n单位":     "牵头单位",
		" 序　号 ":      "序号",
		"No.":        "no",
		"目标值(2021年)": "目标值",
		"＊责任单位：":     "责任单位",
	} {
		if got := NormalizeHeader(in); got != want {
			t.Errorf("NormalizeHeader(%q) = %q, want %q", in, got, want)
		}
	}
	if matchTier(newForm("2021年目标值"), newForm("目标值")) != 2 {
		t.Error("2021年目标值 should match 目标值 without its year")
	}
	if matchTier(newForm("2019年"), newForm("2019年")) != 1 {
		t.Error("2019年 should match itself exactly")
	}
}

func TestChineseNumber(t *testing.T) {
	for in, want := range map[string]int{"39": 39, "九": 9, "三十九": 39, "十": 10, "十二": 12} {
		t.Run(in, func(t *testing.T) {
			if got, ok := ChineseNumber(in); !ok || got != want {
				t.Errorf("ChineseNumber(%q) = %d, %v; want %d", in, got, ok, want)
			}
		})
	}
}

func TestExpected(t *testing.T) {
	// Month 11 of a 12-month run: about 91.7% is due.
	if got := Expected(day(2021, 1, 1), day(2021, 12, 31), day(2021, 11, 30)); got < 91 || got > 92 {
		t.Errorf("Expected at month 11 = %v, want ≈91.7", got)
	}
	if got := Expected(day(2020, 1, 1), day(2021, 12, 31), day(2021, 12, 31)); got != 100 {
		t.Errorf("Expected at the deadline = %v, want 100", got)
	}
	if got := Expected(day(2021, 1, 1), day(2021, 12, 31), day(2020, 6, 1)); got != 0 {
		t.Errorf("Expected before the start = %v, want 0", got)
	}
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2021-12-31", "2021年12月底", "2021年第三季度", "2020—2021年", "长期坚持", "2021.12", "Q3 2021", "2021年3月—6月"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err == nil && d.OK() && (d.Time.Year() < 1900 || d.Time.Year() > 2201) {
			t.Errorf("ParseDate(%q) = %v: implausible year", s, d.Time)
		}
	})
}

func FuzzParseNumber(f *testing.F) {
	for _, s := range []string{"46", "46个", "约46", "1,234", "１２", "2.1%", "≥2.1%", "增长6%左右", "—", "待统计"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseNumber(s)
		if err != nil && n.OK {
			t.Errorf("ParseNumber(%q) returned a value with an error", s)
		}
		if _, err := ProgressFromCell(Cell{Text: s}); (err == nil) != (parseNumberOK(s)) {
			t.Errorf("ProgressFromCell and ParseNumber disagree on %q", s)
		}
	})
}

// parseNumberOK is ParseNumber's verdict alone.
func parseNumberOK(s string) bool { _, err := ParseNumber(s); return err == nil }

// A list without separators is one unit, read as the separators' loop
// reads it: adding a separator at its end changes nothing.
func TestSplitUnitsOne(t *testing.T) {
	for _, s := range []string{"市科技局", " 市科技局 ", "", "  ", "无", "—", " n/a ", "各县（市）政府", "\u3000市财政局\u00a0", "A (B) C"} {
		got, want := SplitUnits(s), SplitUnits(s+"、")
		if !reflect.DeepEqual(got, want) {
			t.Errorf("SplitUnits(%q) = %q, want %q", s, got, want)
		}
	}
}

// mayBeNote is false only where reNoteRow cannot match.
func TestMayBeNote(t *testing.T) {
	for _, w := range []string{"注", "备注", "说明", "填报说明", "填表说明", "note", "notes", "NOTE", "Notes", "nOtE"} {
		for _, next := range []string{":", "：", "1", "一", "、", ".", "x", ""} {
			for _, pre := range []string{"", " ", "合计", "a"} {
				s := pre + w + next
				if reNoteRow().MatchString(s) && !mayBeNote(s) {
					t.Errorf("mayBeNote(%q) is false, but it is a note", s)
				}
			}
		}
	}
}

// TimeToSerial and SerialToTime undo each other on a campaign's dates, in
// both of Excel's date systems.
func TestTimeToSerialRoundTrips(t *testing.T) {
	for _, date1904 := range []bool{false, true} {
		for _, d := range []time.Time{
			time.Date(2021, 12, 31, 0, 0, 0, 0, time.UTC),
			time.Date(2000, 2, 29, 0, 0, 0, 0, time.UTC),
			time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC),
		} {
			v := TimeToSerial(d, date1904)
			if got, ok := SerialToTime(v, date1904); !ok || !got.Equal(d) {
				t.Errorf("1904 %v: %v → %v → %v, %v", date1904, d, v, got, ok)
			}
		}
	}
	if v := TimeToSerial(time.Date(2021, 12, 31, 0, 0, 0, 0, time.UTC), false); v != 44561 {
		t.Errorf("2021-12-31 is serial %v, want 44561", v)
	}
}
