// Package mailtest runs a real SMTP server on 127.0.0.1 inside a test
// process, recording what it receives.
package mailtest

import (
	"bytes"
	"errors"
	"io"
	"net"
	"sync"
	"testing"

	"github.com/emersion/go-smtp"
)

// Received is one mail as the server got it.
type Received struct {
	From string
	To   []string
	Data []byte
}

// Server is a loopback SMTP server. Refuse makes the next n DATA commands
// fail with a temporary error, for retry tests.
type Server struct {
	Addr string

	mu       sync.Mutex
	received []Received
	refuse   int
	reject   int
}

// Start runs a server until the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Addr: l.Addr().String()}
	srv := smtp.NewServer(backend{s})
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return s
}

// Refuse makes the next n deliveries fail with 451.
func (s *Server) Refuse(n int) {
	s.mu.Lock()
	s.refuse = n
	s.mu.Unlock()
}

// Reject makes the next n deliveries fail for good with 550, as a server
// does for a mailbox that does not exist.
func (s *Server) Reject(n int) {
	s.mu.Lock()
	s.reject = n
	s.mu.Unlock()
}

// Received returns the mails delivered so far.
func (s *Server) Received() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.received...)
}

type backend struct{ s *Server }

func (b backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{s: b.s}, nil }

type session struct {
	s    *Server
	from string
	to   []string
}

func (x *session) Reset()        { x.from, x.to = "", nil }
func (x *session) Logout() error { return nil }
func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	x.from = from
	return nil
}

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.to = append(x.to, to)
	return nil
}

var errNoMailbox = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such mailbox"}

var errBusy = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}

func (x *session) Data(r io.Reader) error {
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, r); err != nil {
		return err
	}
	x.s.mu.Lock()
	defer x.s.mu.Unlock()
	if x.s.reject > 0 {
		x.s.reject--
		return errNoMailbox
	}
	if x.s.refuse > 0 {
		x.s.refuse--
		return errBusy
	}
	if x.from == "" {
		return errors.New("no sender")
	}
	x.s.received = append(x.s.received, Received{From: x.from, To: x.to, Data: buf.Bytes()})
	return nil
}
