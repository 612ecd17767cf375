// Package web is innoreport's intranet page: sign in, drop a workbook,
// see its findings, download its reports, and look back over the
// archived periods. It knows nothing of flags: cmd/innoreport gives it a
// Builder that builds a workbook exactly as `build` does.
package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"time"

	"innoreport/report"
)

// Upload is a workbook as it arrived: its bytes and the name its sender
// gave it. The name is shown and archived, never used as a path.
type Upload struct {
	Name string
	Data []byte
	file string // where the server spooled it, until a build slot is free
}

// Build is what a Builder made of one upload.
type Build struct {
	Result *report.Result
	// Files are the outputs written, by format (pdf, xlsx, docx): paths
	// inside the folder the Builder was given.
	Files map[string]string
	// JSON is `build -format json`'s answer with outputs (format → URL).
	JSON func(outputs map[string]string) ([]byte, error)
}

// Builder builds one upload into dir, the way `build` does, telling
// progress of its stages; the caller chose dir.
type Builder func(ctx context.Context, up Upload, dir string, progress func(stage string)) (*Build, error)

// Config is what a Server needs.
type Config struct {
	Build      Builder
	State      string // the state folder: jobs and outputs live under it
	DB         string // the period archive the builds record into
	Users      *Users
	MaxUpload  int64 // bytes
	TrustProxy bool  // believe X-Forwarded-Proto/-Host/-For from the proxy in front
	TLS        bool  // served over TLS: cookies are Secure
	Workers    int   // builds at once; 0 is half the CPUs, at least one
	// Font is a TrueType font with CJK glyphs (the PDF's), served as the
	// page's last resort: a machine with no Chinese font still reads it.
	Font []byte
	Log  *log.Logger
	// Returns is the collection of serve -master; nil without it.
	Returns Returns
	// LinkBase is how the units' clerks reach the server (the unit links
	// start with it); "" takes the address of the bureau's request.
	LinkBase string
}

//go:embed assets templates
var files embed.FS

// Server is the web interface; it is an http.Handler.
type Server struct {
	cfg      Config
	mux      *http.ServeMux
	sessions *sessions
	jobs     *jobs
	pages    *pages
	limiter  *limiter
	rs       *returnState // nil without Returns
}

// New makes a Server. Close it to wait for the builds under way.
func New(cfg Config) (*Server, error) {
	if cfg.Build == nil || cfg.Users == nil || cfg.State == "" {
		return nil, errors.New("web: Build, Users and State are required")
	}
	if cfg.Workers <= 0 {
		cfg.Workers = max(1, runtime.NumCPU()/2)
	}
	if cfg.MaxUpload <= 0 {
		cfg.MaxUpload = 50 << 20
	}
	if cfg.Log == nil {
		cfg.Log = log.New(io.Discard, "", 0)
	}
	for _, d := range []string{"jobs", "outputs", "uploads"} {
		if err := os.MkdirAll(filepath.Join(cfg.State, d), 0o750); err != nil {
			return nil, err
		}
	}
	// Uploads a killed server was spooling belong to no job.
	if left, err := os.ReadDir(filepath.Join(cfg.State, "uploads")); err == nil {
		for _, e := range left {
			if err := os.Remove(filepath.Join(cfg.State, "uploads", e.Name())); err != nil {
				cfg.Log.Printf("uploads: %v", err)
			}
		}
	}
	p, err := loadPages()
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, mux: http.NewServeMux(), sessions: newSessions(), pages: p, limiter: newLimiter()}
	s.jobs = newJobs(cfg.Workers)
	assets, err := fs.Sub(files, "assets")
	if err != nil {
		return nil, err
	}
	s.mux.Handle("GET /assets/", http.StripPrefix("/assets/", http.FileServerFS(assets)))
	s.mux.HandleFunc("GET /assets/vocab.css", serveVocabCSS)
	s.mux.HandleFunc("GET /font.ttf", s.font)
	s.mux.HandleFunc("GET /login", s.loginPage)
	s.mux.HandleFunc("POST /login", s.login)
	s.mux.HandleFunc("POST /logout", s.logout)
	s.mux.HandleFunc("GET /{$}", s.need(ActCheck, s.home))
	s.mux.HandleFunc("POST /check", s.need(ActCheck, s.check))
	s.mux.HandleFunc("GET /jobs/{id}", s.need(ActCheck, s.job))
	s.mux.HandleFunc("GET /jobs/{id}/{format}", s.need(ActCheck, s.jobFile))
	s.mux.HandleFunc("GET /history", s.need(ActHistory, s.history))
	s.mux.HandleFunc("GET /history/workbook/{sum}", s.need(ActHistory, s.archivedWorkbook))
	s.mux.HandleFunc("GET /files/{sum}", s.need(ActHistory, s.archivedOutput))
	// The returns of the collection (issue 13): a unit's token link
	// (/u/TOKEN) signs in a unit role whose Can allows only its own
	// upload and submit, and the bureau's 报送情况 page lists them.
	if err := s.routeReturns(); err != nil {
		return nil, err
	}
	s.mux.HandleFunc("POST /api/build", s.apiBuild)
	s.mux.HandleFunc("GET /api/jobs/{id}/{format}", s.apiFile)
	return s, nil
}

