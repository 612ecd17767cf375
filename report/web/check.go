package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"innoreport/report"
)

type homeData struct {
	Jobs     []jobRow
	MaxMB    int64
	Accepted string
}

type jobRow struct {
	ID, Name, Stage string
	Done, Failed    bool
	Created         time.Time
}

func (s *Server) home(w http.ResponseWriter, r *http.Request, se *session) {
	d := homeData{MaxMB: s.cfg.MaxUpload >> 20, Accepted: ".xlsx,.xlsm,.xltx,.xltm"}
	for _, j := range s.jobs.recent(se.user.Name, 20) {
		stage, done, _, err := j.state()
		d.Jobs = append(d.Jobs, jobRow{ID: j.id, Name: j.name, Stage: stage, Done: done, Failed: err != nil, Created: j.created})
	}
	s.render(w, r, se, http.StatusOK, "home", report.Text{Zh: "检查工作簿", En: "Check a workbook"}, d)
}

// readUpload reads a multipart upload: its "workbook" file, and its
// "csrf" field where the form has one. The whole body is capped, and the
// file is read into memory under the same cap as -max-file-mb: it never
// touches the disk under a name the sender chose.
func (s *Server) readUpload(w http.ResponseWriter, r *http.Request) (up Upload, csrf string, status int, msg report.Text) {
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxUpload+formLimit)
	mr, err := r.MultipartReader()
	if err != nil {
		return up, "", http.StatusBadRequest, report.Text{Zh: "请求不是文件上传（multipart/form-data）", En: "the request is not a file upload (multipart/form-data)"}
	}
	// Over the cap, nothing of the file is read: the same LimitError a
	// build gives for -max-file-mb.
	tooBig := func() report.Text {
		return (&report.LimitError{Name: up.Name, What: report.MeasureFileMB, Limit: s.cfg.MaxUpload >> 20, Flag: "-max-file-mb"}).Message()
	}
	seen, empty := false, true
	defer func() {
		if status != 0 {
			up.discard()
		}
	}()
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return up, "", http.StatusRequestEntityTooLarge, tooBig()
		}
		if err != nil {
			return up, "", http.StatusBadRequest, report.Text{Zh: "上传的内容不完整，请重试", En: "the upload is incomplete: try again"}
		}
		switch p.FormName() {
		case "csrf":
			b, err := readAll(p, 256)
			if err != nil {
				return up, "", http.StatusBadRequest, report.Text{Zh: "表单有误", En: "bad form"}
			}
			csrf = string(b)
		case "workbook":
			if seen {
				return up, "", http.StatusBadRequest, report.Text{Zh: "一次只能上传一个工作簿", En: "upload one workbook at a time"}
			}
			seen = true
			up.Name = cleanName(p.FileName())
			size, err := s.spool(&up, p)
			if errors.Is(err, errTooBig) || errors.As(err, &mbe) {
				return up, "", http.StatusRequestEntityTooLarge, tooBig()
			}
			if err != nil {
				return up, "", http.StatusBadRequest, report.Text{Zh: "上传的内容不完整，请重试", En: "the upload is incomplete: try again"}
			}
			empty = size == 0
		}
		if err := p.Close(); err != nil {
			return up, "", http.StatusBadRequest, report.Text{Zh: "上传的内容不完整，请重试", En: "the upload is incomplete: try again"}
		}
	}
	if !seen || empty {
		return up, csrf, http.StatusBadRequest, report.Text{Zh: "没有收到工作簿：请选择一个 .xlsx 文件", En: "no workbook received: choose an .xlsx file"}
	}
	return up, csrf, 0, msg
}

