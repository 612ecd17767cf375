package mail

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"innoreport/internal/atomicfile"
)

// Queue is a folder of mails waiting to be sent. Each is a subfolder
// holding message.json and copies of its attachments, so it survives the
// outputs being moved and the process being killed. A sent mail's folder
// moves to sent/ (it is never sent again, and after Retention keeps its
// record but not its attachments); one the server refuses for good moves
// to dead/.
//
// The folder belongs to the queue alone and must not be writable by
// others; even so, what is read back is checked before anything is sent:
// attachments must be plain files inside the mail's own folder, and the
// recipients among Allowed.
type Queue struct {
	Dir       string
	Config    Config
	Log       *slog.Logger
	Backoff   []time.Duration // waits after each failure; the last repeats
	Allowed   []string        // the only recipients a queued mail may name; nil allows any
	Retention time.Duration   // how long a sent mail keeps its attachments (default 30 days)
	Now       func() time.Time
	Send      func(context.Context, Config, *Message) error // Send by default
	// OnDead is told of a mail the server refused for good.
	OnDead func(m *Message, err error)

	lastPrune time.Time
}

// state is what the queue remembers of a mail besides the message.
type state struct {
	Message
	Attempts int       `json:"attempts"`
	NextTry  time.Time `json:"next_try"`
	LastErr  string    `json:"last_error,omitempty"`
	SentAt   time.Time `json:"sent_at,omitzero"`
}

// Status of a mail in the queue, by ID.
const (
	StatusNone   = ""
	StatusQueued = "queued"
	StatusSent   = "sent"
	StatusDead   = "dead"
)

// Status says where the mail with this ID is.
func (q *Queue) Status(id string) string {
	id = safeID(id)
	for _, s := range []struct{ dir, status string }{
		{filepath.Join(q.Dir, "sent", id), StatusSent},
		{filepath.Join(q.Dir, "dead", id), StatusDead},
		{filepath.Join(q.Dir, id), StatusQueued},
	} {
		if fi, err := os.Lstat(s.dir); err == nil && fi.IsDir() {
			return s.status
		}
	}
	return StatusNone
}

// Identity is what makes a mail this mail: its recipients, subject, text
// and each attachment's name and content. Asking for a mail that differs
// in any of them (another recipient, a rebuilt report) sends it; asking
// again for the same one does not.
func Identity(m *Message) (string, error) {
	h := sha256.New()
	to := make([]string, len(m.To))
	for i, a := range m.To {
		to[i] = strings.ToLower(strings.TrimSpace(a))
	}
	slices.Sort(to)
	if m.Key != "" {
		fmt.Fprintf(h, "to %q\nkey %q\n", to, m.Key)
		return hex.EncodeToString(h.Sum(nil)[:16]), nil
	}
	fmt.Fprintf(h, "to %q\nsubject %q\ntext %q\nhtml %q\n", to, m.Subject, m.Text, m.HTML)
	for _, a := range m.Attachments {
		f, err := os.Open(a.Path)
		if err != nil {
			return "", err
		}
		ah := sha256.New()
		_, err = io.Copy(ah, f)
		f.Close()
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "attachment %q %x\n", a.Name, ah.Sum(nil))
	}
	return hex.EncodeToString(h.Sum(nil)[:16]), nil
}

// DefaultBackoff retries soon, then ever more slowly, up to hourly.
var DefaultBackoff = []time.Duration{10 * time.Second, time.Minute, 5 * time.Minute, 15 * time.Minute, time.Hour}

func (q *Queue) now() time.Time {
	if q.Now != nil {
		return q.Now()
	}
	return time.Now()
}

func (q *Queue) log() *slog.Logger {
	if q.Log != nil {
		return q.Log
	}
	return slog.New(slog.DiscardHandler)
}

