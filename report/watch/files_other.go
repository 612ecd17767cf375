//go:build !unix

package watch

import (
	"errors"
	"io"
	"os"
	"time"
)

// fileID is what tells one version of a file from another.
type fileID struct {
	size  int64
	mtime time.Time
}

func idOf(fi os.FileInfo) fileID { return fileID{size: fi.Size(), mtime: fi.ModTime()} }

var errTooBig = errors.New("file over the size cap")

// readRegular reads at most max+1 bytes of a regular file. Without
// O_NOFOLLOW here, the Lstat before it is the only guard against links.
func readRegular(path string, max int64) ([]byte, fileID, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fileID{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fileID{}, err
	}
	if !fi.Mode().IsRegular() || fi.Size() > max {
		return nil, fileID{}, errTooBig
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fileID{}, err
	}
	if int64(len(data)) > max {
		return nil, fileID{}, errTooBig
	}
	return data, idOf(fi), nil
}

// lockFile cannot lock here; the state directory's lock is Unix only.
func lockFile(*os.File) (bool, error) { return true, nil }

// Environmental reports whether err comes from the machine rather than
// the file's content.
func Environmental(err error) bool {
	return errors.Is(err, os.ErrNotExist) || errors.Is(err, os.ErrPermission)
}
