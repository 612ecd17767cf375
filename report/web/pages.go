package web

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"innoreport/report"
	"innoreport/report/archive"
)

// pages are the parsed templates, one set per page, each with the layout.
type pages struct{ m map[string]*template.Template }

var funcs = template.FuncMap{
	"tr":  func(lang report.Lang, zh, en string) string { return report.Text{Zh: zh, En: en}.In(lang) },
	"in":  func(t report.Text, lang report.Lang) string { return t.In(lang) },
	"pct": func(f float64) string { return fmt.Sprintf("%.1f%%", f*100) },
	// The task states and their names are the domain's, as in the PDF:
	// every state a column, so a section's counts add up to its tasks.
	"states": func() []report.State { return report.States },
	"state":  func(s report.State, lang report.Lang) string { return s.Label(lang) },
	"size": func(n int64) string {
		if n < 1<<20 {
			return fmt.Sprintf("%.1f KB", float64(n)/1024)
		}
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	},
}

func loadPages() (*pages, error) {
	p := &pages{m: map[string]*template.Template{}}
	for _, name := range []string{"login", "home", "progress", "result", "failed", "history", "error", "unit", "returns"} {
		t, err := template.New(name).Funcs(funcs).ParseFS(files, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, err
		}
		p.m[name] = t
	}
	return p, nil
}

// view is what every page gets; Data is the page's own.
type view struct {
	Lang    report.Lang
	User    *User
	CSRF    string
	Title   string
	Refresh int
	LangZh  string
	LangEn  string
	Data    any
}

const langCookie = "innoreport_lang"

// lang is the page's language: ?lang= (remembered), else the cookie, else
// Chinese.
func (s *Server) lang(w http.ResponseWriter, r *http.Request) report.Lang {
	if l := r.URL.Query().Get("lang"); l == "zh" || l == "en" {
		http.SetCookie(w, &http.Cookie{Name: langCookie, Value: l, Path: "/", HttpOnly: true,
			SameSite: http.SameSiteStrictMode, Secure: s.secure(r), MaxAge: 365 * 24 * 3600})
		return report.Lang(l)
	}
	if c, err := r.Cookie(langCookie); err == nil && (c.Value == "zh" || c.Value == "en") {
		return report.Lang(c.Value)
	}
	return "zh"
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, se *session, status int, name string, title report.Text, data any) {
	lang := s.lang(w, r)
	switchTo := func(l string) string {
		q := r.URL.Query()
		q.Set("lang", l)
		return r.URL.Path + "?" + q.Encode()
	}
	v := view{Lang: lang, User: se.user, CSRF: se.csrf, Title: title.In(lang), LangZh: switchTo("zh"), LangEn: switchTo("en"), Data: data}
	if name == "progress" {
		v.Refresh = 1
	}
	var buf bytes.Buffer
	if err := s.pages.m[name].ExecuteTemplate(&buf, "layout", v); err != nil {
		s.cfg.Log.Printf("template %s: %v", name, err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if _, err := w.Write(buf.Bytes()); err != nil {
		s.cfg.Log.Printf("write %s: %v", r.URL.Path, err)
	}
}

// fail shows a one-line error page in the visitor's language.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, se *session, status int, msg report.Text) {
	s.render(w, r, se, status, "error", report.Text{Zh: "出错了", En: "Something is wrong"}, msg)
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	se := s.session(w, r)
	if se.user != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	s.render(w, r, se, http.StatusOK, "login", report.Text{Zh: "登录", En: "Sign in"}, nil)
}

// formLimit caps a form without a file: a sign-in is a few hundred bytes.
const formLimit = 64 << 10

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	se := s.session(w, r)
	r.Body = http.MaxBytesReader(w, r.Body, formLimit)
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, se, http.StatusBadRequest, report.Text{Zh: "表单无法读取", En: "the form could not be read"})
		return
	}
	if !csrfOK(se, r.PostFormValue("csrf")) {
		s.badCSRF(w, r, se)
		return
	}
	addr := s.clientAddr(r)
	if s.limiter.blocked(addr) {
		s.render(w, r, se, http.StatusTooManyRequests, "login", report.Text{Zh: "登录", En: "Sign in"},
			report.Text{Zh: "密码错误次数过多，请 10 分钟后再试", En: "too many wrong passwords: try again in 10 minutes"})
		return
	}
	u, ok := s.cfg.Users.Login(r.PostFormValue("name"), r.PostFormValue("password"))
	if !ok {
		s.limiter.fail(addr)
		s.cfg.Log.Printf("%s: failed sign-in for %q", s.clientIP(r), r.PostFormValue("name"))
		s.render(w, r, se, http.StatusUnauthorized, "login", report.Text{Zh: "登录", En: "Sign in"},
			report.Text{Zh: "用户名或密码不对", En: "wrong name or password"})
		return
	}
	s.signIn(w, r, se, u)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	se := s.session(w, r)
	r.Body = http.MaxBytesReader(w, r.Body, formLimit)
	if err := r.ParseForm(); err != nil || !csrfOK(se, r.PostFormValue("csrf")) {
		s.badCSRF(w, r, se)
		return
	}
	s.signOut(se)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func (s *Server) badCSRF(w http.ResponseWriter, r *http.Request, se *session) {
	s.fail(w, r, se, http.StatusForbidden, report.Text{
		Zh: "表单已过期或来自别的网站（CSRF 校验未通过），请返回、刷新页面后重试",
		En: "the form has expired or came from another site (CSRF check failed): go back, reload the page and try again"})
}

