package web

import (
	"encoding/json"
	"net/http"
	"strings"

	"innoreport/report"
)

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