// Close waits for the builds under way, until ctx ends; then it cancels
// them. Returns that can be closed (their mail) are closed after.
func (s *Server) Close(ctx context.Context) error {
	err := s.jobs.close(ctx)
	if c, ok := s.cfg.Returns.(interface{ Close(context.Context) error }); ok {
		if cerr := c.Close(ctx); err == nil {
			err = cerr
		}
	}
	return err
}

// ServeHTTP answers every request with the security headers first.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	// Nothing inline, nothing from elsewhere: the intranet has no CDN and
	// an injected tag has nowhere to load from.
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	if s.secure(r) {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
	start := time.Now()
	s.mux.ServeHTTP(w, r)
	s.cfg.Log.Printf("%s %s %s %s", s.clientIP(r), r.Method, r.URL.Path, time.Since(start).Round(time.Millisecond))
}

// startTime dates the font for caches.
var startTime = time.Now()

func (s *Server) font(w http.ResponseWriter, r *http.Request) {
	if len(s.cfg.Font) == 0 {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "font/ttf")
	w.Header().Set("Cache-Control", "public, max-age=604800")
	http.ServeContent(w, r, "", startTime, bytes.NewReader(s.cfg.Font))
}

// secure says whether the browser reached us over TLS, directly or
// through a trusted proxy.
func (s *Server) secure(r *http.Request) bool {
	if r.TLS != nil || s.cfg.TLS {
		return true
	}
	return s.cfg.TrustProxy && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// baseURL is how the client reaches us, for the URLs the API answers.
func (s *Server) baseURL(r *http.Request) string {
	scheme := "http"
	if s.secure(r) {
		scheme = "https"
	}
	host := r.Host
	if s.cfg.TrustProxy {
		if h := r.Header.Get("X-Forwarded-Host"); h != "" && validHost().MatchString(h) {
			host = h
		}
	}
	return scheme + "://" + host
}

var validHost = lazyRegexp(`^[A-Za-z0-9.\-:\[\]]+$`)

// clientAddr is the client's address without its port, for counting
// failed sign-ins.
func (s *Server) clientAddr(r *http.Request) string {
	a := s.clientIP(r)
	if h, _, err := net.SplitHostPort(a); err == nil {
		return h
	}
	return a
}

func (s *Server) clientIP(r *http.Request) string {
	if s.cfg.TrustProxy {
		if f := r.Header.Get("X-Forwarded-For"); f != "" {
			return strings.TrimSpace(strings.Split(f, ",")[0])
		}
	}
	return r.RemoteAddr
}

// newID is a random id: job ids and session ids are unguessable.
func newID() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on the systems Go supports
	}
	return hex.EncodeToString(b)
}

var idPattern = lazyRegexp(`^[0-9a-f]{32}$`)
var sumPattern = lazyRegexp(`^[0-9a-f]{64}$`)

