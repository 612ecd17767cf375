package watch

import (
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

const (
	stateBuilt  = "built"
	stateDone   = "done"
	stateFailed = "failed"
)

type entry struct {
	Hash   string    `json:"hash"`
	Name   string    `json:"name"`
	State  string    `json:"state"`
	Dir    string    `json:"dir,omitempty"`    // the published outputs, for the log only
	Reason string    `json:"reason,omitempty"` // why the content failed
	Time   time.Time `json:"time"`
}

// journal is an append-only file of entries, the last per hash winning.
type journal struct {
	mu   sync.Mutex
	f    *os.File
	last map[string]entry
}

// valid reports what is wrong with an entry read back, if anything: the
// journal lives in the state directory, but a line that names a hash that
// is not one or a folder outside the outbox is not trusted.
func (e entry) valid(outbox string) string {
	if len(e.Hash) != 64 || strings.ToLower(e.Hash) != e.Hash {
		return "not a content hash"
	}
	if _, err := hex.DecodeString(e.Hash); err != nil {
		return "not a content hash"
	}
	switch e.State {
	case stateBuilt, stateDone, stateFailed:
	default:
		return "unknown state"
	}
	if e.Dir != "" && !within(absPath(e.Dir), absPath(outbox)) {
		return "points outside the outbox"
	}
	return ""
}

func absPath(p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		return filepath.Clean(p)
	}
	return a
}

func openJournal(path, outbox string, log *slog.Logger) (*journal, error) {
	j := &journal{last: map[string]entry{}}
	if b, err := os.ReadFile(path); err == nil {
		for n, line := range strings.Split(string(b), "\n") {
			if strings.TrimSpace(line) == "" {
				continue
			}
			var e entry
			if err := json.Unmarshal([]byte(line), &e); err != nil {
				// A line cut short by a crash.
				log.Warn("journal line unreadable; ignored", "line", n+1, "err", err)
				continue
			}
			if why := e.valid(outbox); why != "" {
				log.Warn("journal line ignored", "line", n+1, "why", why, "dir", e.Dir)
				continue
			}
			j.last[e.Hash] = e
		}
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, err
	}
	j.f = f
	return j, nil
}

func (j *journal) get(hash string) (entry, bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	e, ok := j.last[hash]
	return e, ok
}

func (j *journal) put(e entry) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.last[e.Hash] = e
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	// Newline first: a previous line cut short by a crash stays apart.
	if _, err := j.f.Write(append([]byte("\n"), b...)); err != nil {
		return err
	}
	return j.f.Sync()
}

func (j *journal) close() { j.f.Close() }
