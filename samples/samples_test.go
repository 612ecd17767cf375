package samples

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"innoreport/internal/tooltest"
)

// The checked-in sample must be what the generator makes, byte for byte.
func TestSampleIsRegenerated(t *testing.T) {
	var buf bytes.Buffer
	if err := Generate(&buf, Config{}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), Workbook) {
		t.Error("samples/neijiang-2021.xlsx is stale or the generator is not deterministic: run go run ./samples/gen")
	}
}

func TestLargeWorkbook(t *testing.T) {
	var buf bytes.Buffer
	if err := Generate(&buf, Config{Tasks: 500, Indicators: 40}); err != nil {
		t.Fatal(err)
	}
	if buf.Len() <= len(Workbook) {
		t.Errorf("500 tasks gave %d bytes, no more than the sample", buf.Len())
	}
}

// LibreOffice must open the sample without complaint and see its rows.
func TestSampleOpensInLibreOffice(t *testing.T) {
	soffice := tooltest.Need(t, "soffice", "libreoffice-calc-nogui")
	dir := t.TempDir()
	in := filepath.Join(dir, "s.xlsx")
	if err := os.WriteFile(in, Workbook, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(soffice, "--headless", "-env:UserInstallation=file://"+filepath.Join(dir, "profile"),
		"--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1", "--outdir", dir, in)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("soffice: %v\n%s", err, out)
	}
	csv, err := os.ReadFile(filepath.Join(dir, "s-任务清单.csv"))
	if err != nil {
		t.Fatalf("no CSV for the tasks sheet: %v\n%s", err, out)
	}
	text := string(csv)
	for _, want := range []string{"9大板块39项任务", "截至2021年12月31日", "推进县域创新发展", "加强宣传报道"} {
		if !strings.Contains(text, want) {
			t.Errorf("LibreOffice's view of the tasks sheet lacks %q", want)
		}
	}
}