// Put adds m to the queue, copying its attachments in, and sets m.ID to
// its Identity. A mail already queued, sent or dead is not added again:
// Status(m.ID) tells which.
func (q *Queue) Put(m *Message) error {
	var err error
	if m.ID, err = Identity(m); err != nil {
		return err
	}
	id := m.ID
	if q.Status(id) != StatusNone {
		return nil
	}
	tmp, err := os.MkdirTemp(q.Dir, ".put-")
	if err != nil {
		if err := os.MkdirAll(q.Dir, 0o755); err != nil {
			return err
		}
		if tmp, err = os.MkdirTemp(q.Dir, ".put-"); err != nil {
			return err
		}
	}
	defer os.RemoveAll(tmp)
	st := state{Message: *m, NextTry: q.now()}
	st.Attachments = nil
	for i, a := range m.Attachments {
		data, err := os.ReadFile(a.Path)
		if err != nil {
			return err
		}
		local := fmt.Sprintf("attachment-%d%s", i, safeExt(a.Name))
		if err := os.WriteFile(filepath.Join(tmp, local), data, 0o644); err != nil {
			return err
		}
		st.Attachments = append(st.Attachments, Attachment{Name: a.Name, Path: local})
	}
	if err := writeJSON(filepath.Join(tmp, "message.json"), st); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(q.Dir, id))
}

// safeExt keeps an attachment's extension only when it is plain.
func safeExt(name string) string {
	ext := filepath.Ext(filepath.Base(name))
	if len(ext) > 10 || strings.ContainsAny(ext, "/\\\x00") {
		return ""
	}
	return ext
}

func safeID(id string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == '.' || r < 0x20 {
			return '_'
		}
		return r
	}, id)
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, b, 0o644)
}

// Pending lists the queued mails' IDs, oldest name first.
func (q *Queue) Pending() ([]string, error) {
	entries, err := os.ReadDir(q.Dir)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, e := range entries {
		switch e.Name() {
		case "sent", "dead", "rejected":
			continue
		}
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		if !e.IsDir() {
			q.log().Warn("mail queue: not a folder; ignored", "entry", e.Name(), "type", e.Type().String())
			continue
		}
		ids = append(ids, e.Name())
	}
	slices.Sort(ids)
	return ids, nil
}

// Flush tries every mail that is due once. It returns how many were sent
// and when the next one falls due (zero if none waits).
func (q *Queue) Flush(ctx context.Context) (sent int, next time.Time, err error) {
	ids, err := q.Pending()
	if err != nil {
		return 0, time.Time{}, err
	}
	send := q.Send
	if send == nil {
		send = Send
	}
	q.prune()
	for _, id := range ids {
		if ctx.Err() != nil {
			break
		}
		ok, due, err := q.try(ctx, send, id)
		if err != nil {
			return sent, next, err
		}
		if ok {
			sent++
		}
		if !due.IsZero() && (next.IsZero() || due.Before(next)) {
			next = due
		}
	}
	return sent, next, nil
}

