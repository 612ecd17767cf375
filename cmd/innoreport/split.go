package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"innoreport/publish"
	"innoreport/report"
	"innoreport/report/archive"
	"innoreport/report/returns"
)

// splitFlags are split's flags beyond common.
type splitFlags struct {
	common
	out      string
	deadline string
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

// splitFile is one return split wrote.
type splitFile struct {
	Unit       string `json:"unit"`
	File       string `json:"file"`
	Tasks      int    `json:"tasks"`
	Indicators int    `json:"indicators"`
}

func runSplit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var s splitFlags
	fs := newFlagSet("split", stderr, &s.common)
	fs.StringVar(&s.out, "out", "returns", "output `DIR`: one DIR/<单位 unit>.xlsx per lead unit")
	fs.StringVar(&s.deadline, "deadline", "", "returns are due on this `DATE` (default: the template's returns.deadline)")
	fs.Usage = func() {
		fmt.Fprint(stderr, "用法 / usage: innoreport split [-out DIR] [-template F] [-deadline D] [MASTER.xlsx]\n\n")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	res, t, in, err := s.analyze(fs.Args())
	if err != nil {
		return err
	}
	deadline, err := deadlineFlag(s.deadline, t)
	if err != nil {
		return err
	}
	parts := report.Parts(res.Data)
	if len(parts) == 0 {
		return &report.BilingualError{Err: report.ErrNotReturn, Msg: report.Text{
			Zh: fmt.Sprintf("%s：没有任何任务填写了牵头单位，无法按单位拆分", in.WB.Name),
			En: fmt.Sprintf("%s: no task has a lead unit, so there is nothing to split by unit", in.WB.Name),
		}}
	}
	campaign := publish.Campaign(res, t).Key
	master := archive.Sum(in.Data)
	var files []splitFile
	used := map[string]bool{}
	for _, p := range parts {
		if err := ctx.Err(); err != nil {
			return err
		}
		name := returns.FileName(p.Unit)
		for i := 2; used[name]; i++ { // two units that sanitize alike
			name = fmt.Sprintf("%s-%d", returns.FileName(p.Unit), i)
		}
		used[name] = true
		path := filepath.Join(s.out, name+publish.BookExt(in.Path)) // a macro-enabled master makes .xlsm returns
		if in.Path != "" && publish.SamePath(path, in.Path) {
			return usagef("输出 %s 会覆盖主表，请换一个 -out 目录", "output %s would overwrite the master: choose another -out", path)
		}
		var buf bytes.Buffer
		mk := p.Marker(campaign, master, deadline)
		if err := returns.Split(&buf, in.Data, in.WB, res.Data, p, mk, returns.SplitOptions{Password: t.Returns.Password, Deadline: deadline, Lang: s.lang}); err != nil {
			return fmt.Errorf("split %s: %w", p.Unit, err)
		}
		if err := publish.WriteAtomic(path, buf.Bytes()); err != nil {
			return err
		}
		files = append(files, splitFile{Unit: p.Unit, File: path, Tasks: len(p.Tasks), Indicators: len(p.Indicators)})
	}
	if s.format == "json" {
		b, err := json.MarshalIndent(map[string]any{"master": in.WB.Name, "campaign": campaign, "master_sha256": master,
			"deadline": deadline, "returns": files}, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(stdout, "%s\n", b)
		return err
	}
	for _, f := range files {
		fmt.Fprintf(stdout, "%s\t%s\t任务 %d 项 tasks, 指标 %d 项 indicators\n", f.File, f.Unit, f.Tasks, f.Indicators)
	}
	return nil
}
