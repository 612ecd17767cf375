package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
	"unicode/utf8"

	"innoreport/internal/atomicfile"
)

// A return checked but not yet submitted is kept on disk under the state
// folder, one a unit: sessions end with a restart, units do not, so a
// clerk who opens the link again after a restart finds it waiting. It is
// no second store of returns (the archive holds those): only the upload
// and its name, never its findings, which are worked out again from the
// master when it is read back. What is read back is checked first, for
// the state folder is no more trusted than anything else on disk.

// pendingReturn is a unit's checked return: its name and sum (the submit
// form names the sum, so a clerk submits what the page showed), and what
// checking it found.
type pendingReturn struct {
	name  string
	sum   string
	check *ReturnCheck
}

// pendingMeta is what the state folder keeps beside the upload.
type pendingMeta struct {
	Unit    string    `json:"unit"`
	Name    string    `json:"name"`
	SHA256  string    `json:"sha256"`
	Checked time.Time `json:"checked"`
}

// pendingFiles are the upload's and its meta's paths: named by the
// unit's hash, so no unit's name reaches a path.
func (s *Server) pendingFiles(unit string) (data, meta string) {
	h := sha256.Sum256([]byte(s.cfg.Returns.Campaign() + "|" + unit))
	base := filepath.Join(s.cfg.State, "pending", hex.EncodeToString(h[:20]))
	return base + ".upload", base + ".json"
}

// keepPending keeps unit's checked return, replacing any before it.
func (s *Server) keepPending(unit string, up Upload, c *ReturnCheck) error {
	s.rs.mu.Lock()
	defer s.rs.mu.Unlock()
	delete(s.rs.pending, unit)
	data, meta := s.pendingFiles(unit)
	if err := os.MkdirAll(filepath.Dir(data), 0o750); err != nil {
		return err
	}
	p := &pendingReturn{name: up.Name, sum: sum(up.Data), check: c}
	js, err := json.Marshal(pendingMeta{Unit: unit, Name: up.Name, SHA256: p.sum, Checked: time.Now().UTC()})
	if err != nil {
		return err
	}
	// The upload first: a meta never names bytes not yet there.
	if err := atomicfile.WriteFile(data, up.Data, 0o600); err != nil {
		return err
	}
	if err := atomicfile.WriteFile(meta, js, 0o600); err != nil {
		return err
	}
	s.rs.pending[unit] = p
	return nil
}

// dropPending forgets unit's checked return, in memory and on disk.
func (s *Server) dropPending(unit string) {
	s.rs.mu.Lock()
	defer s.rs.mu.Unlock()
	delete(s.rs.pending, unit)
	data, meta := s.pendingFiles(unit)
	for _, f := range []string{meta, data} {
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			s.cfg.Log.Printf("pending return of %s: %v", unit, err)
		}
	}
}

// pendingOf is unit's checked return, read back from the state folder
// after a restart (and checked again); nil if there is none, or if what
// is there does not hold up, which is then removed.
func (s *Server) pendingOf(ctx context.Context, unit string) *pendingReturn {
	s.rs.mu.Lock()
	p, ok := s.rs.pending[unit]
	s.rs.mu.Unlock()
	if ok {
		return p
	}
	up, err := s.readPending(unit, "")
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err == nil {
		var c *ReturnCheck
		if c, err = s.cfg.Returns.Check(ctx, unit, up); err == nil {
			p = &pendingReturn{name: up.Name, sum: sum(up.Data), check: c}
			s.rs.mu.Lock()
			if _, ok := s.rs.pending[unit]; !ok {
				s.rs.pending[unit] = p
			}
			p = s.rs.pending[unit]
			s.rs.mu.Unlock()
			return p
		}
	}
	if ctx.Err() == nil {
		s.cfg.Log.Printf("pending return of %s set aside: %v", unit, err)
		s.dropPending(unit)
	}
	return nil
}

// readPending reads unit's kept upload back, refusing what this server
// did not write: a link or other odd file, more than an upload may hold,
// a meta of another unit, or bytes whose sum is not the meta's (nor want,
// when it is given).
func (s *Server) readPending(unit, want string) (Upload, error) {
	dataPath, metaPath := s.pendingFiles(unit)
	js, err := readPlain(metaPath, 64<<10)
	if err != nil {
		return Upload{}, err
	}
	var m pendingMeta
	if err := json.Unmarshal(js, &m); err != nil {
		return Upload{}, fmt.Errorf("%s: %w", metaPath, err)
	}
	if m.Unit != unit || !utf8.ValidString(m.Name) || len(m.Name) > 255 || !sumPattern().MatchString(m.SHA256) {
		return Upload{}, fmt.Errorf("%s: not a return of %s kept by this server", metaPath, unit)
	}
	if want != "" && m.SHA256 != want {
		return Upload{}, errReplaced
	}
	data, err := readPlain(dataPath, s.cfg.MaxUpload)
	if err != nil {
		return Upload{}, err
	}
	if sum(data) != m.SHA256 {
		return Upload{}, fmt.Errorf("%s: its bytes are not those checked", dataPath)
	}
	return Upload{Name: m.Name, Data: data}, nil
}

// errReplaced is a submit of a return another upload of the unit has
// replaced since the page was shown.
var errReplaced = errors.New("the checked return was replaced")

// readPlain reads a plain file (no link) of at most limit bytes.
func readPlain(path string, limit int64) ([]byte, error) {
	li, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	// The file opened is the plain file looked at, not one a link swapped in.
	if !li.Mode().IsRegular() || !os.SameFile(li, fi) || fi.Size() > limit {
		return nil, fmt.Errorf("%s: not a plain file of at most %d bytes", path, limit)
	}
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s: more than %d bytes", path, limit)
	}
	return b, nil
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
