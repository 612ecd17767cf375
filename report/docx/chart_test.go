package docx_test

import (
	"bytes"
	"image/png"
	"math"
	"strconv"
	"strings"
	"testing"
)

// The picture is the PDF's chart: each series in its colour, its bars
// as long as its counts say (area ∝ count, plus one legend swatch).
func TestChartPicture(t *testing.T) {
	d, _ := sampleDoc(t, "zh")
	var pic []byte
	for name, b := range unzip(t, render(t, d, nil)) {
		if strings.HasSuffix(name, ".png") {
			pic = b
		}
	}
	img, err := png.Decode(bytes.NewReader(pic))
	if err != nil {
		t.Fatal(err)
	}
	// 300 dpi across the text width, 156 mm.
	if w := img.Bounds().Dx(); math.Abs(float64(w)-156/25.4*300) > 3 {
		t.Errorf("picture is %d px wide, want 300 dpi over 156 mm", w)
	}
	count := map[[3]uint32]int{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			count[[3]uint32{r >> 8, g >> 8, bl >> 8}]++
		}
	}
	chart := d.Chapters[1].Blocks[1].Chart
	if chart == nil {
		t.Fatal("no chart in the sections chapter")
	}
	swatch := math.Pow(4/25.4*300, 2)
	var perUnit float64
	for _, s := range chart.Series {
		v, err := strconv.ParseUint(s.Color, 16, 32)
		if err != nil {
			t.Fatal(err)
		}
		total := 0
		for _, n := range s.Values {
			total += n
		}
		px := float64(count[[3]uint32{uint32(v >> 16 & 0xFF), uint32(v >> 8 & 0xFF), uint32(v & 0xFF)}])
		if px < swatch*0.9 {
			t.Errorf("series %s: colour %s hardly in the picture (%v px)", s.Name, s.Color, px)
			continue
		}
		if total == 0 {
			continue
		}
		unit := (px - swatch) / float64(total)
		if perUnit == 0 {
			perUnit = unit
		}
		if math.Abs(unit-perUnit)/perUnit > 0.03 {
			t.Errorf("series %s: %.0f px per task, the first series %.0f", s.Name, unit, perUnit)
		}
	}
}

// The sample's chart, written by the canvas's own deflate, is about as
// small as image/png makes it at its fastest.
func TestChartPNGSize(t *testing.T) {
	d, _ := sampleDoc(t, "zh")
	var pic []byte
	for name, b := range unzip(t, render(t, d, nil)) {
		if strings.HasSuffix(name, ".png") {
			pic = b
		}
	}
	img, err := png.Decode(bytes.NewReader(pic))
	if err != nil {
		t.Fatal(err)
	}
	var std bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&std, img); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d vs %d", len(pic), std.Len())
	if len(pic) > std.Len()*3/2 {
		t.Errorf("the chart is %d bytes, image/png's fastest %d", len(pic), std.Len())
	}
}
