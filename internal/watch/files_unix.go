//go:build unix

package watch

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// fileID is what tells one version of a file from another: a replacement
// has another inode, a rewrite another size or time.
type fileID struct {
	dev, ino uint64
	size     int64
	mtime    time.Time
}

func idOf(fi os.FileInfo) fileID {
	id := fileID{size: fi.Size(), mtime: fi.ModTime()}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		id.dev, id.ino = uint64(st.Dev), uint64(st.Ino)
	}
	return id
}

// openRegular opens a file that Lstat found regular, refusing to follow
// a link or to wait on a FIFO swapped in since: nothing dropped into the
// share can make the watcher block or read elsewhere.
func openRegular(path string) (*os.File, fileID, error) {
	fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, fileID{}, &os.PathError{Op: "open", Path: path, Err: err}
	}
	f := os.NewFile(uintptr(fd), path)
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fileID{}, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, fileID{}, fmt.Errorf("%s: no longer a regular file", path)
	}
	return f, idOf(fi), nil
}

// lockFile takes an exclusive lock on f without waiting: false when
// another process holds it. The lock goes with the process, so a watcher
// killed with -9 leaves none behind.
func lockFile(f *os.File) (bool, error) {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return false, nil
	}
	return err == nil, err
}

// Environmental reports whether err comes from the machine rather than
// the file's content (a full disk, a missing file, a permission): worth
// retrying, never held against the content.
func Environmental(err error) bool {
	for _, e := range []error{syscall.ENOSPC, syscall.EDQUOT, syscall.ENAMETOOLONG, syscall.EACCES, syscall.EPERM,
		syscall.ENOENT, syscall.EIO, syscall.EROFS, syscall.EMFILE, syscall.ENFILE, syscall.ENOMEM, syscall.EBUSY} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
