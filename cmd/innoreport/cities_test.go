package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"innoreport/internal/tooltest"
	"innoreport/report"
)

// Workbooks of other cities, made the way their bureaus make them: other
// offices, other indicator names, other layouts. Each report must name its
// own city and office, and never another one (never the sample's 内江).

// task is one row of an invented task list.
type task struct {
	name, deadline, lead, units, status string
	progress                            any
}

// cityTasks are two sections of three tasks, every state among them.
func cityTasks(short string) [][]task {
	return [][]task{
		{
			{"建设科技创新走廊", "2021年12月底", "市发展改革委", "市科技局", "已完成", 100},
			{"培育高新技术企业", "2021年6月", "市科技局", "市经济和信息化局", "推进中", 80},
			{"建设产业技术研究院", "2021年12月31日", "市科技局", "市财政局", "推进中", 90},
		},
		{
			{"引进高层次创新人才", "长期坚持", "市委组织部", "市人力资源社会保障局", "已完成", 100},
			{"开展科技金融服务", "2021年第四季度", "市财政局", "市科技局", "推进中", 95},
			{"建设" + short + "科技孵化器", "2022年6月", short + "高新区管委会", "市科技局", "推进中", 60},
		},
	}
}

// indicator is one row of an invented indicator sheet.
type indicator struct {
	name, unit               string
	baseline, target, actual any
}

func cityIndicators(short string) []indicator {
	return []indicator{
		{"省级及以上研发平台数量", "个", 20, 30, 33},
		{"科技型中小企业入库数", "家", 100, 200, 260},
		{"每万人有效发明专利数", "件", 1.5, 2.5, 2.4},
		{"高新技术企业数量", "家", 50, 80, 91},
		{"全社会研发经费投入强度", "%", 1.2, 1.8, 1.5},
		{short + "技术合同登记成交额", "亿元", 5, 10, 12.5},
	}
}

type bookWriter struct {
	t *testing.T
	f *excelize.File
}

func (w bookWriter) must(err error) {
	w.t.Helper()
	if err != nil {
		w.t.Fatal(err)
	}
}

func (w bookWriter) row(sheet string, r int, vals ...any) {
	w.t.Helper()
	cell, _ := excelize.CoordinatesToCellName(1, r)
	w.must(w.f.SetSheetRow(sheet, cell, &vals))
}

// formula writes a formula with no stored result, as a script does.
func (w bookWriter) formula(sheet, cell, formula string) {
	w.t.Helper()
	w.must(w.f.SetCellValue(sheet, cell, nil))
	w.must(w.f.SetCellFormula(sheet, cell, formula))
}

func (w bookWriter) merge(sheet, a, b string) { w.t.Helper(); w.must(w.f.MergeCell(sheet, a, b)) }

func (w bookWriter) bytes() []byte {
	w.t.Helper()
	var buf bytes.Buffer
	w.must(w.f.Write(&buf))
	w.must(w.f.Close())
	return buf.Bytes()
}

func newBook(t *testing.T, first string) bookWriter {
	f := excelize.NewFile()
	w := bookWriter{t, f}
	w.must(f.SetSheetName("Sheet1", first))
	return w
}

func (w bookWriter) sheet(name string) {
	_, err := w.f.NewSheet(name)
	w.must(err)
}

