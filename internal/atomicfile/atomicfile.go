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
	// The temporary name is the real one cut short: "." and ".123456.tmp"
	// added to a 250-byte name would pass the 255-byte limit.
	f, err := os.CreateTemp(filepath.Dir(path), fsname.FitN("."+filepath.Base(path), ".*.tmp", fsname.Max-12))
	if err != nil {
		return err
	}
	tmp := f.Name()
	fail := func(err error) error {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if _, err := f.Write(data); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Chmod(perm); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}