// csrfOK checks a form's token against the session's.
func csrfOK(se *session, got string) bool {
	return subtle.ConstantTimeCompare([]byte(got), []byte(se.csrf)) == 1
}

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
	tooBig := report.Text{
		Zh: fmt.Sprintf("文件超过上限 %d MB，未读取；请缩小文件或请管理员调高 -max-file-mb", s.cfg.MaxUpload>>20),
		En: fmt.Sprintf("the file is over the %d MB limit and was not read: make it smaller or ask for a higher -max-file-mb", s.cfg.MaxUpload>>20)}
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
			return up, "", http.StatusRequestEntityTooLarge, tooBig
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
				return up, "", http.StatusRequestEntityTooLarge, tooBig
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
	if !idPattern.MatchString(id) {
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
		{report.Text{Zh: "已完成", En: "Done"}, fmt.Sprint(t.Done), "ok"},
		{report.Text{Zh: "完成率", En: "Completion"}, fmt.Sprintf("%.1f%%", t.Rate*100), ""},
		{report.Text{Zh: report.StateBehind.Label(report.Zh), En: report.StateBehind.Label(report.En)}, fmt.Sprint(t.Behind), "warn"},
		{report.Text{Zh: "逾期", En: "Overdue"}, fmt.Sprint(t.Overdue), "bad"},
		{report.Text{Zh: "指标", En: "Indicators"}, fmt.Sprint(len(res.Indicators)), ""},
		{report.Text{Zh: "错误", En: "Errors"}, fmt.Sprint(d.Counts[report.Error]), "bad"},
		{report.Text{Zh: "警告", En: "Warnings"}, fmt.Sprint(d.Counts[report.Warning]), "warn"},
	}
	s.render(w, r, se, http.StatusOK, "result", report.Text{Zh: "检查结果", En: "Findings"}, d)
}

