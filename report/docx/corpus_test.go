package docx_test

import (
	"os"
	"path/filepath"
	"sort"
	"testing"

	"innoreport/report"
	"innoreport/report/doc"
	"innoreport/report/xlsx"
	"innoreport/templates"
)

// Strangers' workbooks (other libraries' test files, in shared/corpus
// beside the project) carry any text at all into the findings and tables:
// every fifth that reads gives a Word document whose parts are sound.
func TestCorpusWorkbooks(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "corpus", "xlsx")
	names, err := filepath.Glob(filepath.Join(dir, "*.xlsx"))
	if err != nil || len(names) == 0 {
		if os.Getenv("INNOREPORT_REQUIRE_TOOLS") != "" {
			t.Fatalf("corpus not found at %s: CI copies shared/ beside the clone", dir)
		}
		t.Skipf("corpus not found at %s", dir)
	}
	sort.Strings(names)
	tm, err := report.ParseTemplate(templates.BuiltinName, templates.Builtin)
	if err != nil {
		t.Fatal(err)
	}
	built := 0
	for i := 0; i < len(names); i += 5 {
		name := names[i]
		t.Run(filepath.Base(name), func(t *testing.T) {
			data, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			wb, err := xlsx.Read(filepath.Base(name), data, xlsx.Options{})
			if err != nil {
				// Refused by the reader (encrypted, legacy, a bomb):
				// nothing to write, and the corpus test says why.
				t.Logf("not read: %v", err)
				return
			}
			d, err := doc.Build(report.Analyze(wb, tm, report.Options{}), tm, doc.Options{Lang: "zh", Made: made})
			if err != nil {
				t.Fatal(err)
			}
			files := checkPackage(t, render(t, d, nil))
			checkOrder(t, "word/document.xml", files["word/document.xml"])
			built++
		})
	}
	if built < 50 {
		t.Errorf("only %d corpus workbooks built", built)
	}
}
