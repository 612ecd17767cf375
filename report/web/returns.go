package web

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"

	"innoreport/report"
)

// Returns is the collection serve -master shows: cmd/innoreport gives it,
// matching and collecting returns exactly as collect does.
type Returns interface {
	// Campaign names the collection; unit tokens are bound to it.
	Campaign() string
	// Units are the units that owe a return.
	Units() []string
	// Check matches a return against the master without collecting it.
	Check(ctx context.Context, unit string, up Upload) (*ReturnCheck, error)
	// Submit collects a return into the master and records it.
	Submit(ctx context.Context, unit string, up Upload) (*ReturnCheck, error)
	// Status is the 报送情况: every unit, reported or not.
	Status(ctx context.Context) ([]report.ReturnStatus, error)
	// Remind queues the reminders of the units that have not reported,
	// each with its unit's link; lines are what it did, one a unit.
	Remind(ctx context.Context, link func(unit string) string) (lines []string, err error)
}

// ReturnCheck is what matching a return against the master found.
type ReturnCheck struct {
	Unit        string // the unit the return is of
	Findings    []report.Finding
	RowsUpdated int
}

// Errors counts the error-level findings, which stop a submit.
func (c *ReturnCheck) Errors() int {
	n := 0
	for _, f := range c.Findings {
		if f.Severity >= report.Error {
			n++
		}
	}
	return n
}

// unitRolePrefix starts the role a unit's token link signs in.
const unitRolePrefix = "unit:"

// UnitRole is the role of a unit's clerk.
func UnitRole(unit string) Role { return Role(unitRolePrefix + unit) }

// Unit is the unit a unit role is of; "" for any other role.
func (r Role) Unit() string {
	if u, ok := strings.CutPrefix(string(r), unitRolePrefix); ok {
		return u
	}
	return ""
}

// returnState is the server's side of the returns: the token secret, each
// unit's checked-but-not-submitted return (pending.go), one submit at a
// time.
type returnState struct {
	secret  []byte
	mu      sync.Mutex // pending, and its files
	pending map[string]*pendingReturn
	submit  sync.Mutex // one collect at a time: each sees every return before it
}

// UnitToken is the token of unit's link.
func (s *Server) UnitToken(unit string) string {
	return UnitToken(s.rs.secret, s.cfg.Returns.Campaign(), unit)
}

// unitLinkURL is unit's link as its clerk opens it: under -link-base
// where serve was given one, else under the address the bureau reached
// this page by.
func (s *Server) unitLinkURL(r *http.Request, unit string) string {
	base := s.cfg.LinkBase
	if base == "" {
		base = s.baseURL(r)
	}
	return UnitLink(base, s.UnitToken(unit))
}

// UnitLinks are every unit's link (under LinkBase; else its path,
// /u/TOKEN), to print for the mail that sends the returns.
func (s *Server) UnitLinks() map[string]string {
	out := map[string]string{}
	if s.cfg.Returns == nil {
		return out
	}
	for _, u := range s.cfg.Returns.Units() {
		out[u] = UnitLink(s.cfg.LinkBase, s.UnitToken(u))
	}
	return out
}

func (s *Server) routeReturns() error {
	if s.cfg.Returns == nil {
		// The menu links here: say why there is nothing.
		s.mux.HandleFunc("GET /returns", s.need(ActReturns, func(w http.ResponseWriter, r *http.Request, se *session) {
			s.fail(w, r, se, http.StatusNotFound, report.Text{
				Zh: "本服务启动时没有给出 -master 主表，因此不收集各单位的报表",
				En: "this server was started without -master, so it collects no returns"})
		}))
		return nil
	}
	secret, err := UnitKey(s.cfg.State)
	if err != nil {
		return err
	}
	s.rs = &returnState{secret: secret, pending: map[string]*pendingReturn{}}
	s.mux.HandleFunc("GET /u/{token}", s.unitLink)
	s.mux.HandleFunc("GET /unit", s.need(ActReturn, s.unitPage))
	s.mux.HandleFunc("POST /unit/check", s.need(ActReturn, s.unitCheck))
	s.mux.HandleFunc("POST /unit/submit", s.need(ActReturn, s.unitSubmit))
	s.mux.HandleFunc("GET /returns", s.need(ActReturns, s.returnsPage))
	s.mux.HandleFunc("GET /returns/status.json", s.need(ActReturns, s.returnsJSON))
	s.mux.HandleFunc("POST /returns/remind", s.need(ActReturns, s.remind))
	return nil
}

// unitLink signs the visitor in as the unit whose token this is.
func (s *Server) unitLink(w http.ResponseWriter, r *http.Request) {
	se := s.session(w, r)
	if s.limiter.blocked(s.clientAddr(r)) {
		s.fail(w, r, se, http.StatusTooManyRequests, report.Text{Zh: "错误次数过多，请 10 分钟后再试", En: "too many wrong links: try again in 10 minutes"})
		return
	}
	got := r.PathValue("token")
	for _, u := range s.cfg.Returns.Units() {
		if subtle.ConstantTimeCompare([]byte(got), []byte(s.UnitToken(u))) == 1 {
			s.signIn(w, r, se, &User{Name: u, Role: UnitRole(u)})
			http.Redirect(w, r, "/unit", http.StatusSeeOther)
			return
		}
	}
	s.limiter.fail(s.clientAddr(r))
	s.fail(w, r, se, http.StatusNotFound, report.Text{Zh: "链接无效或已失效，请向科技局索取新的报送链接", En: "this link is not valid (any more): ask the bureau for a new one"})
}

