package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"innoreport/publish"
	"innoreport/report"
	"innoreport/report/archive"
)

// historyPeriod is one period as `history` lists it.
type historyPeriod struct {
	archive.Period
	Tasks    report.TaskTotals `json:"tasks"`
	Findings int               `json:"findings"`
}

func runHistory(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("history", stderr, nil)
	db := fs.String("db", filepath.Join("out", "innoreport.db"), "存档数据库 / the archive `PATH`")
	format := fs.String("format", "text", "输出格式 / output: text or json")
	campaign := fs.String("campaign", "", "只看这一创建工作 / only this campaign `KEY` (见列表 see the list)")
	export := fs.String("export", "", "重新生成这一期 / write this period's workbook back and rebuild its outputs: `AS_OF` (2021-09-30)")
	out := fs.String("out", "", "-export 的输出目录 / output `DIR` for -export")
	fs.Usage = func() {
		fmt.Fprint(stderr, "用法 / usage: innoreport history [-db PATH] [-format text|json] [-campaign KEY]\n"+
			"              innoreport history -export AS_OF -out DIR [-db PATH] [-campaign KEY]\n\n")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("history 不接受工作簿参数：%s", "history takes no workbook: %s", strings.Join(fs.Args(), " "))
	}
	if *format != "text" && *format != "json" {
		return usagef("-format 只能是 text 或 json，而不是 %q", "-format must be text or json, not %q", *format)
	}
	if _, err := os.Stat(*db); err != nil {
		return usagef("找不到存档 %s：先运行 build，或用 -db 指定", "no archive at %s: run build first, or name it with -db", *db)
	}
	a, err := archive.Open(ctx, *db)
	if err != nil {
		return err
	}
	defer a.Close()
	periods, err := a.Periods(ctx, *campaign)
	if err != nil {
		return err
	}
	if *export != "" {
		return exportPeriod(ctx, a, periods, *export, *out, stdout, stderr)
	}
	list, err := historyOf(periods)
	if err != nil {
		return err
	}
	if *format == "json" {
		if list == nil {
			list = []historyPeriod{}
		}
		b, err := json.MarshalIndent(list, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(stdout, "%s\n", b)
		return err
	}
	if len(list) == 0 {
		fmt.Fprintf(stdout, "存档 %s 中还没有任何一期 / no periods archived in %s yet\n", *db, *db)
		return nil
	}
	printHistory(stdout, list)
	return nil
}

// historyOf reads each period's totals and count of findings back.
func historyOf(periods []archive.Period) ([]historyPeriod, error) {
	var list []historyPeriod
	for _, p := range periods {
		snap, err := report.ParseSnapshot(p.Result)
		if err != nil {
			return nil, fmt.Errorf("%w: period %s: %v", archive.ErrCorrupt, p.AsOf, err)
		}
		var counted struct {
			Findings []json.RawMessage `json:"findings"`
		}
		if err := json.Unmarshal(p.Result, &counted); err != nil {
			return nil, fmt.Errorf("%w: period %s: %v", archive.ErrCorrupt, p.AsOf, err)
		}
		list = append(list, historyPeriod{Period: p, Tasks: snap.Tasks, Findings: len(counted.Findings)})
	}
	return list, nil
}

// printHistory prints the periods, a table a campaign, with columns padded
// by display width: tabwriter counts a Chinese character as one column
// where a terminal shows two.
func printHistory(stdout io.Writer, list []historyPeriod) {
	both := func(s report.State) string { return s.Label(report.Zh) + " " + s.Label(report.En) }
	head := []string{"截至 as of", "工作簿 workbook", both(report.StateDone), "完成率 rate", both(report.StateOverdue), "问题 findings", "生成于 built"}
	var rows [][]string
	last := ""
	for _, p := range list {
		if p.Campaign.Key != last {
			if last != "" {
				printColumns(stdout, rows)
				rows = nil
				fmt.Fprintln(stdout)
			}
			fmt.Fprintf(stdout, "%s (campaign %s)\n", p.Campaign.Title, p.Campaign.Key)
			rows = append(rows, head)
			last = p.Campaign.Key
		}
		rows = append(rows, []string{p.AsOf, p.WorkbookName, fmt.Sprintf("%d/%d", p.Tasks.Done, p.Tasks.Total),
			pct(p.Tasks.Rate), fmt.Sprint(p.Tasks.Overdue), fmt.Sprint(p.Findings), p.BuiltAt.Local().Format("2006-01-02 15:04")})
	}
	printColumns(stdout, rows)
}

// printColumns prints rows padded to their columns' display widths, the
// last column unpadded.
func printColumns(stdout io.Writer, rows [][]string) {
	var widths []int
	for _, r := range rows {
		for i, c := range r {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], displayWidth(c))
		}
	}
	for _, r := range rows {
		var line strings.Builder
		for i, c := range r {
			if i == len(r)-1 {
				line.WriteString(c)
			} else {
				line.WriteString(pad(c, widths[i]+2))
			}
		}
		fmt.Fprintln(stdout, strings.TrimRight(line.String(), " "))
	}
}

