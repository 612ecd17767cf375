// Package corpustest reads the XML parts of the corpus workbooks
// (../shared/corpus beside the project) for tests that hold a parser or a
// rewrite to an oracle on real-world packages.
package corpustest

import (
	"archive/zip"
	"io"
	"path/filepath"
)

// Parts returns the parts of every package matching pattern that keep
// wants, given each part's name and unpacked size. A file that is not a
// zip, or a part that cannot be read, is passed over: the corpus holds
// broken packages on purpose. No match (the corpus absent) is no parts.
func Parts(pattern string, keep func(name string, size uint64) bool) [][]byte {
	files, _ := filepath.Glob(pattern)
	var parts [][]byte
	for _, path := range files {
		zr, err := zip.OpenReader(path)
		if err != nil {
			continue
		}
		for _, f := range zr.File {
			if !keep(f.Name, f.UncompressedSize64) {
				continue
			}
			rc, err := f.Open()
			if err != nil {
				continue
			}
			b, err := io.ReadAll(rc)
			rc.Close()
			if err == nil {
				parts = append(parts, b)
			}
		}
		zr.Close()
	}
	return parts
}