// download names and types of each output format.
var outputKinds = map[string]struct{ suffix, ctype string }{
	"pdf":  {"-report.pdf", "application/pdf"},
	"docx": {"-report.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
	"xlsx": {"-updated.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
}

func (s *Server) jobFile(w http.ResponseWriter, r *http.Request, se *session) {
	j, ok := s.findJob(r, se.user)
	if !ok {
		s.fail(w, r, se, http.StatusNotFound, notFound)
		return
	}
	s.serveJobFile(w, r, j, func(st int, m report.Text) { s.fail(w, r, se, st, m) })
}

func (s *Server) serveJobFile(w http.ResponseWriter, r *http.Request, j *job, fail func(int, report.Text)) {
	_, done, b, err := j.state()
	format := r.PathValue("format")
	kind, known := outputKinds[format]
	if !done || err != nil || !known || b.Files[format] == "" {
		fail(http.StatusNotFound, report.Text{Zh: "没有这个文件", En: "no such file"})
		return
	}
	path := b.Files[format]
	stem := strings.TrimSuffix(j.name, filepath.Ext(j.name))
	name := stem + kind.suffix
	if format == "xlsx" && strings.HasSuffix(path, ".xlsm") {
		name, kind.ctype = stem+"-updated.xlsm", "application/vnd.ms-excel.sheet.macroEnabled.12"
	}
	serveFile(w, r, path, name, kind.ctype)
}

// serveFile sends a file as a download named name.
func serveFile(w http.ResponseWriter, r *http.Request, path, name, ctype string) {
	f, err := os.Open(path)
	if err != nil {
		http.Error(w, "no such file", http.StatusNotFound)
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		http.Error(w, "no such file", http.StatusNotFound)
		return
	}
	sendAs(w, name, ctype)
	http.ServeContent(w, r, "", fi.ModTime(), f)
}

func sendAs(w http.ResponseWriter, name, ctype string) {
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	w.Header().Set("Cache-Control", "private, no-store")
}

// ctypeOf types an archived file by its name's extension.
func ctypeOf(name string) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".pdf":
		return outputKinds["pdf"].ctype
	case ".docx":
		return outputKinds["docx"].ctype
	case ".xlsx":
		return outputKinds["xlsx"].ctype
	case ".xlsm":
		return "application/vnd.ms-excel.sheet.macroEnabled.12"
	}
	return "application/octet-stream"
}

// bearer finds the API caller from its Authorization header.
func (s *Server) bearer(r *http.Request) (*User, bool) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return nil, false
	}
	return s.cfg.Users.Token(strings.TrimSpace(tok))
}

