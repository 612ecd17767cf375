package main

import (
	"math"
	"time"
)

// defaultMaxFileMB is the largest workbook read, by default: far above a
// 100,000-task workbook, far below what would exhaust memory.
const defaultMaxFileMB = 256

// checkNumbers refuses numeric flags that are negative, zero, not a
// number, or so large that converting them to bytes or a duration would
// wrap (-max-unzip-mb 17592186044426 once became a 10 MB limit). Each
// error names its flag.
func (c *common) checkNumbers() error {
	for _, f := range []struct {
		name string
		v    int64
		max  int64
	}{
		{"-max-rows", int64(c.maxRows), math.MaxInt32},
		{"-max-sheets", int64(c.maxSheet), math.MaxInt32},
		{"-max-cols", int64(c.maxCols), math.MaxInt32},
		{"-max-cell-chars", int64(c.maxChars), math.MaxInt32},
		{"-max-unzip-mb", c.maxUnzip, math.MaxInt64 >> 20},
		{"-max-file-mb", c.maxFile, math.MaxInt64 >> 20},
	} {
		if f.v < 1 || f.v > f.max {
			return usagef("%s 必须是 1 到 %d 之间的整数，而不是 %d", "%s must be a whole number from 1 to %d, not %d", f.name, f.max, f.v)
		}
	}
	return checkSeconds("-max-seconds", c.maxSecs)
}

// checkSeconds refuses a number of seconds that is NaN, infinite, not
// positive, or beyond what a time.Duration holds.
func checkSeconds(flag string, s float64) error {
	const most = float64(math.MaxInt64 / int64(time.Second))
	if math.IsNaN(s) || s <= 0 || s > most {
		return usagef("%s 必须是大于 0 且不超过 %.0f 的秒数，而不是 %v", "%s must be a number of seconds above 0 and at most %.0f, not %v", flag, most, s)
	}
	return nil
}

// checkDuration refuses a duration flag that is not positive.
func checkDuration(flag string, d time.Duration) error {
	if d <= 0 {
		return usagef("%s 必须大于 0，而不是 %s", "%s must be above 0, not %s", flag, d)
	}
	return nil
}
