package report

import (
	"strings"
	"testing"

	"innoreport/templates"
)

func identityTasks(title, subtitle string) *Sheet {
	return grid("任务清单",
		[]string{title, "=", "=", "=", "="},
		[]string{subtitle, "=", "=", "=", "="},
		[]string{"序号", "板块", "重点任务", "完成时限", "牵头单位", "状态"},
		[]string{"1", "甲", "t1", "2021年底", "市科技局", "已完成"},
	)
}

func TestIdentityFromTitleRows(t *testing.T) {
	r := analyze(t, day(2021, 12, 31), identityTasks("四川省泸州市创建省级创新型城市工作任务清单（1大板块1项任务）", "报送单位：泸州市科学技术局（市创新办） 截至2021年12月31日"))
	id := r.Identity
	if id.City != (Sourced{"泸州市", "任务清单!A1"}) || id.Bureau != (Sourced{"泸州市科学技术局", "任务清单!A2"}) ||
		id.Title != (Sourced{"四川省泸州市创建省级创新型城市工作任务清单", "任务清单!A1"}) {
		t.Errorf("identity = %+v", id)
	}
	if f := findingAt(r, RuleIdentity, ""); f != nil {
		t.Errorf("identity finding although the workbook says it: %s", f.Message.Zh)
	}
	if got := r.ReportTitle(builtin(t), "zh"); got != "泸州市创建省级创新型城市工作成效报告" {
		t.Errorf("report title %q", got)
	}
}

func TestBureauLines(t *testing.T) {
	for in, want := range map[string]string{
		"填报单位：内江市科学技术局（市创建省级创新型城市工作领导小组办公室）        截至2021年12月31日": "内江市科学技术局",
		"填报单位（盖章）：乐山市科学技术局      填报人：王五":                           "乐山市科学技术局",
		"报送单位: 南充市科技局, 截至2021年12月":                                "南充市科技局",
		"截至2021年12月31日": "",
	} {
		t.Run(in, func(t *testing.T) {
			got := ""
			if m := reBureau().FindStringSubmatch(in); m != nil {
				got = m[1]
			}
			if got != want {
				t.Errorf("%q: bureau %q, want %q", in, got, want)
			}
		})
	}
}

func TestIdentityFromDocumentProperties(t *testing.T) {
	wb := &Workbook{Name: "x.xlsx", Sheets: []*Sheet{identityTasks("工作任务清单", "")},
		Props: Properties{Title: "绵阳市创新型城市任务", Creator: "李四", Company: "绵阳市科学技术局"}}
	r := Analyze(wb, builtin(t), Options{AsOf: day(2021, 12, 31)})
	id := r.Identity
	if id.Bureau != (Sourced{"绵阳市科学技术局", "docProps/app.xml Company"}) || id.City != (Sourced{"绵阳市", "docProps/app.xml Company"}) {
		t.Errorf("identity = %+v", id)
	}
	// A person's name as the author is not an office.
	wb.Props.Company = ""
	r = Analyze(wb, builtin(t), Options{AsOf: day(2021, 12, 31)})
	if r.Identity.Bureau.Value != "" {
		t.Errorf("bureau %+v from a person's name", r.Identity.Bureau)
	}
}

// A workbook that names no city gets a neutral title and an info finding
// saying what to add; it never borrows one.
func TestIdentityMissingIsNeutral(t *testing.T) {
	r := analyze(t, day(2021, 12, 31), identityTasks("创建省级创新型城市工作任务清单", ""))
	if r.Identity.City.Value != "" || r.Identity.Bureau.Value != "" {
		t.Errorf("identity = %+v, want none", r.Identity)
	}
	f := findingAt(r, RuleIdentity, "")
	if f == nil || f.Severity != Info || !strings.Contains(f.Message.Zh, "填报单位：某某市科学技术局") || !strings.Contains(f.Message.En, "set city and bureau in a template") {
		t.Fatalf("want an info finding saying what to add:\n%s", dump(r))
	}
	if got := r.ReportTitle(builtin(t), "zh"); got != "创建省级创新型城市工作成效报告" {
		t.Errorf("report title %q, want the neutral one", got)
	}
	if got := r.ReportTitle(builtin(t), "en"); got != "Report on creating a provincial innovative city" {
		t.Errorf("English report title %q", got)
	}
}

