// Package samples holds the sample workbook, embedded so that `check` and
// `build` run with no file, and the program that makes it.
//
// The sample is the Neijiang responsibility list and indicator system as
// the bureau keeps them: merged title, two-row header, a section column
// merged down over its tasks, deadlines and progress in the mixed forms
// people type, and a handful of planted mistakes for the checks to find.
// Regenerate it with:
//
//	go run ./samples/gen
package samples

import _ "embed"

// Name is the sample's file name.
const Name = "neijiang-2021.xlsx"

// Workbook is the sample workbook's bytes.
//
//go:embed neijiang-2021.xlsx
var Workbook []byte

// Planted lists the sample's planted findings as sheet!cell and rule id.
func Planted() map[string]string {
	m := map[string]string{}
	for _, p := range plantedProblems {
		m[p.cell] = p.rule
	}
	return m
}
