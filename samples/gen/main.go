// Gen writes the sample workbook, or a larger one of the same layout.
//
//	go run ./samples/gen                       # rewrites samples/neijiang-2021.xlsx
//	go run ./samples/gen -tasks 100000 -indicators 2000 -o big.xlsx
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"innoreport/samples"
)

func main() {
	tasks := flag.Int("tasks", 0, "number of tasks (0: the sample's 39)")
	inds := flag.Int("indicators", 0, "number of indicators (0: the sample's own)")
	out := flag.String("o", filepath.Join("samples", samples.Name), "output file")
	flag.Parse()
	var buf bytes.Buffer
	if err := samples.Generate(&buf, samples.Config{Tasks: *tasks, Indicators: *inds}); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	tmp := *out + ".tmp"
	if err := os.WriteFile(tmp, buf.Bytes(), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	if err := os.Rename(tmp, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	fmt.Printf("wrote %s (%d bytes)\n", *out, buf.Len())
}