// zigong: sections as their own rows, one header row, a 填报单位 line.
func zigong(t *testing.T) []byte {
	w := newBook(t, "任务清单")
	s := "任务清单"
	w.row(s, 1, "自贡市创建省级创新型城市工作任务清单（2大板块6项任务）")
	w.merge(s, "A1", "G1")
	w.row(s, 2, "填报单位：自贡市科学技术局    截至2021年12月31日")
	w.merge(s, "A2", "G2")
	w.row(s, 3, "序号", "重点任务", "完成时限", "牵头单位", "责任单位", "完成状态", "完成进度")
	r, id := 4, 1
	for i, sec := range cityTasks("自贡") {
		w.row(s, r, []string{"一、优化创新布局（3项）", "二、集聚创新人才（3项）"}[i])
		w.merge(s, fmt.Sprintf("A%d", r), fmt.Sprintf("G%d", r))
		r++
		for _, tk := range sec {
			w.row(s, r, id, tk.name, tk.deadline, tk.lead, tk.units, tk.status, tk.progress)
			r, id = r+1, id+1
		}
	}
	w.sheet("指标体系")
	w.row("指标体系", 1, "序号", "指标名称", "单位", "基期值", "目标值", "完成值")
	for i, ind := range cityIndicators("自贡") {
		w.row("指标体系", i+2, i+1, ind.name, ind.unit, ind.baseline, ind.target, ind.actual)
	}
	return w.bytes()
}

// luzhou: a two-row header ("完成情况" over 状态 and 进度), sections in a
// column merged down, other header words and a 报送单位 line.
func luzhou(t *testing.T) []byte {
	w := newBook(t, "责任清单")
	s := "责任清单"
	w.row(s, 1, "泸州市创建省级创新型城市重点任务责任清单")
	w.merge(s, "A1", "H1")
	w.row(s, 2, "报送单位：泸州市科学技术局，截至2021年12月31日")
	w.merge(s, "A2", "H2")
	w.row(s, 3, "编号", "重点板块", "工作任务", "时间节点", "牵头部门", "配合单位", "完成情况", "")
	w.row(s, 4, "", "", "", "", "", "", "状态", "进度")
	for _, c := range []string{"A", "B", "C", "D", "E", "F"} {
		w.merge(s, c+"3", c+"4")
	}
	w.merge(s, "G3", "H3")
	r, id := 5, 1
	for i, sec := range cityTasks("泸州") {
		top := r
		for j, tk := range sec {
			section := ""
			if j == 0 {
				section = []string{"创新平台", "创新人才"}[i]
			}
			w.row(s, r, id, section, tk.name, tk.deadline, tk.lead, tk.units, tk.status, tk.progress)
			r, id = r+1, id+1
		}
		w.merge(s, fmt.Sprintf("B%d", top), fmt.Sprintf("B%d", r-1))
	}
	w.sheet("创建指标")
	w.row("创建指标", 1, "泸州市创建指标完成情况")
	w.merge("创建指标", "A1", "F1")
	w.row("创建指标", 2, "二级指标", "计量单位", "2019年基期值", "2021年目标值", "2021年完成值", "指标方向")
	for i, ind := range cityIndicators("泸州") {
		w.row("创建指标", i+3, ind.name, ind.unit, ind.baseline, ind.target, ind.actual, "正向")
	}
	return w.bytes()
}

// deyang: English headers; the office is only in the document
// properties, as a bureau's Office installation writes them.
func deyang(t *testing.T) []byte {
	w := newBook(t, "Tasks")
	s := "Tasks"
	w.row(s, 1, "德阳市创建省级创新型城市 task list, as of 2021-12-31")
	w.merge(s, "A1", "H1")
	w.row(s, 2, "No.", "Section", "Task", "Deadline", "Lead unit", "Responsible units", "Status", "Progress")
	r, id := 3, 1
	for i, sec := range cityTasks("德阳") {
		for _, tk := range sec {
			status := map[string]string{"已完成": "done", "推进中": "in progress"}[tk.status]
			w.row(s, r, id, []string{"Platforms", "Talent"}[i], tk.name, tk.deadline, tk.lead, tk.units, status, tk.progress)
			r, id = r+1, id+1
		}
	}
	w.sheet("Indicators")
	w.row("Indicators", 1, "No.", "Indicator", "Unit", "Baseline", "Target", "Actual")
	for i, ind := range cityIndicators("德阳") {
		w.row("Indicators", i+2, i+1, ind.name, ind.unit, ind.baseline, ind.target, ind.actual)
	}
	w.must(w.f.SetDocProps(&excelize.DocProperties{Title: "德阳市创建省级创新型城市工作任务清单", Creator: "张三"}))
	w.must(w.f.SetAppProps(&excelize.AppProperties{Company: "德阳市科学技术局"}))
	return w.bytes()
}

