package web

import (
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"innoreport/report"
)

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