// exportPeriod writes an archived period's workbook into dir and builds
// it again as it was built, then says whether each output came out the
// same, byte for byte, as the archive recorded.
func exportPeriod(ctx context.Context, a *archive.DB, periods []archive.Period, asOf, dir string, stdout, stderr io.Writer) error {
	if dir == "" {
		return usagef("-export 需要 -out 目录", "-export needs an -out folder")
	}
	p, err := onePeriod(periods, asOf)
	if err != nil {
		return err
	}
	var opts publish.PeriodOptions
	if err := json.Unmarshal([]byte(p.Options), &opts); err != nil || !validLang(opts.Lang) {
		return fmt.Errorf("%w: period %s: options %v", archive.ErrCorrupt, p.AsOf, err)
	}
	book, err := a.Workbook(ctx, p.WorkbookSHA256)
	if err != nil {
		return err
	}
	// The name comes from the database: only its last element is used, so
	// it cannot place the file anywhere but dir.
	name := filepath.Base(filepath.Clean("/" + p.WorkbookName))
	if name == "/" || name == "." || strings.ContainsAny(name, `\:`) {
		name = "workbook.xlsx"
	}
	path := filepath.Join(dir, name)
	if err := publish.WriteAtomic(path, book); err != nil {
		return err
	}
	var res struct {
		Workbook string `json:"workbook"`
	}
	if err := json.Unmarshal(p.Result, &res); err != nil {
		return fmt.Errorf("%w: period %s: %v", archive.ErrCorrupt, p.AsOf, err)
	}
	b, cleanup, err := replayFlags(opts, dir, stderr)
	if err != nil {
		return err
	}
	defer cleanup()
	pl := b.pipeline("")
	pl.Made, pl.Replay = opts.Made, &publish.Period{Compare: opts.Compare, Trend: opts.Trend}
	pl.Say("读取 / reading %s", path)
	in, err := b.open([]string{path})
	if err != nil {
		return err
	}
	if res.Workbook != "" {
		in.WB.Name = res.Workbook
	}
	out, err := pl.Build(ctx, in, outputName([]string{path}), dir, false)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, path)
	return compareOutputs(stdout, p, out.PDF, out.Book)
}

// onePeriod is the one period as of asOf.
func onePeriod(periods []archive.Period, asOf string) (archive.Period, error) {
	var match []archive.Period
	for _, p := range periods {
		if p.AsOf == asOf {
			match = append(match, p)
		}
	}
	switch len(match) {
	case 0:
		return archive.Period{}, usagef("存档中没有截至 %s 的一期（运行 innoreport history 查看）", "no period as of %s in the archive (run innoreport history to see them)", asOf)
	case 1:
		return match[0], nil
	}
	return archive.Period{}, usagef("有 %d 项创建工作都有截至 %s 的一期，请用 -campaign 指定", "%d campaigns have a period as of %s: choose one with -campaign", len(match), asOf)
}

// replayFlags are build's flags at their defaults, then what the period
// was built with; cleanup removes the template it wrote into dir.
func replayFlags(opts publish.PeriodOptions, dir string, stderr io.Writer) (*buildFlags, func(), error) {
	var b buildFlags
	cleanup := func() {}
	bfs := newFlagSet("history", io.Discard, nil)
	b.register(bfs)
	if err := bfs.Parse(nil); err != nil {
		return nil, cleanup, err
	}
	b.common.lang, b.common.asOf, b.annotate = opts.Lang, opts.AsOf, opts.Annotate
	b.archive.db = "none"
	if opts.Template != "" {
		tf := filepath.Join(dir, ".innoreport-template.yaml")
		if err := publish.WriteAtomic(tf, []byte(opts.Template)); err != nil {
			return nil, cleanup, err
		}
		cleanup = func() { os.Remove(tf) }
		b.template = tf
	}
	if err := b.prepare(); err != nil {
		return nil, cleanup, err
	}
	if opts.Font != "" && archive.Sum(b.font) != opts.Font {
		fmt.Fprintln(stderr, "innoreport: 这一期用了另一种字体，PDF 不会逐字节相同 / this period was built with another font: the PDF will differ")
	}
	b.progress = stderr
	return &b, cleanup, nil
}

// compareOutputs says, for each file, whether it is byte for byte the one
// the period archived; findings (exit 1) where one differs.
func compareOutputs(stdout io.Writer, p archive.Period, files ...string) error {
	want := map[string]string{}
	for _, o := range p.Outputs {
		want[o.Name] = o.SHA256
	}
	same := true
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		verdict := "与存档相同 / identical to the archived one"
		if w, ok := want[filepath.Base(f)]; !ok || w != archive.Sum(data) {
			verdict, same = "与存档不同 / differs from the archived one", false
		}
		fmt.Fprintf(stdout, "%s\t%s\n", f, verdict)
	}
	if !same {
		return &findingsError{count: 1, level: "export"}
	}
	return nil
}
