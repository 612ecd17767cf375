// Package atomicfile writes a file so that its name never shows half of
// it: to a temporary file beside it, synced, then renamed into place. An
// interrupted run leaves the old file or none, never a torn one.
package atomicfile

import (
	"os"
	"path/filepath"

	"innoreport/internal/fsname"
)

// WriteFile writes data to path atomically with permissions perm.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	f, err := Create(path)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Abort()
		return err
	}
	return f.Commit(perm)
}

// File is a file being written in a stream, for an output too large to
// hold whole: it is a temporary file beside path until Commit names it.
type File struct {
	*os.File
	path string
}

// Create starts writing path.
func Create(path string) (*File, error) {
	// The temporary name is the real one cut short: "." and ".123456.tmp"
	// added to a 250-byte name would pass the 255-byte limit.
	f, err := os.CreateTemp(filepath.Dir(path), fsname.FitN("."+filepath.Base(path), ".*.tmp", fsname.Max-12))
	if err != nil {
		return nil, err
	}
	return &File{File: f, path: path}, nil
}

// Commit syncs what was written, sets perm and renames the file into
// place; on failure nothing is left but the old file, if any.
func (f *File) Commit(perm os.FileMode) error {
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	return f.CommitSynced(perm)
}

// CommitSynced is Commit for a file synced since its last write, which
// Commit would sync again: a second fsync of a build's outputs, each
// synced as it was rendered, took some tenths of a millisecond apiece
// at the end of a small build, when nothing else was left to run.
func (f *File) CommitSynced(perm os.FileMode) error {
	tmp := f.Name()
	if err := f.Chmod(perm); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, f.path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// Abort drops what was written; path is left as it was.
func (f *File) Abort() {
	f.Close()
	os.Remove(f.Name())
}