// suining: figures from formulas saved without their results, as a
// script or openpyxl writes them, some across sheets, one uncomputable.
func suining(t *testing.T) []byte {
	w := newBook(t, "任务清单")
	s := "任务清单"
	w.row(s, 1, "遂宁市创建省级创新型城市工作任务清单（2大板块6项任务）")
	w.merge(s, "A1", "H1")
	w.row(s, 2, "填报单位：遂宁市科学技术局 截至2021年12月31日")
	w.row(s, 3, "序号", "板块", "重点任务", "完成时限", "牵头单位", "责任单位", "状态", "进度")
	r, id := 4, 1
	for i, sec := range cityTasks("遂宁") {
		for _, tk := range sec {
			w.row(s, r, id, []string{"创新平台", "创新人才"}[i], tk.name, tk.deadline, tk.lead, tk.units, tk.status, tk.progress)
			r, id = r+1, id+1
		}
	}
	w.sheet("数据")
	w.row("数据", 1, "项目", "数值")
	for i, v := range []any{20, 13, 0.8, 120, 80, 1.4, 1.6} {
		w.row("数据", i+2, fmt.Sprint("项", i+1), v)
	}
	// Progress of task 2 from the data sheet: 80.
	w.formula(s, "H5", "ROUND(数据!B4*100,0)")
	w.formula(s, "H6", `IF(数据!B2>0,90,0)`)
	w.sheet("指标体系")
	w.row("指标体系", 1, "序号", "指标名称", "单位", "基期值", "目标值", "完成值")
	for i, ind := range cityIndicators("遂宁") {
		w.row("指标体系", i+2, i+1, ind.name, ind.unit, ind.baseline, ind.target, ind.actual)
	}
	w.formula("指标体系", "F2", "数据!B2+数据!B3")       // 33
	w.formula("指标体系", "E3", "SUM(数据!B5:B6)")     // 200
	w.formula("指标体系", "F6", "AVERAGE(数据!B7:B8)") // 1.5
	w.formula("指标体系", "F7", "NOSUCHFUNCTION(1)")
	return w.bytes()
}

