package xlsx

import (
	"testing"

	"innoreport/report"
)

func TestSameFill(t *testing.T) {
	lim := DefaultLimits
	wide := []report.Range{{R1: 0, C1: 0, R2: 0, C2: 16383}}
	if sameFill(wide, wide, 10, 5, lim) {
		t.Error("a title merged across every column filled alike, though the grid clips it to the columns used")
	}
	table := []report.Range{{R1: 0, C1: 0, R2: 0, C2: 4}, {R1: 2, C1: 1, R2: 9, C2: 1}}
	if !sameFill(table, table, 10, 5, lim) {
		t.Error("ranges within the sheet did not fill alike")
	}
	if sameFill(table, table[:1], 10, 5, lim) {
		t.Error("ranges the parser did not see were taken")
	}
}