type unitData struct {
	Unit    string
	MaxMB   int64
	Check   *ReturnCheck
	File    string
	Error   *report.Text // why the last upload or submit was refused
	Done    bool         // submitted
	Status  *report.ReturnStatus
	Pending bool
	Sum     string // the pending return's, which the submit form names
}

func (s *Server) unitView(r *http.Request, se *session) unitData {
	d := unitData{Unit: se.user.Role.Unit(), MaxMB: s.cfg.MaxUpload >> 20}
	if st, err := s.cfg.Returns.Status(r.Context()); err == nil {
		for i := range st {
			if st[i].Unit == d.Unit {
				d.Status = &st[i]
			}
		}
	}
	if p := s.pendingOf(r.Context(), d.Unit); p != nil {
		d.Check, d.File, d.Pending, d.Sum = p.check, p.name, true, p.sum
	}
	return d
}

func (s *Server) unitPage(w http.ResponseWriter, r *http.Request, se *session) {
	s.render(w, r, se, http.StatusOK, "unit", report.Text{Zh: "报送 · " + se.user.Name, En: "Return · " + se.user.Name}, s.unitView(r, se))
}

func (s *Server) unitFail(w http.ResponseWriter, r *http.Request, se *session, status int, msg report.Text) {
	d := s.unitView(r, se)
	d.Error = &msg
	s.render(w, r, se, status, "unit", report.Text{Zh: "报送 · " + se.user.Name, En: "Return · " + se.user.Name}, d)
}

// unitCheck reads an uploaded return and shows its findings; it keeps it
// for the submit button.
func (s *Server) unitCheck(w http.ResponseWriter, r *http.Request, se *session) {
	unit := se.user.Role.Unit()
	up, csrf, status, msg := s.readUpload(w, r)
	if status == 0 && !csrfOK(se, csrf) || status != 0 && csrf != "" && !csrfOK(se, csrf) {
		up.discard()
		s.badCSRF(w, r, se)
		return
	}
	if status != 0 {
		s.unitFail(w, r, se, status, msg)
		return
	}
	data, err := os.ReadFile(up.file)
	up.discard()
	if err != nil {
		s.unitFail(w, r, se, http.StatusInternalServerError, report.Text{Zh: "上传的文件无法读取，请重试", En: "the upload could not be read: try again"})
		return
	}
	up.Data = data
	c, err := s.cfg.Returns.Check(r.Context(), unit, up)
	if err != nil {
		s.dropPending(unit)
		s.unitFail(w, r, se, http.StatusUnprocessableEntity, userText(err))
		return
	}
	if err := s.keepPending(unit, up, c); err != nil {
		s.cfg.Log.Printf("pending return of %s: %v", unit, err)
		s.dropPending(unit)
		s.unitFail(w, r, se, http.StatusInternalServerError, report.Text{Zh: "报表无法暂存，请重试", En: "the return could not be kept: try again"})
		return
	}
	s.render(w, r, se, http.StatusOK, "unit", report.Text{Zh: "报送 · " + se.user.Name, En: "Return · " + se.user.Name}, s.unitView(r, se))
}

// unitSubmit collects the checked return into the master, refused while
// it has errors.
func (s *Server) unitSubmit(w http.ResponseWriter, r *http.Request, se *session) {
	r.Body = http.MaxBytesReader(w, r.Body, formLimit)
	if err := r.ParseForm(); err != nil || !csrfOK(se, r.PostFormValue("csrf")) {
		s.badCSRF(w, r, se)
		return
	}
	unit := se.user.Role.Unit()
	p := s.pendingOf(r.Context(), unit)
	if p == nil {
		s.unitFail(w, r, se, http.StatusBadRequest, report.Text{Zh: "请先上传报表", En: "upload the return first"})
		return
	}
	if p.sum != r.PostFormValue("sum") {
		s.unitFail(w, r, se, http.StatusConflict, report.Text{
			Zh: "本单位随后又上传了一份报表（见下），它取代了您检查的那份；请确认后再提交",
			En: "another return of your unit was uploaded since (below) and replaced the one you checked: look it over, then submit"})
		return
	}
	if n := p.check.Errors(); n > 0 {
		s.unitFail(w, r, se, http.StatusUnprocessableEntity, report.Text{
			Zh: fmt.Sprintf("报表有 %d 处错误（见下表），未提交；请在 Excel 中改正后重新上传", n),
			En: fmt.Sprintf("the return has %d errors (listed below) and was not submitted: correct them in Excel and upload it again", n)})
		return
	}
	s.rs.submit.Lock()
	defer s.rs.submit.Unlock()
	up, err := s.readPending(unit, p.sum)
	if errors.Is(err, errReplaced) || errors.Is(err, os.ErrNotExist) {
		s.unitFail(w, r, se, http.StatusConflict, report.Text{
			Zh: "您检查的报表已被本单位随后上传的另一份取代或已提交；请确认后再提交",
			En: "the return you checked was replaced by a later upload of your unit, or already submitted: look it over, then submit"})
		return
	}
	if err != nil {
		s.cfg.Log.Printf("pending return of %s: %v", unit, err)
		s.dropPending(unit)
		s.unitFail(w, r, se, http.StatusInternalServerError, report.Text{Zh: "暂存的报表已损坏，请重新上传", En: "the kept return is damaged: upload it again"})
		return
	}
	c, err := s.cfg.Returns.Submit(r.Context(), unit, up)
	if err != nil {
		s.unitFail(w, r, se, http.StatusUnprocessableEntity, userText(err))
		return
	}
	s.dropPending(unit)
	s.cfg.Log.Printf("return of %s submitted: %s, %d rows", unit, up.Name, c.RowsUpdated)
	d := s.unitView(r, se)
	d.Done, d.Check, d.File = true, c, up.Name
	s.render(w, r, se, http.StatusOK, "unit", report.Text{Zh: "报送 · " + se.user.Name, En: "Return · " + se.user.Name}, d)
}