// yibin: saved by LibreOffice, with its own package layout and styles.
func yibin(t *testing.T) []byte {
	w := newBook(t, "工作任务清单")
	s := "工作任务清单"
	w.row(s, 1, "宜宾市创建省级创新型城市工作任务清单")
	w.merge(s, "A1", "H1")
	w.row(s, 2, "填报单位：宜宾市科学技术局（市创新办）", "", "", "", "", "截至：2021年12月31日")
	w.row(s, 3, "序号", "任务板块", "任务名称", "完成时间", "牵头单位", "协同单位", "进展状态", "完成比例")
	r, id := 4, 1
	for i, sec := range cityTasks("宜宾") {
		for _, tk := range sec {
			w.row(s, r, id, []string{"创新平台", "创新人才"}[i], tk.name, tk.deadline, tk.lead, tk.units, tk.status, fmt.Sprint(tk.progress, "%"))
			r, id = r+1, id+1
		}
	}
	w.sheet("指标")
	w.row("指标", 1, "序号", "指标", "单位", "基准值", "目标值", "实际值")
	for i, ind := range cityIndicators("宜宾") {
		w.row("指标", i+2, i+1, ind.name, ind.unit, ind.baseline, ind.target, fmt.Sprint(ind.actual, ind.unit))
	}
	data := w.bytes()
	soffice := tooltest.Need(t, "soffice", "libreoffice-calc-nogui")
	dir := t.TempDir()
	in := filepath.Join(dir, "in", "yibin.xlsx")
	if err := os.MkdirAll(filepath.Dir(in), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(in, data, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(soffice, "--headless", "--norestore", "-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
		"--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", filepath.Join(dir, "out"), in)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, out)
	}
	saved, err := os.ReadFile(filepath.Join(dir, "out", "yibin.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(saved, []byte("docProps/app.xml")) || bytes.Equal(saved, data) {
		t.Fatal("LibreOffice did not write the workbook anew")
	}
	return saved
}

type city struct {
	file, name, bureau string
	// finding rules this layout must not raise
	absent []string
	build  func(*testing.T) []byte
	// findings this workbook must raise, as rule@sheet!cell
	want []string
}

var cities = []city{
	{"zigong-2021.xlsx", "自贡市", "自贡市科学技术局", []string{report.RuleMissingColumn, report.RuleMissingSheet, report.RuleIdentity}, zigong, nil},
	{"luzhou-2021.xlsx", "泸州市", "泸州市科学技术局", []string{report.RuleMissingColumn, report.RuleMissingSheet, report.RuleIdentity}, luzhou, nil},
	{"deyang-2021.xlsx", "德阳市", "德阳市科学技术局", []string{report.RuleMissingColumn, report.RuleMissingSheet, report.RuleIdentity}, deyang, nil},
	{"suining-2021.xlsx", "遂宁市", "遂宁市科学技术局", []string{report.RuleMissingColumn, report.RuleMissingSheet, report.RuleIdentity}, suining, []string{
		report.RuleFormulaComputed + "@任务清单!H5", report.RuleFormulaComputed + "@任务清单!H6",
		report.RuleFormulaComputed + "@指标体系!F2", report.RuleFormulaComputed + "@指标体系!E3",
		report.RuleFormulaComputed + "@指标体系!F6", report.RuleFormulaUncached + "@指标体系!F7",
		report.RuleMissingActual + "@指标体系!F7",
	}},
	{"yibin-2021.xlsx", "宜宾市", "宜宾市科学技术局", []string{report.RuleMissingColumn, report.RuleMissingSheet, report.RuleIdentity, report.RuleType}, yibin, nil},
}

// others are the names no city's report may carry but its own.
func others(c city) []string {
	out := []string{"内江", "Neijiang", "neijiang"}
	for _, o := range cities {
		if o.name != c.name {
			out = append(out, o.name, strings.TrimSuffix(o.name, "市"), strings.TrimSuffix(o.bureau, "科学技术局"))
		}
	}
	return out
}

// pdfPages returns each page's text.
func pdfPages(t *testing.T, path string) []string {
	t.Helper()
	pdftotext := tooltest.Need(t, "pdftotext", "poppler-utils")
	out, err := exec.Command(pdftotext, "-layout", path, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	pages := strings.Split(string(out), "\f")
	if n := len(pages); n > 0 && strings.TrimSpace(pages[n-1]) == "" {
		pages = pages[:n-1]
	}
	return pages
}

func pdfInfo(t *testing.T, path string) map[string]string {
	t.Helper()
	pdfinfo := tooltest.Need(t, "pdfinfo", "poppler-utils")
	out, err := exec.Command(pdfinfo, path).Output()
	if err != nil {
		t.Fatal(err)
	}
	info := map[string]string{}
	for _, l := range strings.Split(string(out), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok {
			info[k] = strings.TrimSpace(v)
		}
	}
	return info
}

func TestInventedCities(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "1641340800")
	for _, c := range cities {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, c.file)
			if err := os.WriteFile(path, c.build(t), 0o444); err != nil {
				t.Fatal(err)
			}
			// Flags after the workbook, as a newcomer types them.
			var out, errb bytes.Buffer
			err := run(context.Background(), []string{"check", path, "-format", "json", "-fail-on", "never"}, &out, &errb)
			if err != nil {
				t.Fatalf("check: %v\n%s", err, errb.String())
			}
			var res struct {
				Identity   report.Identity
				Tasks      struct{ Total, Sections int }
				Indicators []struct{ Name string }
				Findings   []struct {
					Rule, Sheet, Cell string
					Messages          report.Text
				}
			}
			if err := json.Unmarshal(out.Bytes(), &res); err != nil {
				t.Fatal(err)
			}
			id := res.Identity
			if id.City.Value != c.name || id.Bureau.Value != c.bureau || id.City.Source == "" || id.Bureau.Source == "" {
				t.Errorf("identity = %+v, want %s and %s with their sources", id, c.name, c.bureau)
			}
			if !strings.Contains(id.Title.Value, c.name) {
				t.Errorf("identity title = %+v, want one naming %s", id.Title, c.name)
			}
			if res.Tasks.Total != 6 || res.Tasks.Sections != 2 || len(res.Indicators) != 6 {
				t.Errorf("read %d tasks in %d sections, %d indicators; want 6, 2, 6", res.Tasks.Total, res.Tasks.Sections, len(res.Indicators))
			}
			for _, f := range res.Findings {
				for _, rule := range c.absent {
					if f.Rule == rule {
						t.Errorf("false finding %s at %s!%s: %s", f.Rule, f.Sheet, f.Cell, f.Messages.Zh)
					}
				}
			}
			for _, want := range c.want {
				found := false
				for _, f := range res.Findings {
					found = found || f.Rule+"@"+f.Sheet+"!"+f.Cell == want
				}
				if !found {
					t.Errorf("no finding %s", want)
				}
			}
			for _, lang := range []string{"zh", "en"} {
				t.Run(lang, func(t *testing.T) { checkCityOutputs(t, c, path, lang) })
			}
		})
	}
}

