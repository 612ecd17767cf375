package doc_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"innoreport/report"
	"innoreport/report/doc"
	"innoreport/report/xlsx"
	"innoreport/samples"
)

// chapterText is all the prose of the chapters whose title holds title.
func chapterText(d *doc.Document, title string) string {
	var b strings.Builder
	for _, ch := range d.Chapters {
		if strings.Contains(ch.Title, title) {
			for _, bl := range ch.Blocks {
				for _, s := range []string{bl.Heading, bl.Paragraph} {
					if s != "" {
						b.WriteString(s + "\n")
					}
				}
			}
		}
	}
	return b.String()
}

// Each section's paragraph says done of total, quotes a finished task's
// note, and names each lagging task with its lead unit, from the data.
func TestSectionParagraphs(t *testing.T) {
	res, tm := sample(t)
	d, err := doc.Build(res, tm, doc.Options{Lang: "zh", Made: made})
	if err != nil {
		t.Fatal(err)
	}
	text := chapterText(d, "分板块")
	for i, g := range res.Sections {
		head := fmt.Sprintf("（%s）%s", []string{"一", "二", "三", "四", "五", "六", "七", "八", "九"}[i], g.Name)
		at := strings.Index(text, head)
		if at < 0 {
			t.Errorf("no heading %s", head)
			continue
		}
		para := strings.SplitN(text[at+len(head)+1:], "\n", 2)[0]
		if want := fmt.Sprintf("该板块共%d项任务，已完成%d项", g.Total, g.Done); !strings.HasPrefix(para, want) {
			t.Errorf("%s: paragraph %q does not start %q", g.Name, para, want)
		}
		for _, tr := range res.TaskList {
			if tr.Section != g.Name {
				continue
			}
			if (tr.State == report.StateOverdue || tr.State == report.StateBehind) && !strings.Contains(para, tr.Name+tr.State.Label(report.Zh)) {
				t.Errorf("%s: lagging task %s not named", g.Name, tr.Name)
			}
			if tr.State == report.StateBehind && tr.Lead != "" && !strings.Contains(para, "由"+tr.Lead+"牵头") {
				t.Errorf("%s: lead %s of %s not named", g.Name, tr.Lead, tr.Name)
			}
		}
	}
	if !strings.Contains(text, "（方案已印发实施）") {
		t.Error("no department's 进展情况 note is quoted")
	}
}

// 存在问题 lists every lagging task and the indicators short of target;
// 下一步工作 the tasks due in the next quarter.
func TestProblemsAndNextSteps(t *testing.T) {
	res, tm := sample(t)
	d, err := doc.Build(res, tm, doc.Options{Lang: "zh", Made: made})
	if err != nil {
		t.Fatal(err)
	}
	problems := chapterText(d, "存在问题")
	for _, tr := range res.TaskList {
		if tr.State == report.StateOverdue || tr.State == report.StateBehind || tr.State == report.StateNotStarted {
			if !strings.Contains(problems, tr.Name+"："+tr.State.Label(report.Zh)) {
				t.Errorf("存在问题 does not list %s (%s)", tr.Name, tr.State.Label(report.Zh))
			}
		}
	}
	for _, want := range []string{"逾期2项、欠进度5项、未启动1项", "全社会研发经费投入强度", "公民具备科学素质比例", "错误5个", "任务清单!A27"} {
		if !strings.Contains(problems, want) {
			t.Errorf("存在问题 lacks %q:\n%s", want, problems)
		}
	}
	next := chapterText(d, "下一步")
	if !strings.Contains(next, "2022年第一季度（截至2022年3月31日）没有到期的任务") || !strings.Contains(next, "建设数字经济产业园") {
		t.Errorf("下一步工作 at 2021-12-31:\n%s", next)
	}

	// A quarter later, the two tasks due on 2022-06-30 fall due next.
	wb, err := xlsx.Read(samples.Name, samples.Workbook, xlsx.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res = report.Analyze(wb, tm, report.Options{AsOf: time.Date(2022, 3, 31, 0, 0, 0, 0, time.UTC)})
	d, err = doc.Build(res, tm, doc.Options{Lang: "en", Made: made})
	if err != nil {
		t.Fatal(err)
	}
	next = chapterText(d, "Next steps")
	for _, want := range []string{"by the end of Q2 2022 (30 June 2022)", "建设数字经济产业园 (led by 内江市经济和信息化局, due 2022-06-30", "推进国际科技合作"} {
		if !strings.Contains(next, want) {
			t.Errorf("next steps at 2022-03-31 lack %q:\n%s", want, next)
		}
	}
}

// Chapters flow on unless the template asks for a break.
func TestChapterBreak(t *testing.T) {
	res, tm := sample(t)
	d, err := doc.Build(res, tm, doc.Options{Lang: "zh", Made: made})
	if err != nil {
		t.Fatal(err)
	}
	if d.ChapterBreak {
		t.Error("the built-in template breaks chapters")
	}
	tm.ChapterBreak = true
	if d, err = doc.Build(res, tm, doc.Options{Lang: "zh", Made: made}); err != nil || !d.ChapterBreak {
		t.Errorf("chapter_break: true not carried to the document (%v)", err)
	}
}
