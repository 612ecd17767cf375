package docx_test

import (
	"bytes"
	"testing"

	"innoreport/report/docx"
	"innoreport/report/pdf"
)

// BenchmarkRender times the sample's Word document, chart included.
func BenchmarkRender(b *testing.B) {
	d, _ := sampleDoc(b, "zh")
	var size int
	for b.Loop() {
		var buf bytes.Buffer
		if err := docx.Render(&buf, d, docx.Options{Font: pdf.DefaultFont, Created: made}); err != nil {
			b.Fatal(err)
		}
		size = buf.Len()
	}
	b.ReportMetric(float64(size), "bytes")
}