// checkCityOutputs builds one city's report in lang and reads every output
// a bureau forwards: the PDF's pages and metadata, the mail's subject and
// body, the updated workbook's name.
func checkCityOutputs(t *testing.T, c city, path, lang string) {
	out := filepath.Join(t.TempDir(), "out")
	// Every flag at its default, as the command line would leave it.
	var b buildFlags
	fs := newFlagSet("build", io.Discard, nil)
	b.register(fs)
	if err := fs.Parse([]string{"-lang", lang, "-mail-to", "leader@example.gov.cn"}); err != nil {
		t.Fatal(err)
	}
	t.Setenv("INNOREPORT_SMTP_URL", "smtp://127.0.0.1:1")
	t.Setenv("INNOREPORT_MAIL_FROM", "kjj@example.gov.cn")
	if err := b.prepare(); err != nil {
		t.Fatal(err)
	}
	pl := b.pipeline(b.archive.path(out))
	in, err := b.open([]string{path})
	if err != nil {
		t.Fatal(err)
	}
	bt, err := pl.Build(context.Background(), in, outputName([]string{path}), out, true)
	if err != nil {
		t.Fatal(err)
	}
	forbidden := others(c)
	never := func(where, text string) {
		t.Helper()
		for _, o := range forbidden {
			if strings.Contains(text, o) {
				t.Errorf("%s names %q:\n%s", where, o, text)
			}
		}
	}
	pages := pdfPages(t, bt.PDF)
	if len(pages) < 3 {
		t.Fatalf("%d pages", len(pages))
	}
	for i, p := range pages {
		if !strings.Contains(p, c.name) {
			t.Errorf("page %d does not name %s:\n%s", i+1, c.name, p)
		}
		never(fmt.Sprintf("page %d", i+1), p)
	}
	if !strings.Contains(pages[0], c.bureau) {
		t.Errorf("cover does not name %s:\n%s", c.bureau, pages[0])
	}
	info := pdfInfo(t, bt.PDF)
	if !strings.Contains(info["Title"], c.name) || info["Author"] != c.bureau {
		t.Errorf("PDF metadata Title %q Author %q; want %s and %s", info["Title"], info["Author"], c.name, c.bureau)
	}
	never("PDF metadata", info["Title"]+" "+info["Author"]+" "+info["Subject"])
	m, err := pl.Compose(bt)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.Subject, c.name) {
		t.Errorf("mail subject %q does not name %s", m.Subject, c.name)
	}
	never("mail subject", m.Subject)
	never("mail text", m.Text)
	if lang == "en" && strings.ContainsAny(strings.ReplaceAll(m.Text, m.Subject, ""), "：，（）") {
		t.Errorf("English mail body has full-width punctuation:\n%s", m.Text)
	}
	stem := strings.TrimSuffix(c.file, ".xlsx")
	if filepath.Base(bt.Book) != stem+"-updated.xlsx" || filepath.Base(bt.PDF) != stem+"-report.pdf" {
		t.Errorf("outputs %s, %s; want named after %s", bt.Book, bt.PDF, c.file)
	}
	never("output names", bt.Book+" "+bt.PDF)
	book, err := excelize.OpenFile(bt.Book)
	if err != nil {
		t.Fatal(err)
	}
	defer book.Close()
	for _, sh := range book.GetSheetList() {
		rows, err := book.GetRows(sh)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			never("updated workbook sheet "+sh, strings.Join(r, " "))
		}
	}
	js, err := os.ReadFile(bt.JSON)
	if err != nil {
		t.Fatal(err)
	}
	never("JSON", string(js))
	// The overview names only indicators this workbook has.
	for _, sampleOnly := range []string{"引进院士", "新增技能大师", "评选首席技师", "省级以上研发创新平台"} {
		if strings.Contains(pages[1], sampleOnly) {
			t.Errorf("overview names %s, which this workbook lacks", sampleOnly)
		}
	}
}

