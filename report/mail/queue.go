package mail

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"innoreport/internal/atomicfile"
)

// Queue is a folder of mails waiting to be sent. Each is a subfolder
// holding message.json and copies of its attachments, so it survives the
// outputs being moved and the process being killed. A sent mail's folder
// moves to sent/; it is never sent again.
type Queue struct {
	Dir     string
	Config  Config
	Log     *slog.Logger
	Backoff []time.Duration // waits after each failure; the last repeats
	Now     func() time.Time
	Send    func(context.Context, Config, *Message) error // Send by default
}

// state is what the queue remembers of a mail besides the message.
type state struct {
	Message
	Attempts int       `json:"attempts"`
	NextTry  time.Time `json:"next_try"`
	LastErr  string    `json:"last_error,omitempty"`
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

// Put adds m to the queue, copying its attachments in. A mail whose ID is
// already queued or sent is not added again.
func (q *Queue) Put(m *Message) error {
	id := safeID(m.ID)
	for _, dir := range []string{filepath.Join(q.Dir, id), filepath.Join(q.Dir, "sent", id)} {
		if _, err := os.Stat(dir); err == nil {
			return nil
		}
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
		local := fmt.Sprintf("attachment-%d%s", i, filepath.Ext(a.Name))
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
		if e.IsDir() && e.Name() != "sent" && !strings.HasPrefix(e.Name(), ".") {
			ids = append(ids, e.Name())
		}
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
	for _, id := range ids {
		if ctx.Err() != nil {
			break
		}
		dir := filepath.Join(q.Dir, id)
		var st state
		b, err := os.ReadFile(filepath.Join(dir, "message.json"))
		if err == nil {
			err = json.Unmarshal(b, &st)
		}
		if err != nil {
			q.log().Error("mail queue entry unreadable; left in place", "dir", dir, "err", err)
			continue
		}
		if st.NextTry.After(q.now()) {
			if next.IsZero() || st.NextTry.Before(next) {
				next = st.NextTry
			}
			continue
		}
		m := st.Message
		m.Attachments = slices.Clone(st.Attachments) // st is written back with relative paths
		for i := range m.Attachments {
			m.Attachments[i].Path = filepath.Join(dir, m.Attachments[i].Path)
		}
		err = send(ctx, q.Config, &m)
		if err == nil {
			if err := os.MkdirAll(filepath.Join(q.Dir, "sent"), 0o755); err != nil {
				return sent, next, err
			}
			if err := os.Rename(dir, filepath.Join(q.Dir, "sent", id)); err != nil {
				return sent, next, err
			}
			sent++
			q.log().Info("mail sent", "id", id, "to", strings.Join(st.To, ","), "attempts", st.Attempts+1)
			continue
		}
		st.Attempts++
		st.LastErr = err.Error()
		backoff := q.Backoff
		if len(backoff) == 0 {
			backoff = DefaultBackoff
		}
		wait := backoff[min(st.Attempts-1, len(backoff)-1)]
		st.NextTry = q.now().Add(wait)
		if err := writeJSON(filepath.Join(dir, "message.json"), st); err != nil {
			return sent, next, err
		}
		if next.IsZero() || st.NextTry.Before(next) {
			next = st.NextTry
		}
		q.log().Warn("mail not sent; will retry", "id", id, "attempt", st.Attempts, "retry_in", wait.String(),
			"server", Redacted(q.Config.URL), "err", err)
	}
	return sent, next, nil
}

// Run flushes the queue until ctx ends, waking when a mail falls due or
// when Kick is signalled.
func (q *Queue) Run(ctx context.Context, kick <-chan struct{}) {
	for {
		_, next, err := q.Flush(ctx)
		if err != nil {
			q.log().Error("mail queue", "err", err)
		}
		wait := time.Hour
		if !next.IsZero() {
			wait = max(next.Sub(q.now()), 10*time.Millisecond)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-kick:
		case <-t.C:
		}
		t.Stop()
	}
}
