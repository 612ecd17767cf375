package watch

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
)

// errTooBig is a file over the size cap, found while reading it.
var errTooBig = errors.New("file over the size cap")

// readRegular reads the whole of a regular file, no more than max bytes.
func readRegular(path string, max int64) ([]byte, fileID, error) {
	f, id, err := openRegular(path)
	if err != nil {
		return nil, fileID{}, err
	}
	defer f.Close()
	if id.size > max {
		return nil, fileID{}, errTooBig
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, fileID{}, err
	}
	if int64(len(data)) > max {
		return nil, fileID{}, errTooBig
	}
	return data, id, nil
}

// completeFile is complete for a file on disk, reading only its first
// bytes and its tail: settling files hold no content in memory.
func completeFile(path string) (bool, fileID, error) {
	f, id, err := openRegular(path)
	if err != nil {
		return false, fileID{}, err
	}
	defer f.Close()
	return completeAt(f, id.size), id, nil
}

var zipMagic = []byte("PK\x03\x04")

// complete reports whether data looks like a whole file rather than the
// start of one still being copied. A zip (every .xlsx) is written front
// to back and ends with its end-of-central-directory record, which must
// sit exactly at the end and point at a central directory just before it.
// Anything that is not a zip is complete as it is: the build says what it
// is. An empty file, or a prefix of the zip signature, is not.
func complete(data []byte) bool {
	return completeAt(bytes.NewReader(data), int64(len(data)))
}

// completeAt is complete for size bytes read through r.
func completeAt(r io.ReaderAt, size int64) bool {
	at := func(off int64, n int) []byte {
		b := make([]byte, n)
		if off < 0 || off+int64(n) > size {
			return nil
		}
		if _, err := r.ReadAt(b, off); err != nil && !errors.Is(err, io.EOF) {
			return nil
		}
		return b
	}
	if size < int64(len(zipMagic)) {
		return size > 0 && !bytes.HasPrefix(zipMagic, at(0, int(size)))
	}
	if !bytes.Equal(at(0, len(zipMagic)), zipMagic) {
		return true
	}
	const eocdLen = 22
	start := max(0, size-(eocdLen+0xffff))
	tail := at(start, int(size-start))
	i := bytes.LastIndex(tail, []byte("PK\x05\x06"))
	if i < 0 || len(tail)-i < eocdLen {
		return false
	}
	eocd := start + int64(i)
	rec := tail[i:]
	le := binary.LittleEndian
	if eocd+eocdLen+int64(le.Uint16(rec[20:])) != size {
		return false
	}
	cdSize, cdOff := le.Uint32(rec[12:]), le.Uint32(rec[16:])
	if cdSize == 0xffffffff || cdOff == 0xffffffff {
		// Zip64: the locator just before says where; its presence will do.
		return bytes.Equal(at(eocd-20, 4), []byte("PK\x06\x07"))
	}
	if int64(cdOff)+int64(cdSize) != eocd {
		return false
	}
	return cdSize == 0 || bytes.Equal(at(int64(cdOff), 4), []byte("PK\x01\x02"))
}
