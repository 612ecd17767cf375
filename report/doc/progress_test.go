package doc_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"innoreport/report"
	"innoreport/report/doc"
)

// The trend chart has one point a period for the completion rate and for
// each headline indicator's attainment, oldest first; the chapter and
// the overview say what changed.
func TestProgressChapterAndTrend(t *testing.T) {
	res, tm := sample(t)
	cur := res.Snapshot()
	older := func(asOf string, rate float64, scale float64) report.Snapshot {
		s := cur
		d, err := time.Parse(time.DateOnly, asOf)
		if err != nil {
			t.Fatal(err)
		}
		s.AsOf = report.Day(d)
		s.Tasks.Rate = rate
		s.Indicators = nil
		for _, in := range cur.Indicators {
			if in.Attainment != nil {
				v := *in.Attainment * scale
				in.Attainment = &v
			}
			s.Indicators = append(s.Indicators, in)
		}
		return s
	}
	q2, q3 := older("2021-06-30", 0.5, 0.5), older("2021-09-30", 0.6, 0.8)
	cmp := report.Compare(q3, cur)
	for _, lang := range report.Langs {
		t.Run(string(lang), func(t *testing.T) {
			d, err := doc.Build(res, tm, doc.Options{Lang: lang, Made: made, Compare: cmp, Trend: []report.Snapshot{q2, q3, cur}})
			if err != nil {
				t.Fatal(err)
			}
			first := d.Chapters[0].Blocks[0].Paragraph
			want := map[report.Lang]string{"zh": "较上期（2021年9月30日）新增完成0项，完成率提高11.8个百分点，新增逾期0项", "en": "Since the previous report (30 September 2021), 0 tasks newly done, the completion rate up 11.8 points"}[lang]
			if !strings.HasPrefix(first, want) {
				t.Errorf("overview opens with %q, want %q", first, want)
			}
			ch := d.Chapters[1]
			if title := map[report.Lang]string{"zh": "二、本期进展", "en": "2. Progress this period"}[lang]; ch.Title != title {
				t.Fatalf("chapter 2 is %q, want %q", ch.Title, title)
			}
			// Every chapter but the appendix numbered in turn, the
			// inserted one included.
			for i, c := range d.Chapters[:len(d.Chapters)-1] {
				want := map[report.Lang]string{"zh": []string{"一", "二", "三", "四", "五", "六", "七", "八", "九"}[i] + "、", "en": fmt.Sprintf("%d. ", i+1)}[lang]
				if !strings.HasPrefix(c.Title, want) {
					t.Errorf("chapter %d is %q, want it numbered %q", i+1, c.Title, want)
				}
			}
			var tr *doc.Trend
			for _, b := range ch.Blocks {
				if b.Trend != nil {
					tr = b.Trend
				}
			}
			if tr == nil {
				t.Fatal("no trend chart")
			}
			if strings.Join(tr.Labels, " ") != "2021-06-30 2021-09-30 2021-12-31" {
				t.Errorf("labels %v", tr.Labels)
			}
			rate := tr.Series[0]
			if *rate.Values[0] != 0.5 || *rate.Values[1] != 0.6 || *rate.Values[2] != res.Tasks.Rate {
				t.Errorf("completion rate points %v %v %v", *rate.Values[0], *rate.Values[1], *rate.Values[2])
			}
			if len(tr.Series) < 2 {
				t.Fatal("no headline indicator in the trend")
			}
			ind := tr.Series[1]
			var now *float64
			for _, in := range res.Indicators {
				if in.Name == ind.Name {
					now = in.Attainment
				}
			}
			if now == nil || *ind.Values[2] != *now || *ind.Values[0] != *now*0.5 || *ind.Values[1] != *now*0.8 {
				t.Errorf("%s's attainment points are not the periods' own", ind.Name)
			}
		})
	}
}
