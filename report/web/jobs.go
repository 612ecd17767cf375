package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"innoreport/report"
	"innoreport/report/archive"
)

// job is one upload being built, or built, in the background: a big
// workbook never holds a request open until a proxy times it out.
type job struct {
	id       string
	owner    string
	name     string // the upload's name, for people
	created  time.Time
	finished chan struct{} // closed when done

	mu    sync.Mutex
	stage string
	done  bool
	build *Build
	err   error
}

func (j *job) state() (stage string, done bool, b *Build, err error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.stage, j.done, j.build, j.err
}

// jobs are the builds of this run of the server, newest first.
type jobs struct {
	mu     sync.Mutex
	m      map[string]*job
	order  []*job
	slots  chan struct{} // one per build allowed at once
	wg     sync.WaitGroup
	ctx    context.Context
	cancel context.CancelFunc
}

// keepJobs is how many jobs the lists remember; their files stay on disk.
const keepJobs = 500

func newJobs(workers int) *jobs {
	ctx, cancel := context.WithCancel(context.Background())
	return &jobs{m: map[string]*job{}, slots: make(chan struct{}, workers), ctx: ctx, cancel: cancel}
}

func (js *jobs) get(id string) (*job, bool) {
	js.mu.Lock()
	defer js.mu.Unlock()
	j, ok := js.m[id]
	return j, ok
}

func (js *jobs) recent(owner string, n int) []*job {
	js.mu.Lock()
	defer js.mu.Unlock()
	var out []*job
	for i := len(js.order) - 1; i >= 0 && len(out) < n; i-- {
		if js.order[i].owner == owner {
			out = append(out, js.order[i])
		}
	}
	return out
}

func (js *jobs) close(ctx context.Context) error {
	done := make(chan struct{})
	go func() { js.wg.Wait(); close(done) }()
	select {
	case <-done:
		js.cancel()
		return nil
	case <-ctx.Done():
		js.cancel()
		<-done
		return ctx.Err()
	}
}

// errClosing refuses a build while the server shuts down.
var errClosing = errors.New("server shutting down")

// start queues up for building in the background and returns its job.
func (s *Server) start(owner string, up Upload) (*job, error) {
	js := s.jobs
	if js.ctx.Err() != nil {
		return nil, errClosing
	}
	j := &job{id: newID(), owner: owner, name: up.Name, created: time.Now(), stage: "queued", finished: make(chan struct{})}
	dir := filepath.Join(s.cfg.State, "jobs", j.id)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	if up.file != "" {
		// Kept beside its outputs, under the server's name.
		kept := filepath.Join(dir, "upload")
		if err := os.Rename(up.file, kept); err != nil {
			return nil, err
		}
		up.file = kept
	}
	js.mu.Lock()
	js.m[j.id] = j
	js.order = append(js.order, j)
	if len(js.order) > keepJobs {
		delete(js.m, js.order[0].id)
		js.order = js.order[1:]
	}
	js.wg.Add(1)
	js.mu.Unlock()
	go func() {
		defer js.wg.Done()
		b, err := s.run(js.ctx, j, up, dir)
		j.mu.Lock()
		j.done, j.build, j.err, j.stage = true, b, err, "done"
		j.mu.Unlock()
		close(j.finished)
		if err != nil {
			s.cfg.Log.Printf("job %s (%s): %v", j.id, j.name, err)
		}
	}()
	return j, nil
}

// run builds j once a slot is free, then keeps each output under its
// SHA-256 too, where the history page finds the archived period's files.
func (s *Server) run(ctx context.Context, j *job, up Upload, dir string) (b *Build, err error) {
	select {
	case s.jobs.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-s.jobs.slots }()
	defer func() {
		// A panic in one build is that job's failure, not the server's.
		if p := recover(); p != nil {
			err = fmt.Errorf("internal error: %v", p)
		}
	}()
	if up.Data == nil && up.file != "" {
		if up.Data, err = os.ReadFile(up.file); err != nil {
			return nil, err
		}
	}
	b, err = s.cfg.Build(ctx, up, dir, func(stage string) {
		j.mu.Lock()
		j.stage = stage
		j.mu.Unlock()
	})
	if err != nil {
		return nil, err
	}
	for _, f := range b.Files {
		if err := keepBySum(f, filepath.Join(s.cfg.State, "outputs")); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// keepBySum links (or copies) file into dir under its SHA-256.
func keepBySum(file, dir string) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	dst := filepath.Join(dir, archive.Sum(data))
	if _, err := os.Stat(dst); err == nil {
		return nil
	}
	if err := os.Link(file, dst); err == nil || errors.Is(err, os.ErrExist) {
		return nil
	}
	f, err := os.CreateTemp(dir, ".tmp-*")
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return err
	}
	return os.Rename(f.Name(), dst)
}

// message is what a person is told of a failed build: the builder's own
// bilingual line where it has one, never a stack trace.
func message(err error) (report.Text, bool) {
	if m, ok := report.Message(err); ok {
		return m, true
	}
	return report.Text{Zh: "生成失败，请联系管理员查看服务日志", En: "the build failed: ask the administrator to look at the server's log"}, false
}

// spool writes an upload's file to a temporary file in the state folder,
// named by the server, at most MaxUpload bytes: uploads waiting for a
// build slot wait on disk, not in memory.
func (s *Server) spool(up *Upload, r io.Reader) (int64, error) {
	f, err := os.CreateTemp(filepath.Join(s.cfg.State, "uploads"), "upload-*")
	if err != nil {
		return 0, err
	}
	up.file = f.Name()
	n, err := io.Copy(f, io.LimitReader(r, s.cfg.MaxUpload+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && n > s.cfg.MaxUpload {
		err = errTooBig
	}
	if err != nil {
		up.discard()
	}
	return n, err
}

// discard removes an upload's spooled file.
func (up *Upload) discard() {
	if up.file != "" {
		if err := os.Remove(up.file); err != nil && !errors.Is(err, os.ErrNotExist) {
			return // a leftover in uploads/ is harmless; nothing to tell the sender
		}
		up.file = ""
	}
}

// readAll reads at most limit bytes from r, failing past it.
func readAll(r io.Reader, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, errTooBig
	}
	return data, nil
}

var errTooBig = errors.New("upload too large")
