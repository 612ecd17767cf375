package web

import (
	"crypto/subtle"
	"net/http"

	"innoreport/report"
)

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
