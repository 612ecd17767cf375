package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/xuri/excelize/v2"

	"innoreport/samples"
)

// benchSizes are the task counts the README's table reports;
// INNOREPORT_BENCH_SIZES (comma-separated) overrides them, as
// scripts/perf.sh does to add 500,000 and 1,000,000.
var benchSizes = func() []int {
	env := os.Getenv("INNOREPORT_BENCH_SIZES")
	if env == "" {
		return []int{39, 2000, 20000, 100000}
	}
	var sizes []int
	for _, f := range strings.Split(env, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			panic("INNOREPORT_BENCH_SIZES: not a task count: " + f)
		}
		sizes = append(sizes, n)
	}
	return sizes
}()

var benchFiles sync.Map // tasks → path

// benchWorkbook returns a workbook of the sample's layout with n tasks,
// made once per run (or taken from INNOREPORT_BENCH_DIR, where
// scripts/perf.sh leaves them).
func benchWorkbook(b *testing.B, n int) string {
	b.Helper()
	if p, ok := benchFiles.Load(n); ok {
		return p.(string)
	}
	dir := os.Getenv("INNOREPORT_BENCH_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "innoreport-bench")
	}
	path := filepath.Join(dir, fmt.Sprintf("tasks-%d.xlsx", n))
	if _, err := os.Stat(path); err != nil {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			b.Fatal(err)
		}
		var buf bytes.Buffer
		cfg := samples.Config{Tasks: n, Indicators: max(n/50, 18)}
		if n == 39 {
			cfg = samples.Config{}
		}
		if err := samples.Generate(&buf, cfg); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	benchFiles.Store(n, path)
	return path
}

// BenchmarkFloor only opens the workbook and iterates every row of every
// sheet with excelize: the floor any reader pays.
func BenchmarkFloor(b *testing.B) {
	for _, n := range benchSizes {
		path := benchWorkbook(b, n)
		b.Run(fmt.Sprintf("tasks=%d", n), func(b *testing.B) {
			for b.Loop() {
				f, err := excelize.OpenFile(path)
				if err != nil {
					b.Fatal(err)
				}
				for _, s := range f.GetSheetList() {
					rows, err := f.Rows(s)
					if err != nil {
						b.Fatal(err)
					}
					for rows.Next() {
						if _, err := rows.Columns(); err != nil {
							b.Fatal(err)
						}
					}
					rows.Close()
				}
				f.Close()
			}
		})
	}
}

// xmlParts calls f with each XML part of the workbook, inflated on the fly.
func xmlParts(b *testing.B, path string, f func(io.Reader)) {
	z, err := zip.OpenReader(path)
	if err != nil {
		b.Fatal(err)
	}
	defer z.Close()
	for _, zf := range z.File {
		if !strings.HasSuffix(zf.Name, ".xml") && !strings.HasSuffix(zf.Name, ".rels") {
			continue
		}
		r, err := zf.Open()
		if err != nil {
			b.Fatal(err)
		}
		f(r)
		r.Close()
	}
}

// BenchmarkRawToken is the tokenizing floor: every XML part of the package
// inflated and read with encoding/xml's RawToken, nothing kept.
func BenchmarkRawToken(b *testing.B) {
	for _, n := range benchSizes {
		path := benchWorkbook(b, n)
		b.Run(fmt.Sprintf("tasks=%d", n), func(b *testing.B) {
			for b.Loop() {
				xmlParts(b, path, func(r io.Reader) {
					d := xml.NewDecoder(bufio.NewReaderSize(r, 64<<10))
					for {
						if _, err := d.RawToken(); err == io.EOF {
							break
						} else if err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}

// BenchmarkInflateScan is the physical floor: every XML part inflated and
// its bytes scanned once for '<', the least any reader of the package does.
func BenchmarkInflateScan(b *testing.B) {
	buf := make([]byte, 64<<10)
	for _, n := range benchSizes {
		path := benchWorkbook(b, n)
		b.Run(fmt.Sprintf("tasks=%d", n), func(b *testing.B) {
			tags := 0
			for b.Loop() {
				xmlParts(b, path, func(r io.Reader) {
					for {
						k, err := r.Read(buf)
						tags += bytes.Count(buf[:k], []byte{'<'})
						if err == io.EOF {
							break
						} else if err != nil {
							b.Fatal(err)
						}
					}
				})
			}
			if tags == 0 {
				b.Fatal("no tags seen")
			}
		})
	}
}

// bigLimits lift the reading limits a 500,000-task workbook (490 MB
// unpacked) passes; they change nothing below.
var bigLimits = []string{"-max-unzip-mb", "8192", "-max-seconds", "3600"}

// BenchmarkCheck times the whole check command.
func BenchmarkCheck(b *testing.B) {
	for _, n := range benchSizes {
		path := benchWorkbook(b, n)
		b.Run(fmt.Sprintf("tasks=%d", n), func(b *testing.B) {
			for b.Loop() {
				if err := run(context.Background(), append([]string{"check", "-fail-on", "never"}, append(bigLimits, path)...), io.Discard, io.Discard); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkBuild times the whole build command: PDF and updated workbook.
func BenchmarkBuild(b *testing.B) {
	b.Setenv("SOURCE_DATE_EPOCH", "1641340800")
	for _, n := range benchSizes {
		path := benchWorkbook(b, n)
		out := b.TempDir()
		b.Run(fmt.Sprintf("tasks=%d", n), func(b *testing.B) {
			for b.Loop() {
				if err := run(context.Background(), append([]string{"build", "-out", out}, append(bigLimits, path)...), io.Discard, io.Discard); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkInProcessSmall is the 39-task build making what
// scripts/pyreport.py makes (-formats pdf,xlsx -db none), run again and
// again in one process: its work without a process's start and first
// touches, to set beside the fresh process scripts/perf.sh times.
func BenchmarkInProcessSmall(b *testing.B) {
	b.Setenv("SOURCE_DATE_EPOCH", "1641340800")
	path := benchWorkbook(b, 39)
	out := b.TempDir()
	for b.Loop() {
		if err := run(context.Background(), []string{"build", "-formats", "pdf,xlsx", "-db", "none", "-out", out, path}, io.Discard, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}