// cleanName keeps a sender's file name fit to show and to archive: the
// last element only, no control characters, not too long. It is never
// used as a path.
func cleanName(name string) string {
	name = strings.ReplaceAll(name, `\`, "/")
	name = name[strings.LastIndex(name, "/")+1:]
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, name)
	if r := []rune(name); len(r) > 120 {
		name = string(r[:120])
	}
	if name == "" || name == "." || name == ".." {
		name = "workbook.xlsx"
	}
	return name
}

func (s *Server) check(w http.ResponseWriter, r *http.Request, se *session) {
	up, csrf, status, msg := s.readUpload(w, r)
	if status == 0 && !csrfOK(se, csrf) {
		up.discard()
		s.badCSRF(w, r, se)
		return
	}
	if status != 0 {
		if csrf != "" && !csrfOK(se, csrf) {
			s.badCSRF(w, r, se)
			return
		}
		s.fail(w, r, se, status, msg)
		return
	}
	j, err := s.start(se.user.Name, up)
	if err != nil {
		up.discard()
		s.fail(w, r, se, http.StatusServiceUnavailable, report.Text{Zh: "服务正在停止，请稍后再试", En: "the server is stopping: try again shortly"})
		return
	}
	http.Redirect(w, r, "/jobs/"+j.id, http.StatusSeeOther)
}

// findJob finds the job of the URL that the user may see.
func (s *Server) findJob(r *http.Request, u *User) (*job, bool) {
	id := r.PathValue("id")
	if !idPattern().MatchString(id) {
		return nil, false
	}
	j, ok := s.jobs.get(id)
	if !ok || (j.owner != u.Name && !u.Role.SeesAll()) {
		return nil, false
	}
	return j, true
}

var notFound = report.Text{Zh: "找不到这项检查（服务重启后旧的检查不再列出）", En: "no such check (older checks are not listed after a restart)"}

type resultData struct {
	ID, Name  string
	Stage     string
	Msg       report.Text
	Res       *report.Result
	Counts    [3]int // by severity
	Findings  []report.Finding
	Sheets    []string
	Severity  string
	Sheet     string
	Formats   []string
	Headlines []headline
}

type headline struct {
	Label report.Text
	Value string
	Class string
}

func (s *Server) job(w http.ResponseWriter, r *http.Request, se *session) {
	j, ok := s.findJob(r, se.user)
	if !ok {
		s.fail(w, r, se, http.StatusNotFound, notFound)
		return
	}
	stage, done, b, err := j.state()
	d := resultData{ID: j.id, Name: j.name, Stage: stage}
	switch {
	case !done:
		s.render(w, r, se, http.StatusOK, "progress", report.Text{Zh: "正在检查", En: "Checking"}, d)
		return
	case err != nil:
		d.Msg, _ = message(err)
		s.render(w, r, se, http.StatusUnprocessableEntity, "failed", report.Text{Zh: "无法检查", En: "Could not check"}, d)
		return
	}
	res := b.Result
	d.Res = res
	q := r.URL.Query()
	d.Severity, d.Sheet = q.Get("severity"), q.Get("sheet")
	want, filterSev := report.ParseSeverity(d.Severity)
	for _, f := range res.Findings {
		d.Counts[f.Severity]++
		if !slices.Contains(d.Sheets, f.Sheet) {
			d.Sheets = append(d.Sheets, f.Sheet)
		}
		if (filterSev && f.Severity != want) || (d.Sheet != "" && f.Sheet != d.Sheet) {
			continue
		}
		d.Findings = append(d.Findings, f)
	}
	// Errors first, then warnings, then the rest; the order within a
	// severity is the builder's (by sheet and cell).
	slices.SortStableFunc(d.Findings, func(a, b report.Finding) int { return int(b.Severity) - int(a.Severity) })
	slices.Sort(d.Sheets)
	for _, f := range []string{"pdf", "docx", "xlsx"} {
		if b.Files[f] != "" {
			d.Formats = append(d.Formats, f)
		}
	}
	t := res.Tasks
	d.Headlines = []headline{
		{report.Text{Zh: "任务", En: "Tasks"}, fmt.Sprint(t.Total), ""},
		{both(report.StateDone.Label), fmt.Sprint(t.Done), "ok"},
		{report.Text{Zh: "完成率", En: "Completion"}, fmt.Sprintf("%.1f%%", t.Rate*100), ""},
		{both(report.StateBehind.Label), fmt.Sprint(t.Behind), "warn"},
		{both(report.StateOverdue.Label), fmt.Sprint(t.Overdue), "bad"},
		{report.Text{Zh: "指标", En: "Indicators"}, fmt.Sprint(len(res.Indicators)), ""},
		{both(report.Error.Label), fmt.Sprint(d.Counts[report.Error]), "bad"},
		{both(report.Warning.Label), fmt.Sprint(d.Counts[report.Warning]), "warn"},
	}
	s.render(w, r, se, http.StatusOK, "result", report.Text{Zh: "检查结果", En: "Findings"}, d)
}

// both is a vocabulary word's label in both languages, for a headline
// that names a state or a severity as the report does.
func both(label func(report.Lang) string) report.Text {
	return report.Text{Zh: label(report.Zh), En: label(report.En)}
}
