package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"time"

	"innoreport/report"
	"innoreport/report/xlsx"
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

// readCapped reads a workbook named on the command line, refusing one
// over -max-file-mb before reading it: a 3 GB file is not read whole
// first.
func (c *common) readCapped(path string) ([]byte, error) {
	if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() && fi.Size() > c.maxFile<<20 {
		return nil, &report.BilingualError{Err: report.ErrLimit, Msg: report.Text{
			Zh: fmt.Sprintf("%s: 文件大小 %d MB，超过 -max-file-mb 的上限 %d MB，未读取", filepath.Base(path), fi.Size()>>20, c.maxFile),
			En: fmt.Sprintf("%s: the file is %d MB, over the -max-file-mb limit of %d MB; not read", filepath.Base(path), fi.Size()>>20, c.maxFile),
		}}
	}
	return xlsx.ReadFile(path)
}

// openData reads a workbook already in memory (watch reads the file
// itself, once, and builds exactly those bytes); path names it and gives
// its extension.
func (c *common) openData(path string, data []byte) (*input, error) {
	wb, err := xlsx.Read(filepath.Base(path), data, c.readOptions())
	if err != nil {
		return nil, err
	}
	return &input{path: path, data: data, wb: wb}, nil
}