func TestTemplateFixesIdentity(t *testing.T) {
	src := strings.Replace(string(templates.Builtin), "name: builtin", "name: mine\ncity: 眉山市\nbureau: {zh: 眉山市科学技术局, en: Meishan Science and Technology Bureau}\ntitle: {zh: 眉山市创新型城市建设报告, en: Meishan innovative city report}", 1)
	tm, err := ParseTemplate("mine.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	wb := &Workbook{Name: "x.xlsx", Sheets: []*Sheet{identityTasks("泸州市创建省级创新型城市工作任务清单", "填报单位：泸州市科学技术局")}}
	r := Analyze(wb, tm, Options{AsOf: day(2021, 12, 31)})
	want := Identity{City: Sourced{"眉山市", "template mine.yaml"}, Bureau: Sourced{"眉山市科学技术局", "template mine.yaml"}, Title: Sourced{"眉山市创新型城市建设报告", "template mine.yaml"}}
	if r.Identity != want {
		t.Errorf("identity = %+v, want %+v", r.Identity, want)
	}
	if r.ReportTitle(tm, "en") != "Meishan innovative city report" || r.Office(tm, "en") != "Meishan Science and Technology Bureau" {
		t.Errorf("English title %q office %q", r.ReportTitle(tm, "en"), r.Office(tm, "en"))
	}
}

// Sections from their own rows: the section column is not missing.
func TestSectionRowsNeedNoSectionColumn(t *testing.T) {
	tasks := grid("任务清单",
		[]string{"自贡市创建省级创新型城市工作任务清单（2大板块2项任务）", "=", "=", "=", "="},
		[]string{"序号", "重点任务", "完成时限", "牵头单位", "状态"},
		[]string{"一、优化创新布局（1项）", "=", "=", "=", "="},
		[]string{"1", "t1", "2021年底", "市科技局", "已完成"},
		[]string{"二、集聚创新人才（1项）", "=", "=", "=", "="},
		[]string{"2", "t2", "2021年底", "市科技局", "已完成"},
	)
	r := analyze(t, day(2021, 12, 31), tasks)
	if f := findingAt(r, RuleMissingColumn, ""); f != nil {
		t.Errorf("false missing-column: %s", f.Message.Zh)
	}
	if r.Tasks.Sections != 2 {
		t.Errorf("%d sections", r.Tasks.Sections)
	}
	// Without section rows, the missing section column is still said.
	plain := grid("任务清单",
		[]string{"序号", "重点任务", "完成时限", "牵头单位", "状态"},
		[]string{"1", "t1", "2021年底", "市科技局", "已完成"},
	)
	r = analyze(t, day(2021, 12, 31), plain)
	if f := findingAt(r, RuleMissingColumn, ""); f == nil || f.Header != "板块" {
		t.Errorf("want missing-column 板块:\n%s", dump(r))
	}
}

// A unit list is not the indicator sheet: the indicators are missing.
func TestUnitListIsNotTakenForIndicators(t *testing.T) {
	tasks := grid("任务清单",
		[]string{"序号", "板块", "重点任务", "完成时限", "牵头单位", "状态"},
		[]string{"1", "甲", "t1", "2021年底", "市科技局", "已完成"},
	)
	units := grid("名单",
		[]string{"序号", "单位名称", "简称", "单位类型"},
		[]string{"1", "某市科学技术局", "市科技局", "市级部门"},
		[]string{"2", "某市财政局", "市财政局", "市级部门"},
	)
	r := analyze(t, day(2021, 12, 31), tasks, units)
	if r.Sheets["indicators"] != "" || len(r.Indicators) != 0 {
		t.Errorf("indicators taken from %q: %d", r.Sheets["indicators"], len(r.Indicators))
	}
	if f := findingAt(r, RuleMissingSheet, ""); f == nil || f.Sheet != "指标体系" {
		t.Errorf("want missing-sheet for the indicators:\n%s", dump(r))
	}
	if f := findingAt(r, RuleMissingActual, ""); f != nil {
		t.Errorf("missing-actual for a unit list: %s", f.Message.Zh)
	}
	if r.Sheets["units"] != "名单" {
		t.Errorf("the unit list is %q", r.Sheets["units"])
	}
}

// FlagUnprintable reports, and changes nothing: the result keeps the text.
func TestUnprintableKeepsTheText(t *testing.T) {
	tasks := grid("任务清单",
		[]string{"序号", "板块", "重点任务", "完成时限", "牵头单位", "状态"},
		[]string{"1", "甲", "建设𠮷野平台", "2021年底", "市科技局", "已完成"},
	)
	r := analyze(t, day(2021, 12, 31), tasks)
	FlagUnprintable(r, nil)
	if r.TaskList[0].Name != "建设𠮷野平台" {
		t.Errorf("name changed to %q", r.TaskList[0].Name)
	}
	f := findingAt(r, RuleUnprintable, "C2")
	if f == nil || f.Value != "建设𠮷野平台" || !strings.Contains(f.Message.Zh, "U+20BB7") {
		t.Errorf("want unprintable-char at C2 with the real text:\n%s", dump(r))
	}
	if got := Printed("建设𠮷野平台", func(r rune) bool { return r <= 0xFFFF }); got != "建设?野平台" {
		t.Errorf("Printed = %q", got)
	}
}

func TestCityOf(t *testing.T) {
	for in, want := range map[string]string{
		"内江市创建省级创新型城市工作任务清单":        "内江市",
		"四川省自贡市创建省级创新型城市工作任务清单":     "自贡市",
		"创建省级创新型城市工作任务清单":           "",
		"晋城市科学技术局":                  "晋城市",
		"凉山彝族自治州科学技术局":              "凉山彝族自治州",
		"德阳市创建省级创新型城市 task list":    "德阳市",
		"Innovation city task list": "",
	} {
		t.Run(in, func(t *testing.T) {
			if got := cityOf(in); got != want {
				t.Errorf("cityOf(%q) = %q, want %q", in, got, want)
			}
		})
	}
}
