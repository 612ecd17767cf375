// Package difftest shows how two texts differ line by line, so that a
// golden test's failure says what changed rather than only that
// something did.
package difftest

import (
	"fmt"
	"strings"
)

// context is how many unchanged lines are shown around a change.
const context = 3

// Diff returns a unified-style diff from want to got ("-" lines only in
// want, "+" lines only in got, each hunk headed by its line numbers), or
// "" where they are equal.
func Diff(wantName, gotName string, want, got []byte) string {
	if string(want) == string(got) {
		return ""
	}
	a, b := lines(want), lines(got)
	// Trim the common head and tail: a golden file changes in a few places.
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	ops := edits(a[pre:len(a)-suf], b[pre:len(b)-suf])
	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", wantName, gotName)
	// Lay the whole script out with the common head and tail, then print
	// the lines within context of a change.
	type line struct {
		op   byte
		text string
		i, j int // 1-based line numbers in want and got
	}
	var all []line
	for k := 0; k < pre; k++ {
		all = append(all, line{' ', a[k], k + 1, k + 1})
	}
	i, j := pre, pre
	for _, op := range ops {
		switch op {
		case ' ':
			all = append(all, line{' ', a[i], i + 1, j + 1})
			i++
			j++
		case '-':
			all = append(all, line{'-', a[i], i + 1, j + 1})
			i++
		case '+':
			all = append(all, line{'+', b[j], i + 1, j + 1})
			j++
		}
	}
	for k := 0; k < suf; k++ {
		all = append(all, line{' ', a[i+k], i + k + 1, j + k + 1})
	}
	show := make([]bool, len(all))
	for k, l := range all {
		if l.op != ' ' {
			for m := max(0, k-context); m <= min(len(all)-1, k+context); m++ {
				show[m] = true
			}
		}
	}
	for k := 0; k < len(all); k++ {
		if !show[k] {
			continue
		}
		if k == 0 || !show[k-1] {
			fmt.Fprintf(&out, "@@ -%d +%d @@\n", all[k].i, all[k].j)
		}
		fmt.Fprintf(&out, "%c%s\n", all[k].op, all[k].text)
	}
	return out.String()
}

func lines(b []byte) []string {
	s := strings.TrimSuffix(string(b), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// maxCells bounds the edit table; past it the middle is shown as all
// removed then all added, which is still a correct (if long) diff.
const maxCells = 4 << 20

// edits is the shortest edit script from a to b by the longest common
// subsequence: ' ' keeps a line, '-' drops one of a, '+' adds one of b.
func edits(a, b []string) []byte {
	var ops []byte
	if len(a)*len(b) > maxCells {
		for range a {
			ops = append(ops, '-')
		}
		for range b {
			ops = append(ops, '+')
		}
		return ops
	}
	// lcs[i][j] is the length of the longest common subsequence of a[i:]
	// and b[j:].
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			ops = append(ops, ' ')
			i++
			j++
		case lcs[i+1][j] >= lcs[i][j+1]:
			ops = append(ops, '-')
			i++
		default:
			ops = append(ops, '+')
			j++
		}
	}
	for ; i < len(a); i++ {
		ops = append(ops, '-')
	}
	for ; j < len(b); j++ {
		ops = append(ops, '+')
	}
	return ops
}
