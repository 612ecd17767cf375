package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"innoreport/publish"
	"innoreport/report"
	"innoreport/report/archive"
)

// splitFlags are split's flags beyond common.
type splitFlags struct {
	common
	out      string
	deadline string
	link     linkFlags
}

// deadlineFlag checks -deadline, else takes the template's; "" is none.
func deadlineFlag(flag string, t *report.Template) (string, error) {
	if flag == "" {
		return t.Returns.Deadline, nil
	}
	d, err := report.ParseDate(flag)
	if err != nil || !d.OK() {
		return "", usagef("-deadline %q 不是日期，请写成 2021-12-25", "-deadline %q is not a date: write it as 2021-12-25", flag)
	}
	return d.Time.Format(time.DateOnly), nil
}

func runSplit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var s splitFlags
	fs := newFlagSet("split", stderr, &s.common)
	fs.StringVar(&s.out, "out", "returns", "output `DIR`: one DIR/<单位 unit>.xlsx per lead unit")
	fs.StringVar(&s.deadline, "deadline", "", "returns are due on this `DATE` (default: the template's returns.deadline)")
	s.link.register(fs)
	fs.Usage = func() {
		fmt.Fprint(stderr, "用法 / usage: innoreport split [-out DIR] [-template F] [-deadline D] [-link-base URL -state DIR] [MASTER.xlsx]\n\n")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	res, t, in, err := s.analyze(fs.Args(), true)
	if err != nil {
		return err
	}
	deadline, err := deadlineFlag(s.deadline, t)
	if err != nil {
		return err
	}
	link, err := s.link.links(publish.Campaign(res, t).Key)
	if err != nil {
		return err
	}
	files, err := publish.Split(ctx, in, res, t, s.out, deadline, s.lang, link)
	if err != nil {
		return err
	}
	if s.format == "json" {
		b, err := json.MarshalIndent(map[string]any{"master": in.WB.Name, "campaign": publish.Campaign(res, t).Key, "master_sha256": archive.Sum(in.Data),
			"deadline": deadline, "returns": files}, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(stdout, "%s\n", b)
		return err
	}
	for _, f := range files {
		printSplitFile(stdout, f)
	}
	return nil
}

// print is the return's line: file, unit, what it holds, and its link.
func printSplitFile(w io.Writer, f publish.SplitFile) {
	fmt.Fprintf(w, "%s\t%s\t任务 %d 项 tasks, 指标 %d 项 indicators", f.File, f.Unit, f.Tasks, f.Indicators)
	if f.Link != "" {
		fmt.Fprintf(w, "\t%s", f.Link)
	}
	fmt.Fprintln(w)
}
