package report

import (
	"fmt"
	"math"
)

// Each figure the report shows is defined here once, rounded here once,
// and written into the updated workbook by the formula beside its rule, so
// that the JSON, the PDF, the mail and a recalculated workbook agree to the
// last digit shown. A test recalculates the workbook in LibreOffice and
// compares (report/xlsx/updated, TestLibreOfficeEdgeCases).

// FigureDigits is how many decimals a fraction keeps: 0.7179 is 71.8%
// shown with one decimal, never rounded again differently elsewhere.
const FigureDigits = 4

// Rate is done out of total, 0 when there is nothing to do.
func Rate(done, total int) float64 {
	if total == 0 {
		return 0
	}
	return Round(float64(done)/float64(total), FigureDigits)
}

// RateFormula is Rate over the cells holding done and total.
func RateFormula(done, total string) string {
	return fmt.Sprintf("IF(%[2]s=0,0,ROUND(%[1]s/%[2]s,%[3]d))", done, total, FigureDigits)
}

// RateDelta is the change from the previous completion rate to the
// current one, in percentage points with one decimal.
func RateDelta(current, previous float64) float64 {
	return Round((current-previous)*100, 1)
}

// RateDeltaFormula is RateDelta over the cells holding the two rates.
func RateDeltaFormula(current, previous string) string {
	return fmt.Sprintf("ROUND((%s-%s)*100,1)", current, previous)
}

// Attainment is how far an indicator reached its target: actual/target
// where more is better (正向), target/actual where less is (逆向). A
// target of 0 to grow from is met by anything; an actual of 0 where less
// is better leaves nothing to shrink, and is met.
func Attainment(dir Direction, target, actual float64) float64 {
	switch {
	case dir == Negative && actual == 0:
		return 1
	case dir == Negative:
		return Round(target/actual, FigureDigits)
	case target == 0:
		return 1
	}
	return Round(actual/target, FigureDigits)
}

// AttainmentFormula is Attainment over the cells holding the target and
// the actual; blank where either is not a number, as the JSON's null.
func AttainmentFormula(dir Direction, target, actual string) string {
	if dir == Negative {
		return fmt.Sprintf(`IF(AND(ISNUMBER(%[1]s),ISNUMBER(%[2]s)),IF(%[2]s=0,1,ROUND(%[1]s/%[2]s,%[3]d)),"")`, target, actual, FigureDigits)
	}
	return fmt.Sprintf(`IF(AND(ISNUMBER(%[1]s),ISNUMBER(%[2]s)),IF(%[1]s=0,1,ROUND(%[2]s/%[1]s,%[3]d)),"")`, target, actual, FigureDigits)
}

// Growth is the change on the baseline, (actual − baseline)/|baseline|;
// ok is false for a baseline of 0, from which no growth can be told.
func Growth(baseline, actual float64) (float64, bool) {
	if baseline == 0 {
		return 0, false
	}
	return Round((actual-baseline)/math.Abs(baseline), FigureDigits), true
}

// GrowthFormula is Growth over the cells holding baseline and actual.
func GrowthFormula(baseline, actual string) string {
	return fmt.Sprintf(`IF(AND(ISNUMBER(%[1]s),ISNUMBER(%[2]s)),IF(%[1]s=0,"",ROUND((%[2]s-%[1]s)/ABS(%[1]s),%[3]d)),"")`, baseline, actual, FigureDigits)
}

// Met says how an attainment stands: met at 100%, nearly met from 90%.
func Met(attainment float64) IndicatorStatus {
	switch {
	case attainment >= 1:
		return IndicatorMet
	case attainment >= 0.9:
		return IndicatorNearlyMet
	}
	return IndicatorNotMet
}
