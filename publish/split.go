package publish

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"

	"innoreport/report"
	"innoreport/report/archive"
	"innoreport/report/returns"
)

// SplitFile is one return Split wrote.
type SplitFile struct {
	Unit       string `json:"unit"`
	File       string `json:"file"`
	Tasks      int    `json:"tasks"`
	Indicators int    `json:"indicators"`
	Link       string `json:"link,omitempty"` // the unit's serve link, with -link-base
}

// Split writes into dir one return workbook per lead unit of the master
// in (res, checked with t), each marked with the campaign, the master's
// SHA-256 and deadline, so that collect knows it again. link, when not
// nil, gives each unit's serve link for the listing.
func Split(ctx context.Context, in *Input, res *report.Result, t *report.Template, dir, deadline string, lang report.Lang, link func(unit string) string) ([]SplitFile, error) {
	parts := report.Parts(res.Data)
	if len(parts) == 0 {
		return nil, &report.BilingualError{Err: report.ErrNotReturn, Msg: report.Text{
			Zh: fmt.Sprintf("%s：没有任何任务填写了牵头单位，无法按单位拆分", in.WB.Name),
			En: fmt.Sprintf("%s: no task has a lead unit, so there is nothing to split by unit", in.WB.Name),
		}}
	}
	campaign := Campaign(res, t).Key
	master := archive.Sum(in.Data)
	var files []SplitFile
	used := map[string]bool{}
	for _, p := range parts {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		name := returns.FileName(p.Unit)
		for i := 2; used[name]; i++ { // two units that sanitize alike
			name = fmt.Sprintf("%s-%d", returns.FileName(p.Unit), i)
		}
		used[name] = true
		path := filepath.Join(dir, name+BookExt(in.Path)) // a macro-enabled master makes .xlsm returns
		if in.Path != "" && SamePath(path, in.Path) {
			return nil, setupf("输出 %s 会覆盖主表，请换一个 -out 目录", "output %s would overwrite the master: choose another -out", path)
		}
		var buf bytes.Buffer
		mk := p.Marker(campaign, master, deadline)
		if err := returns.Split(&buf, in.Data, in.WB, res.Data, p, mk, returns.SplitOptions{Password: t.Returns.Password, Deadline: deadline, Lang: lang}); err != nil {
			return nil, fmt.Errorf("split %s: %w", p.Unit, err)
		}
		if err := WriteAtomic(path, buf.Bytes()); err != nil {
			return nil, err
		}
		f := SplitFile{Unit: p.Unit, File: path, Tasks: len(p.Tasks), Indicators: len(p.Indicators)}
		if link != nil {
			f.Link = link(p.Unit)
		}
		files = append(files, f)
	}
	return files, nil
}