func apiError(w http.ResponseWriter, status int, msg report.Text) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="innoreport"`)
	}
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(map[string]any{"error": msg}); err != nil {
		return // the client went away; nothing to tell it
	}
}

var unauthorized = report.Text{Zh: "需要有效的令牌：Authorization: Bearer TOKEN（innoreport users add 生成）", En: "a valid token is needed: Authorization: Bearer TOKEN (made by innoreport users add)"}

// apiBuild builds an upload and answers build -format json's JSON, its
// outputs as URLs the same token can fetch. It waits for the build: a
// script wants the answer, not a page to poll.
func (s *Server) apiBuild(w http.ResponseWriter, r *http.Request) {
	u, ok := s.bearer(r)
	if !ok {
		apiError(w, http.StatusUnauthorized, unauthorized)
		return
	}
	if !u.Role.Can(ActAPI) {
		apiError(w, http.StatusForbidden, report.Text{Zh: "此账号无权使用接口", En: "this account may not use the API"})
		return
	}
	up, _, status, msg := s.readUpload(w, r)
	if status != 0 {
		apiError(w, status, msg)
		return
	}
	j, err := s.start(u.Name, up)
	if err != nil {
		up.discard()
		apiError(w, http.StatusServiceUnavailable, report.Text{Zh: "服务正在停止", En: "the server is stopping"})
		return
	}
	select {
	case <-j.finished:
	case <-r.Context().Done():
		return // the job goes on; its page shows it
	}
	_, _, b, err := j.state()
	if err != nil {
		m, _ := message(err)
		apiError(w, http.StatusUnprocessableEntity, m)
		return
	}
	outs := map[string]string{}
	for f := range b.Files {
		outs[f] = s.baseURL(r) + "/api/jobs/" + j.id + "/" + f
	}
	js, err := b.JSON(outs)
	if err != nil {
		apiError(w, http.StatusInternalServerError, report.Text{Zh: "内部错误", En: "internal error"})
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Location", "/jobs/"+j.id)
	if _, err := w.Write(js); err != nil {
		s.cfg.Log.Printf("api: %v", err)
	}
}

func (s *Server) apiFile(w http.ResponseWriter, r *http.Request) {
	u, ok := s.bearer(r)
	if !ok {
		apiError(w, http.StatusUnauthorized, unauthorized)
		return
	}
	j, ok := s.findJob(r, u)
	if !ok {
		apiError(w, http.StatusNotFound, notFound)
		return
	}
	s.serveJobFile(w, r, j, func(st int, m report.Text) { apiError(w, st, m) })
}

// The history page.

type historyData struct {
	Campaigns []campaignView
}

type campaignView struct {
	Campaign archive.Campaign
	Chart    template.HTML
	Periods  []periodView
}

type periodView struct {
	archive.Period
	Tasks    report.TaskTotals
	Findings int
	Files    []fileLink
	Workbook string // URL of the archived workbook
}

type fileLink struct {
	Name, URL string
	Size      int64
}

func (s *Server) history(w http.ResponseWriter, r *http.Request, se *session) {
	var d historyData
	if _, err := os.Stat(s.cfg.DB); err == nil {
		a, err := archive.Open(r.Context(), s.cfg.DB)
		if err != nil {
			s.cfg.Log.Printf("history: %v", err)
			s.fail(w, r, se, http.StatusInternalServerError, report.Text{Zh: "无法打开存档", En: "cannot open the archive"})
			return
		}
		defer a.Close()
		periods, err := a.Periods(r.Context(), "")
		if err != nil {
			s.cfg.Log.Printf("history: %v", err)
			s.fail(w, r, se, http.StatusInternalServerError, report.Text{Zh: "无法读取存档", En: "cannot read the archive"})
			return
		}
		for _, p := range periods {
			if len(d.Campaigns) == 0 || d.Campaigns[len(d.Campaigns)-1].Campaign.Key != p.Campaign.Key {
				d.Campaigns = append(d.Campaigns, campaignView{Campaign: p.Campaign})
			}
			c := &d.Campaigns[len(d.Campaigns)-1]
			pv := periodView{Period: p,
				Workbook: "/history/workbook/" + p.WorkbookSHA256 + "?name=" + url.QueryEscape(p.WorkbookName)}
			snap, err := report.ParseSnapshot(p.Result)
			if err == nil {
				pv.Tasks = snap.Tasks
			}
			var counted struct {
				Findings []json.RawMessage `json:"findings"`
			}
			if json.Unmarshal(p.Result, &counted) == nil {
				pv.Findings = len(counted.Findings)
			}
			for _, o := range p.Outputs {
				l := fileLink{Name: o.Name, Size: o.Size}
				if sumPattern.MatchString(o.SHA256) {
					if _, err := os.Stat(filepath.Join(s.cfg.State, "outputs", o.SHA256)); err == nil {
						l.URL = "/files/" + o.SHA256 + "?name=" + url.QueryEscape(o.Name)
					}
				}
				pv.Files = append(pv.Files, l)
			}
			c.Periods = append(c.Periods, pv)
		}
	}
	lang := s.lang(w, r)
	for i := range d.Campaigns {
		c := &d.Campaigns[i]
		var pts []trendPoint
		for _, p := range c.Periods {
			pts = append(pts, trendPoint{Label: p.AsOf, Rate: p.Tasks.Rate, Overdue: p.Tasks.Overdue})
		}
		c.Chart = trendSVG(pts, lang)
		slices.Reverse(c.Periods) // newest first in the table
	}
	s.render(w, r, se, http.StatusOK, "history", report.Text{Zh: "历史", En: "History"}, d)
}

func (s *Server) archivedWorkbook(w http.ResponseWriter, r *http.Request, se *session) {
	sum := r.PathValue("sum")
	if !sumPattern.MatchString(sum) {
		s.fail(w, r, se, http.StatusNotFound, report.Text{Zh: "没有这个文件", En: "no such file"})
		return
	}
	a, err := archive.Open(r.Context(), s.cfg.DB)
	if err != nil {
		s.fail(w, r, se, http.StatusNotFound, report.Text{Zh: "没有这个文件", En: "no such file"})
		return
	}
	defer a.Close()
	data, err := a.Workbook(r.Context(), sum)
	if err != nil {
		s.fail(w, r, se, http.StatusNotFound, report.Text{Zh: "没有这个文件", En: "no such file"})
		return
	}
	name := cleanName(r.URL.Query().Get("name"))
	sendAs(w, name, ctypeOf(name))
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(data))
}

func (s *Server) archivedOutput(w http.ResponseWriter, r *http.Request, se *session) {
	sum := r.PathValue("sum")
	if !sumPattern.MatchString(sum) {
		s.fail(w, r, se, http.StatusNotFound, report.Text{Zh: "没有这个文件", En: "no such file"})
		return
	}
	name := cleanName(r.URL.Query().Get("name"))
	serveFile(w, r, filepath.Join(s.cfg.State, "outputs", sum), name, ctypeOf(name))
}
