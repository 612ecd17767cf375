package doc_test

import (
	"strings"
	"testing"

	"innoreport/report"
	"innoreport/report/doc"
)

// A collected master's report gains the chapter 报送情况; any other does
// not.
func TestReturnsChapter(t *testing.T) {
	res, tm := sample(t)
	d, err := doc.Build(res, tm, doc.Options{Lang: "zh", Made: made})
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range d.Chapters {
		if strings.Contains(ch.Title, "报送情况") {
			t.Fatalf("the sample's report has %s", ch.Title)
		}
	}
	n := len(d.Chapters)
	res.ReturnStatus = []report.ReturnStatus{
		{Unit: "内江市科学技术局", State: report.ReturnOnTime, Received: "2022-01-05T09:00:00Z", RowsUpdated: 2, Findings: 3},
		{Unit: "内江市农业农村局", State: report.ReturnLate, Received: "2022-01-15T09:00:00Z", RowsUpdated: 1},
		{Unit: "中共内江市委宣传部", State: report.ReturnMissing},
	}
	for _, lang := range report.Langs {
		d, err := doc.Build(res, tm, doc.Options{Lang: lang, Made: made})
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Chapters) != n+1 {
			t.Fatalf("%s: %d chapters, want %d", lang, len(d.Chapters), n+1)
		}
		// Before the appendix, numbered after the seven chapters before it.
		ch := d.Chapters[n-1]
		want := map[report.Lang]string{"zh": "八、报送情况", "en": "8. Returns from the units"}[lang]
		if ch.Title != want {
			t.Errorf("%s: chapter %q, want %q", lang, ch.Title, want)
		}
		para := map[report.Lang]string{
			"zh": "应报送单位3个：按时报送1个，逾期报送1个，未报送1个。逾期报送：内江市农业农村局。未报送：中共内江市委宣传部。",
			"en": "Of 3 units, 1 reported on time, 1 late and 1 not at all. Late: 内江市农业农村局. Not reported: 中共内江市委宣传部.",
		}[lang]
		if ch.Blocks[0].Paragraph != para {
			t.Errorf("%s: %q", lang, ch.Blocks[0].Paragraph)
		}
		tb := ch.Blocks[1].Table
		if len(tb.Rows) != 3 || tb.Rows[0].Mark != "" || tb.Rows[1].Mark != "warn" || tb.Rows[2].Mark != "bad" ||
			tb.Rows[0].Cells[3].Text != "2" || tb.Rows[2].Cells[2].Text != "—" {
			t.Errorf("%s: table %+v", lang, tb.Rows)
		}
	}
}
