//go:build !unix

package watch

import (
	"errors"
	"os"
	"time"
)

// fileID is what tells one version of a file from another.
type fileID struct {
	size  int64
	mtime time.Time
}

func idOf(fi os.FileInfo) fileID { return fileID{size: fi.Size(), mtime: fi.ModTime()} }

// openRegular opens a regular file. Without O_NOFOLLOW here, the Lstat
// before it is the only guard against links.
func openRegular(path string) (*os.File, fileID, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fileID{}, err
	}
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		f.Close()
		return nil, fileID{}, errors.New(path + ": not a regular file")
	}
	return f, idOf(fi), nil
}

// lockFile cannot lock here; the state directory's lock is Unix only.
func lockFile(*os.File) (bool, error) { return true, nil }

// Environmental reports whether err comes from the machine rather than
// the file's content.
func Environmental(err error) bool {
	return errors.Is(err, os.ErrNotExist) || errors.Is(err, os.ErrPermission)
}