// userText is an error as its reader should see it.
func userText(err error) report.Text {
	if m, ok := report.Message(err); ok {
		return m
	}
	return report.Text{Zh: "报表无法读取：" + err.Error(), En: "the return could not be read: " + err.Error()}
}

type returnsData struct {
	Rows     []returnRow
	Reported int
	Missing  int
	Remind   []string
	Error    *report.Text
}

type returnRow struct {
	report.ReturnStatus
	Link string
}

func (s *Server) returnsView(r *http.Request) (returnsData, error) {
	st, err := s.cfg.Returns.Status(r.Context())
	if err != nil {
		return returnsData{}, err
	}
	var d returnsData
	for _, x := range st {
		d.Rows = append(d.Rows, returnRow{ReturnStatus: x, Link: s.unitLinkURL(r, x.Unit)})
		if x.State == report.ReturnMissing {
			d.Missing++
		} else {
			d.Reported++
		}
	}
	return d, nil
}

func (s *Server) returnsPage(w http.ResponseWriter, r *http.Request, se *session) {
	d, err := s.returnsView(r)
	if err != nil {
		s.fail(w, r, se, http.StatusInternalServerError, userText(err))
		return
	}
	s.render(w, r, se, http.StatusOK, "returns", report.Text{Zh: "报送情况", En: "Returns"}, d)
}

// statusRow is one unit's row of the 报送情况 as the page's script
// redraws it: what it shows, in the page's language.
type statusRow struct {
	Unit        string `json:"unit"`
	State       string `json:"state"`
	Label       string `json:"label"`
	File        string `json:"file"`
	Received    string `json:"received"`
	RowsUpdated string `json:"rows_updated"`
	Findings    string `json:"findings"`
}

// returnsJSON is the 报送情况 for the page to redraw itself without a
// reload: the rows as the page shows them, and the counts.
func (s *Server) returnsJSON(w http.ResponseWriter, r *http.Request, se *session) {
	d, err := s.returnsView(r)
	if err != nil {
		http.Error(w, "the returns cannot be read", http.StatusInternalServerError)
		return
	}
	lang := s.lang(w, r)
	rows := []statusRow{}
	for _, x := range d.Rows {
		row := statusRow{Unit: x.Unit, State: x.State.String(), Label: x.State.Label(lang), File: x.File, Received: x.Received}
		if x.File != "" {
			row.RowsUpdated, row.Findings = strconv.Itoa(x.RowsUpdated), strconv.Itoa(x.Findings)
		}
		rows = append(rows, row)
	}
	b, err := json.Marshal(map[string]any{"reported": d.Reported, "missing": d.Missing, "rows": rows})
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if _, err := w.Write(b); err != nil {
		s.cfg.Log.Printf("write %s: %v", r.URL.Path, err)
	}
}

// remind queues the reminders of the units that have not reported, as
// `innoreport remind` does.
func (s *Server) remind(w http.ResponseWriter, r *http.Request, se *session) {
	r.Body = http.MaxBytesReader(w, r.Body, formLimit)
	if err := r.ParseForm(); err != nil || !csrfOK(se, r.PostFormValue("csrf")) {
		s.badCSRF(w, r, se)
		return
	}
	lines, err := s.cfg.Returns.Remind(r.Context(), func(unit string) string { return s.unitLinkURL(r, unit) })
	d, verr := s.returnsView(r)
	if verr != nil {
		s.fail(w, r, se, http.StatusInternalServerError, userText(verr))
		return
	}
	status := http.StatusOK
	if err != nil {
		t := userText(err)
		d.Error, status = &t, http.StatusServiceUnavailable
	}
	d.Remind = lines
	s.render(w, r, se, status, "returns", report.Text{Zh: "报送情况", En: "Returns"}, d)
}