// A workbook that names no city gets the neutral title, no office, an
// info finding saying what to add, and never the sample's city.
func TestWorkbookNamingNoCity(t *testing.T) {
	w := newBook(t, "任务清单")
	w.row("任务清单", 1, "创建省级创新型城市工作任务清单")
	w.row("任务清单", 2, "序号", "板块", "重点任务", "完成时限", "牵头单位", "状态", "进度")
	for i, tk := range cityTasks("某")[0] {
		w.row("任务清单", i+3, i+1, "创新平台", tk.name, tk.deadline, tk.lead, tk.status, tk.progress)
	}
	path := filepath.Join(t.TempDir(), "book.xlsx")
	if err := os.WriteFile(path, w.bytes(), 0o444); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out")
	var stdout, errb bytes.Buffer
	if err := run(context.Background(), []string{"build", path, "-out", out, "-format", "json"}, &stdout, &errb); err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	var res struct {
		Identity report.Identity
		Findings []struct{ Rule, Severity string }
		Outputs  struct{ PDF string }
	}
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	if res.Identity.City.Value != "" || res.Identity.Bureau.Value != "" {
		t.Errorf("identity %+v from a workbook that names none", res.Identity)
	}
	found := false
	for _, f := range res.Findings {
		found = found || f.Rule == report.RuleIdentity && f.Severity == "info"
	}
	if !found {
		t.Errorf("no info finding %s: %+v", report.RuleIdentity, res.Findings)
	}
	pages := pdfPages(t, res.Outputs.PDF)
	for i, p := range pages {
		if strings.Contains(p, "内江") {
			t.Errorf("page %d names 内江:\n%s", i+1, p)
		}
	}
	if !strings.Contains(pages[0], "创建省级创新型城市工作成效报告") {
		t.Errorf("cover lacks the neutral title:\n%s", pages[0])
	}
	if info := pdfInfo(t, res.Outputs.PDF); info["Title"] != "创建省级创新型城市工作成效报告" || info["Author"] != "" {
		t.Errorf("PDF metadata %q by %q", info["Title"], info["Author"])
	}
}
