package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"innoreport/report"
	"innoreport/report/doc"
	"innoreport/report/pdf"
	"innoreport/report/xlsx"
)

func runBuild(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c common
	fs := newFlagSet("build", stderr, &c)
	out := fs.String("out", "out", "output `DIR`")
	fontFile := fs.String("font", "", "TrueType `FILE.ttf` for the PDF (default: the embedded WenQuanYi Micro Hei)")
	annotate := fs.Bool("annotate", true, "fill and comment the cells with findings in the updated workbook's own sheets")
	fs.StringVar(&c.failOn, "fail-on", "never", "exit 1 when a finding reaches this level: error, warning or never")
	fs.Usage = func() {
		fmt.Fprint(stderr, "用法 / usage: innoreport build [flags] [WORKBOOK.xlsx]\n\n")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := failLevel(c.failOn, nil); err != nil {
		return err
	}
	font := pdf.DefaultFont
	if *fontFile != "" {
		b, err := os.ReadFile(*fontFile)
		if err != nil {
			return usagef("无法读取字体 %s：%v", "cannot read font %s: %v", *fontFile, err)
		}
		if err := pdf.CheckFont(*fontFile, b); err != nil {
			return err
		}
		font = b
	}
	made, err := madeTime()
	if err != nil {
		return err
	}
	res, t, in, err := c.analyze(fs.Args())
	if err != nil {
		return err
	}
	printable, err := pdf.Printable(font)
	if err != nil {
		return err
	}
	report.FlagUnprintable(res, printable)
	fmt.Fprintf(stderr, "innoreport: %s → %s\n", res.Workbook, *out)
	d, err := doc.Build(res, t, doc.Options{Lang: c.lang, Made: made})
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := pdf.Render(&buf, d, pdf.Options{Font: font, Created: made}); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	var book bytes.Buffer
	if err := xlsx.WriteUpdated(&book, in.data, res, xlsx.WriteOptions{Lang: c.lang, Annotate: *annotate, Password: c.password}); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	name := outputName(fs.Args())
	pdfPath := filepath.Join(*out, name+"-report.pdf")
	xlsxPath := filepath.Join(*out, name+"-updated"+bookExt(in.path))
	for _, p := range []string{pdfPath, xlsxPath} {
		if in.path != "" && samePath(p, in.path) {
			return usagef("输出 %s 会覆盖输入的工作簿，请换一个 -out 目录", "output %s would overwrite the input workbook: choose another -out", p)
		}
	}
	if err := writeAtomic(pdfPath, buf.Bytes()); err != nil {
		return err
	}
	if err := writeAtomic(xlsxPath, book.Bytes()); err != nil {
		return err
	}
	if c.format == "json" {
		b, err := res.JSON(c.lang)
		if err != nil {
			return err
		}
		// The check JSON plus where the outputs went.
		b = bytes.TrimSuffix(bytes.TrimSpace(b), []byte("}"))
		fmt.Fprintf(stdout, "%s,\n  \"outputs\": {\n    \"pdf\": %q,\n    \"xlsx\": %q\n  }\n}\n", b, pdfPath, xlsxPath)
	} else {
		fmt.Fprintf(stdout, "%s\n%s\n", pdfPath, xlsxPath)
	}
	return failLevel(c.failOn, res.Findings)
}

// madeTime is when the report says it was made: SOURCE_DATE_EPOCH where
// set, so that builds are reproducible, else now.
func madeTime() (time.Time, error) {
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return time.Time{}, usagef("环境变量 SOURCE_DATE_EPOCH=%q 不是整数秒", "SOURCE_DATE_EPOCH=%q is not a number of seconds", s)
		}
		return time.Unix(n, 0).UTC(), nil
	}
	return time.Now().UTC().Truncate(time.Second), nil
}

// bookExt keeps a macro-enabled workbook macro-enabled: Excel refuses an
// .xlsx that holds a VBA project.
func bookExt(path string) string {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".xlsm", ".xltm":
		return ".xlsm"
	}
	return ".xlsx"
}

// samePath reports whether a and b name the same file.
func samePath(a, b string) bool {
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	if errA == nil && errB == nil {
		return os.SameFile(fa, fb)
	}
	aa, _ := filepath.Abs(a)
	bb, _ := filepath.Abs(b)
	return aa == bb
}

func outputName(args []string) string {
	if len(args) == 0 {
		return "neijiang-2021"
	}
	base := filepath.Base(args[0])
	return strings.TrimSuffix(base, filepath.Ext(base))
}

// writeAtomic writes to a temporary file beside path and renames it into
// place, so an interrupted run leaves no half file under the final name.
func writeAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return usagef("无法创建输出目录 %s：%v", "cannot create output folder %s: %v", dir, err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return usagef("无法写入输出目录 %s：%v", "cannot write to output folder %s: %v", dir, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return err
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		os.Remove(f.Name())
		return err
	}
	return os.Rename(f.Name(), path)
}