// try sends the queued mail id if it is due. sent says it went; due is
// when it is next due, where it waits.
func (q *Queue) try(ctx context.Context, send func(context.Context, Config, *Message) error, id string) (sent bool, due time.Time, err error) {
	dir := filepath.Join(q.Dir, id)
	st, err := q.read(dir)
	if err != nil {
		// Not something this queue wrote: never sent, set aside.
		q.log().Error("mail queue entry refused; moved to rejected/, nothing sent", "id", id, "err", err)
		return false, time.Time{}, q.moveTo(dir, "rejected", id)
	}
	if st.NextTry.After(q.now()) {
		return false, st.NextTry, nil
	}
	m := st.Message
	m.Attachments = slices.Clone(st.Attachments) // st is written back with relative paths
	for i := range m.Attachments {
		m.Attachments[i].Path = filepath.Join(dir, m.Attachments[i].Path)
	}
	err = send(ctx, q.Config, &m)
	st.Attempts++
	switch {
	case err == nil:
		st.SentAt = q.now()
		if err := q.file(dir, st, "sent", id); err != nil {
			return false, time.Time{}, err
		}
		q.log().Info("mail sent", "id", id, "to", strings.Join(st.To, ","), "attempts", st.Attempts)
		return true, time.Time{}, nil
	case Permanent(err):
		// Retrying a 5xx changes nothing: set it aside and say so.
		st.LastErr = err.Error()
		if err := q.file(dir, st, "dead", id); err != nil {
			return false, time.Time{}, err
		}
		q.log().Error("mail refused for good by the server; moved to dead/", "id", id, "to", strings.Join(st.To, ","),
			"server", Redacted(q.Config.URL), "err", err)
		if q.OnDead != nil {
			q.OnDead(&st.Message, err)
		}
		return false, time.Time{}, nil
	}
	st.LastErr = err.Error()
	backoff := q.backoff()
	wait := backoff[min(st.Attempts-1, len(backoff)-1)]
	st.NextTry = q.now().Add(wait)
	if err := writeJSON(filepath.Join(dir, "message.json"), st); err != nil {
		return false, time.Time{}, err
	}
	q.log().Warn("mail not sent; will retry", "id", id, "attempt", st.Attempts, "retry_in", wait.String(),
		"server", Redacted(q.Config.URL), "err", err)
	return false, st.NextTry, nil
}

// file writes st back and moves the mail's folder to sub.
func (q *Queue) file(dir string, st *state, sub, id string) error {
	if err := writeJSON(filepath.Join(dir, "message.json"), st); err != nil {
		return err
	}
	return q.moveTo(dir, sub, id)
}

// Run flushes the queue until ctx ends, waking when a mail falls due or
// when Kick is signalled.
func (q *Queue) Run(ctx context.Context, kick <-chan struct{}) {
	for {
		_, next, err := q.Flush(ctx)
		if err != nil {
			q.log().Error("mail queue", "err", err)
		}
		if !q.wait(ctx, next, time.Hour, kick) {
			return
		}
	}
}

// Deliver flushes the queue until each of ids is sent or refused for good,
// or has been tried once more than Backoff has waits in this call: a
// command that exits sends now what it can and leaves the rest queued. It
// returns those still queued.
func (q *Queue) Deliver(ctx context.Context, ids ...string) ([]string, error) {
	for try := 0; ; try++ {
		_, next, err := q.Flush(ctx)
		if err != nil {
			return nil, err
		}
		var left []string
		for _, id := range ids {
			if q.Status(id) == StatusQueued {
				left = append(left, id)
			}
		}
		if len(left) == 0 || try >= len(q.backoff()) || !q.wait(ctx, next, q.backoff()[try], nil) {
			return left, nil
		}
	}
}

func (q *Queue) backoff() []time.Duration {
	if len(q.Backoff) == 0 {
		return DefaultBackoff
	}
	return q.Backoff
}

// wait sleeps until next (or for idle where nothing is due) or a kick;
// false once ctx ends.
func (q *Queue) wait(ctx context.Context, next time.Time, idle time.Duration, kick <-chan struct{}) bool {
	wait := idle
	if !next.IsZero() {
		wait = max(next.Sub(q.now()), 10*time.Millisecond)
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-kick:
	case <-t.C:
	}
	return true
}

// Permanent reports whether the server refused a mail for good (an SMTP
// 5xx reply): sending it again would be refused again.
func Permanent(err error) bool {
	var se *gomail.SendError
	if errors.As(err, &se) {
		return se.ErrorCode() >= 500 && se.ErrorCode() < 600
	}
	return false
}

func (q *Queue) moveTo(dir, sub, id string) error {
	if err := os.MkdirAll(filepath.Join(q.Dir, sub), 0o700); err != nil {
		return err
	}
	dst := filepath.Join(q.Dir, sub, id)
	if sub == "rejected" {
		dst = filepath.Join(q.Dir, sub, fmt.Sprintf("%s-%d", id, q.now().UnixNano()))
	}
	return os.Rename(dir, dst)
}
