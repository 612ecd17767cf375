package mail

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// read reads a queued mail back and checks it: a folder of its own (not a
// link), a message.json that is a plain file, recipients among Allowed,
// and attachments that are plain files directly inside the folder.
func (q *Queue) read(dir string) (*state, error) {
	fi, err := os.Lstat(dir)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("%s is not a folder", dir)
	}
	if err := plainFile(filepath.Join(dir, "message.json")); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(filepath.Join(dir, "message.json"))
	if err != nil {
		return nil, err
	}
	var st state
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("message.json: %w", err)
	}
	if len(st.To) == 0 {
		return nil, errors.New("no recipient")
	}
	for _, to := range st.To {
		if !q.allowed(to) {
			return nil, fmt.Errorf("recipient %q is not one configured", to)
		}
	}
	for _, a := range st.Attachments {
		if a.Path == "" || a.Path != filepath.Base(a.Path) || a.Path == "." || a.Path == ".." ||
			strings.ContainsAny(a.Path, "/\\") || a.Path == "message.json" {
			return nil, fmt.Errorf("attachment path %q is not a file of the mail's own folder", a.Path)
		}
		if err := plainFile(filepath.Join(dir, a.Path)); err != nil {
			return nil, err
		}
	}
	return &st, nil
}

func plainFile(p string) error {
	fi, err := os.Lstat(p)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s is not a plain file (%s)", filepath.Base(p), fi.Mode().Type())
	}
	return nil
}

func (q *Queue) allowed(to string) bool {
	if q.Allowed == nil {
		return true
	}
	for _, a := range q.Allowed {
		if strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(to)) {
			return true
		}
	}
	return false
}

// DefaultRetention is how long a sent mail keeps its attachments.
const DefaultRetention = 30 * 24 * time.Hour

// prune removes the attachments of mails sent longer ago than Retention,
// keeping their message.json as the record; at most once an hour.
func (q *Queue) prune() {
	now := q.now()
	if !q.lastPrune.IsZero() && now.Sub(q.lastPrune) < time.Hour {
		return
	}
	q.lastPrune = now
	keep := q.Retention
	if keep <= 0 {
		keep = DefaultRetention
	}
	sentDir := filepath.Join(q.Dir, "sent")
	entries, err := os.ReadDir(sentDir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		dir := filepath.Join(sentDir, e.Name())
		b, err := os.ReadFile(filepath.Join(dir, "message.json"))
		if err != nil {
			continue
		}
		var st state
		if json.Unmarshal(b, &st) != nil || st.SentAt.IsZero() || now.Sub(st.SentAt) < keep {
			continue
		}
		files, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, f := range files {
			if f.Name() == "message.json" {
				continue
			}
			if err := os.Remove(filepath.Join(dir, f.Name())); err != nil {
				q.log().Warn("mail queue: cannot remove an old attachment", "file", filepath.Join(dir, f.Name()), "err", err)
			}
		}
	}
}
