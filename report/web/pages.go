package web

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"

	"innoreport/report"
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
	// The history's columns are two states, named as everywhere else.
	"done":    func() report.State { return report.StateDone },
	"overdue": func() report.State { return report.StateOverdue },
	// The findings filter lists the severities most serious first.
	"severities": func() []report.Severity { return []report.Severity{report.Error, report.Warning, report.Info} },
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
	Lang     report.Lang
	User     *User
	CSRF     string
	Title    string
	Refresh  int
	Live     string     // the page reloads itself here without JavaScript (the 报送情况)
	HTMLLang string     // the page's lang attribute
	Switch   []langLink // the other languages, each in its own words
	Data     any
}

const langCookie = "innoreport_lang"

// lang is the page's language: ?lang= (remembered), else the cookie, else
// Chinese.
func (s *Server) lang(w http.ResponseWriter, r *http.Request) report.Lang {
	if l, ok := report.ParseLang(r.URL.Query().Get("lang")); ok {
		http.SetCookie(w, &http.Cookie{Name: langCookie, Value: string(l), Path: "/", HttpOnly: true,
			SameSite: http.SameSiteStrictMode, Secure: s.secure(r), MaxAge: 365 * 24 * 3600})
		return l
	}
	if c, err := r.Cookie(langCookie); err == nil {
		if l, ok := report.ParseLang(c.Value); ok {
			return l
		}
	}
	return report.Zh
}

// langLink offers the page in another language.
type langLink struct {
	Lang  report.Lang
	Tag   string // its lang attribute
	Label string // the language's name in itself
	URL   string
}

// htmlTags are the languages' lang attributes (BCP 47).
var htmlTags = map[report.Lang]string{report.Zh: "zh-CN", report.En: "en"}

func (s *Server) render(w http.ResponseWriter, r *http.Request, se *session, status int, name string, title report.Text, data any) {
	lang := s.lang(w, r)
	v := view{Lang: lang, User: se.user, CSRF: se.csrf, Title: title.In(lang), HTMLLang: htmlTags[lang], Data: data}
	for _, l := range report.Langs {
		if l != lang {
			q := r.URL.Query()
			q.Set("lang", string(l))
			v.Switch = append(v.Switch, langLink{Lang: l, Tag: htmlTags[l], Label: l.Label(l), URL: r.URL.Path + "?" + q.Encode()})
		}
	}
	if name == "progress" {
		v.Refresh = 1
	}
	if name == "returns" {
		v.Live = "/returns"
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