// sessions are the signed-in browsers, in memory: a restart signs
// everyone out, which an intranet page can afford.
type sessions struct {
	mu sync.Mutex
	m  map[string]*session
}

type session struct {
	id      string
	csrf    string
	user    *User // nil before signing in
	expires time.Time
}

const sessionCookie = "innoreport_session"
const sessionTTL = 12 * time.Hour

// anonTTL is how long a sign-in form stays good.
const anonTTL = time.Hour

// maxSessions caps the sessions kept in memory.
const maxSessions = 10000

func newSessions() *sessions { return &sessions{m: map[string]*session{}} }

// get finds the request's session, making an anonymous one (for the
// sign-in form's CSRF token) when there is none.
func (s *Server) session(w http.ResponseWriter, r *http.Request) *session {
	now := time.Now()
	s.sessions.mu.Lock()
	defer s.sessions.mu.Unlock()
	if c, err := r.Cookie(sessionCookie); err == nil {
		if se, ok := s.sessions.m[c.Value]; ok && now.Before(se.expires) {
			return se
		}
	}
	for id, se := range s.sessions.m {
		if now.After(se.expires) {
			delete(s.sessions.m, id)
		}
	}
	if len(s.sessions.m) >= maxSessions {
		// A flood of visitors who never sign in must not grow the map
		// without end: they lose their sign-in forms, the signed-in keep on.
		for id, se := range s.sessions.m {
			if se.user == nil {
				delete(s.sessions.m, id)
			}
		}
	}
	se := &session{id: newID(), csrf: newID(), expires: now.Add(anonTTL)}
	s.sessions.m[se.id] = se
	s.setCookie(w, r, se.id)
	return se
}

func (s *Server) setCookie(w http.ResponseWriter, r *http.Request, id string) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: id, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: s.secure(r), MaxAge: int(sessionTTL.Seconds())})
}

// signIn gives the user a fresh session, so an id planted before signing
// in is worth nothing after.
func (s *Server) signIn(w http.ResponseWriter, r *http.Request, old *session, u *User) {
	s.sessions.mu.Lock()
	delete(s.sessions.m, old.id)
	se := &session{id: newID(), csrf: newID(), user: u, expires: time.Now().Add(sessionTTL)}
	s.sessions.m[se.id] = se
	s.sessions.mu.Unlock()
	s.setCookie(w, r, se.id)
}

func (s *Server) signOut(se *session) {
	s.sessions.mu.Lock()
	delete(s.sessions.m, se.id)
	s.sessions.mu.Unlock()
}

// need wraps a page that needs a signed-in user allowed to do a.
func (s *Server) need(a Action, h func(http.ResponseWriter, *http.Request, *session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		se := s.session(w, r)
		if se.user == nil {
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
		if !se.user.Role.Can(a) {
			s.fail(w, r, se, http.StatusForbidden, report.Text{Zh: "您的账号无权访问此页", En: "your account may not open this page"})
			return
		}
		h(w, r, se)
	}
}

// limiter slows password guessing: after maxFailures wrong sign-ins from
// one address within failWindow, that address may not try again until the
// window ends.
type limiter struct {
	mu sync.Mutex
	m  map[string]*failures
}

type failures struct {
	n     int
	since time.Time
}

const maxFailures = 10
const failWindow = 10 * time.Minute

func newLimiter() *limiter { return &limiter{m: map[string]*failures{}} }

// blocked says whether addr has failed too often lately.
func (l *limiter) blocked(addr string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	f, ok := l.m[addr]
	if !ok {
		return false
	}
	if time.Since(f.since) > failWindow {
		delete(l.m, addr)
		return false
	}
	return f.n >= maxFailures
}

func (l *limiter) fail(addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.m) >= maxSessions {
		for a, f := range l.m {
			if time.Since(f.since) > failWindow {
				delete(l.m, a)
			}
		}
	}
	f, ok := l.m[addr]
	if !ok || time.Since(f.since) > failWindow {
		f = &failures{since: time.Now()}
		l.m[addr] = f
	}
	f.n++
}

// lazyRegexp compiles expr when first used: a command other than serve
// never uses these, and skips compiling them at start.
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}
