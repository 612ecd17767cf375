package xlsx_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"innoreport/report"
	"innoreport/report/xlsx"
)

// disagreements compares the streaming reader with excelize, the slow
// reader it stands in for (fzf's oracle: the fast path against the simple
// one): every cell value the one reads, the other reads the same. It
// returns nothing where excelize cannot open the package or panics on it,
// which the reader may well get through, and sheets it reads nothing of.
//
// What the reader does by design is left aside: a merged range's value is
// copied into all its cells (compared only in its first), a boolean reads
// TRUE or FALSE, a date cell keeps its day, and a formula saved without
// its result is computed (or left blank) with a finding at its cell.
func disagreements(wb *report.Workbook, data []byte) (diffs []string) {
	defer func() {
		if r := recover(); r != nil {
			diffs = nil
		}
	}()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		return nil
	}
	defer f.Close()
	computed := map[string]bool{}
	for _, fd := range wb.Findings {
		if fd.Rule == report.RuleFormulaComputed || fd.Rule == report.RuleFormulaUncached {
			computed[fd.Sheet+"!"+fd.Cell] = true
		}
	}
	if got, want := sheetNames(wb), f.GetSheetList(); !slices.Equal(got, want) {
		return []string{fmt.Sprintf("sheets: reader %q, excelize %q", got, want)}
	}
	for _, s := range wb.Sheets {
		rows, err := f.GetRows(s.Name, excelize.Options{RawCellValue: true})
		if err != nil {
			return nil
		}
		theirs := map[string]string{}
		for r, row := range rows {
			for c, v := range row {
				if v != "" {
					theirs[report.CellName(c, r)] = v
				}
			}
		}
		if len(theirs) == 0 {
			// excelize found no cell in the sheet: it could not read the
			// part (a broken content-types part, a byte-order mark, an
			// entity bomb in the shared strings), which the reader does.
			continue
		}
		for r, row := range s.Rows {
			for c, cell := range row {
				ref := report.CellName(c, r)
				want, ok := theirs[ref]
				delete(theirs, ref)
				if cell.Merged || computed[s.Name+"!"+ref] || cell.Text == "" && !ok {
					continue
				}
				if !sameValue(cell, want) {
					diffs = append(diffs, fmt.Sprintf("%s!%s: reader %q, excelize %q", s.Name, ref, cell.Text, want))
				}
			}
		}
		for ref, v := range theirs {
			diffs = append(diffs, fmt.Sprintf("%s!%s: reader nothing, excelize %q", s.Name, ref, v))
		}
	}
	slices.Sort(diffs)
	return diffs
}

func sheetNames(wb *report.Workbook) []string {
	var names []string
	for _, s := range wb.Sheets {
		names = append(names, s.Name)
	}
	return names
}

// sameValue says whether the reader's cell holds excelize's raw value, as
// the reader shows it.
func sameValue(c report.Cell, raw string) bool {
	switch {
	case c.Text == raw:
		return true
	case c.Text == "TRUE" || c.Text == "FALSE":
		return raw == map[string]string{"TRUE": "1", "FALSE": "0"}[c.Text]
	case len(raw) > 10 && len(c.Text) == 10 && strings.HasPrefix(raw, c.Text):
		return true // a date cell: the reader keeps the day
	}
	return false
}

// TestReaderAgreesWithExcelize holds the oracle on the seed workbooks.
func TestReaderAgreesWithExcelize(t *testing.T) {
	books := seedBooks(t)
	books["book"] = book(t, "")
	for name, data := range books {
		t.Run(name, func(t *testing.T) {
			wb, err := xlsx.Read(name, data, xlsx.Options{})
			if err != nil {
				t.Skipf("not read: %v", err)
			}
			if d := disagreements(wb, data); len(d) > 0 {
				t.Errorf("the reader and excelize disagree on %d cells:\n%s", len(d), strings.Join(d[:min(len(d), 20)], "\n"))
			}
		})
	}
}

// TestReaderAgreesWithExcelizeOnCorpus holds the oracle on every workbook
// of shared/corpus that the reader reads.
func TestReaderAgreesWithExcelizeOnCorpus(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "corpus", "xlsx")
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(files) == 0 {
		t.Skipf("corpus not found at %s: it lives beside the project in shared/corpus", dir)
	}
	if testing.Short() {
		t.Skip("the corpus takes a while: not in -short")
	}
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			wb, err := xlsx.Read(filepath.Base(path), data, xlsx.Options{})
			if err != nil {
				t.Skipf("not read: %v", err)
			}
			if d := disagreements(wb, data); len(d) > 0 {
				t.Errorf("the reader and excelize disagree on %d cells:\n%s", len(d), strings.Join(d[:min(len(d), 20)], "\n"))
			}
		})
	}
}
