package docx_test

import (
	"bytes"
	"image/png"
	"strings"
	"testing"

	"innoreport/report/doc"
)

// The comparison's trend chart reaches the Word document as a picture with
// its caption, as the PDF draws it, each series' colour on it.
func TestTrendIsAPicture(t *testing.T) {
	d, _ := sampleDoc(t, "zh")
	v := func(f float64) *float64 { return &f }
	tr := &doc.Trend{Title: "完成率和主要指标目标达成率走势", Labels: []string{"2021-06-30", "2021-09-30", "2021-12-31"},
		Series: []doc.TrendSeries{
			{Name: "任务完成率", Color: "2E7D32", Values: []*float64{v(0.5), v(0.6), v(0.72)}},
			{Name: "科技型中小企业", Color: "1565C0", Values: []*float64{v(0.8), nil, v(1.2)}},
		}}
	d.Chapters[0].Blocks = append(d.Chapters[0].Blocks, doc.Block{Trend: tr})
	parts := checkPackage(t, render(t, d, nil))
	if !strings.Contains(string(parts["word/document.xml"]), tr.Title) {
		t.Error("no caption for the trend chart")
	}
	var pictures int
	for name, data := range parts {
		if !strings.HasPrefix(name, "word/media/") {
			continue
		}
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		seen := map[string]bool{}
		b := img.Bounds()
		for y := b.Min.Y; y < b.Max.Y; y += 2 {
			for x := b.Min.X; x < b.Max.X; x += 2 {
				r, g, bl, _ := img.At(x, y).RGBA()
				switch [3]uint32{r >> 8, g >> 8, bl >> 8} {
				case [3]uint32{0x2E, 0x7D, 0x32}:
					seen["rate"] = true
				case [3]uint32{0x15, 0x65, 0xC0}:
					seen["smes"] = true
				}
			}
		}
		if seen["smes"] {
			pictures++
			if !seen["rate"] {
				t.Errorf("%s: the trend picture lacks the completion rate's line", name)
			}
		}
	}
	if pictures != 1 {
		t.Errorf("%d pictures carry the trend's second series, want 1", pictures)
	}
}
