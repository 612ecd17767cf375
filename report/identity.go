package report

import (
	"fmt"
	"strings"
)

// Sourced is a value with where it came from: a cell ("任务清单!A2"), a
// document property ("docProps/core.xml creator") or the template.
type Sourced struct {
	Value  string `json:"value"`
	Source string `json:"source"`
}

// Identity is whose report it is: the city, the reporting office and the
// campaign's title, each as the workbook (or a template) says it.
type Identity struct {
	City   Sourced `json:"city"`
	Bureau Sourced `json:"bureau"`
	Title  Sourced `json:"title"`
}

// Properties are the document properties a workbook carries
// (docProps/core.xml and app.xml).
type Properties struct {
	Title   string
	Subject string
	Creator string
	Company string
}

var (
	// "四川省自贡市创建…" → 自贡市: the shortest run of Han characters
	// before the first 市/州/盟/地区, after an optional province named as
	// such (a bare "…省" would take "创建省级…" for one).
	reCity = lazyRegexp(`^(?:(?:河北|山西|辽宁|吉林|黑龙江|江苏|浙江|安徽|福建|江西|山东|河南|湖北|湖南|广东|海南|四川|贵州|云南|陕西|甘肃|青海)省|(?:内蒙古|广西|西藏|宁夏|新疆)[\p{Han}]{0,4}自治区)?([\p{Han}]{2,5}?(?:市|自治州|州|盟|地区))`)
	// No city's name holds these; a title's words do ("创建省级创新型").
	notCity = "创省级型"
	// "填报单位：自贡市科学技术局 截至…" → 自贡市科学技术局.
	// "填报单位（盖章）：…" too.
	reBureau = lazyRegexp(`(?:填报单位|报送单位|填报部门|报送部门|编制单位|填表单位|牵头单位)\s*(?:[（(][^）)]*[）)])?\s*[:：]\s*([^\s，,；;（(：:]+)`)
	// An office's name ends so: 科学技术局, 科技局, 发展和改革委员会, 办公室.
	reOffice = lazyRegexp(`(?:局|委员会|委|办公室|办|厅|中心|政府)$`)
)

// cityOf reads the city a title or an office's name begins with.
func cityOf(s string) string {
	m := reCity().FindStringSubmatch(strings.TrimSpace(s))
	if m == nil || strings.ContainsAny(m[1], notCity) {
		return ""
	}
	return m[1]
}

// campaignTitle drops the counts a title declares: "…任务清单（9大板块39项任务）"
// → "…任务清单".
func campaignTitle(s string) string {
	s = strings.TrimSpace(strings.ReplaceAll(s, "\n", ""))
	if i := strings.LastIndexAny(s, "（("); i > 0 && (strings.HasSuffix(s, "）") || strings.HasSuffix(s, ")")) {
		if inner := s[i:]; reDeclTasks().MatchString(inner) || reDeclSect().MatchString(inner) {
			s = strings.TrimSpace(s[:i])
		}
	}
	return s
}

// identify fills data.Identity from the preamble already read, then from
// the document properties where the sheet says nothing.
func identify(data *Data, props Properties) {
	id := &data.Identity
	sheet := data.Sheets["tasks"]
	if data.Title != "" {
		id.Title = Sourced{campaignTitle(data.Title), Ref(sheet, data.TitleCell)}
		if c := cityOf(data.Title); c != "" {
			id.City = Sourced{c, Ref(sheet, data.TitleCell)}
		}
	}
	if data.Bureau != "" {
		id.Bureau = Sourced{data.Bureau, Ref(sheet, data.BureauCell)}
	}
	if id.Title.Value == "" && strings.TrimSpace(props.Title) != "" {
		id.Title = Sourced{strings.TrimSpace(props.Title), "docProps/core.xml title"}
	}
	if id.Bureau.Value == "" {
		for _, p := range []struct{ v, src string }{
			{props.Company, "docProps/app.xml Company"}, {props.Creator, "docProps/core.xml creator"},
		} {
			if v := strings.TrimSpace(p.v); reOffice().MatchString(v) {
				id.Bureau = Sourced{v, p.src}
				break
			}
		}
	}
	if id.City.Value == "" {
		for _, s := range []Sourced{id.Bureau, id.Title} {
			if c := cityOf(s.Value); c != "" {
				id.City = Sourced{c, s.Source}
				break
			}
		}
	}
}

// fix lets the template's identity fields win over what the workbook says.
func (id *Identity) fix(t *Template) {
	src := "template " + t.Source
	if t.City != "" {
		id.City = Sourced{t.City, src}
	}
	if t.Bureau.Zh != "" {
		id.Bureau = Sourced{t.Bureau.Zh, src}
	}
	if t.Title.Zh != "" {
		id.Title = Sourced{t.Title.Zh, src}
	}
}

// missing names what the identity lacks, as an info finding saying what to
// add, or returns false.
func (id *Identity) missing(sheet string) (Finding, bool) {
	var zh, en []string
	if id.City.Value == "" {
		zh, en = append(zh, "城市"), append(en, "the city")
	}
	if id.Bureau.Value == "" {
		zh, en = append(zh, "填报单位"), append(en, "the reporting office")
	}
	if len(zh) == 0 {
		return Finding{}, false
	}
	return Finding{
		Severity: Info, Rule: RuleIdentity, Sheet: sheet, Value: strings.Join(zh, "、"),
		Message: Text{
			fmt.Sprintf("工作簿未写明%s，报告使用通用标题；请在标题行写明城市（如“某某市创建省级创新型城市工作任务清单”），在副标题写“填报单位：某某市科学技术局”，或在模板中设置 city、bureau",
				strings.Join(zh, "和")),
			fmt.Sprintf("the workbook does not say %s, so the report has a generic title: name the city in the title row (\"某某市创建省级创新型城市工作任务清单\"), add \"填报单位：某某市科学技术局\" below it, or set city and bureau in a template",
				strings.Join(en, " or ")),
		},
	}, true
}

// ReportTitle is the report's title: the template's where it sets one,
// else the city's, else a neutral one.
func (r *Result) ReportTitle(t *Template, lang Lang) string {
	if t != nil && t.Title.Zh != "" {
		if lang == En && t.Title.En != "" {
			return t.Title.En
		}
		return t.Title.Zh
	}
	city := r.Identity.City.Value
	if lang == En {
		if city != "" {
			return city + ": report on creating a provincial innovative city"
		}
		return "Report on creating a provincial innovative city"
	}
	return city + "创建省级创新型城市工作成效报告"
}

// Office is the reporting office in lang: the template's English name
// where it gives one, else as the workbook writes it.
func (r *Result) Office(t *Template, lang Lang) string {
	if lang == En && t != nil && t.Bureau.En != "" && r.Identity.Bureau.Value == t.Bureau.Zh {
		return t.Bureau.En
	}
	return r.Identity.Bureau.Value
}
