package watch

import (
	"bytes"
	"encoding/binary"
)

var zipMagic = []byte("PK\x03\x04")

// complete reports whether data looks like a whole file rather than the
// start of one still being copied. A zip (every .xlsx) is written front
// to back and ends with its end-of-central-directory record, which must
// sit exactly at the end and point at a central directory just before it.
// Anything that is not a zip is complete as it is: the build says what it
// is. An empty file, or a prefix of the zip signature, is not.
func complete(data []byte) bool {
	if len(data) < len(zipMagic) {
		return len(data) > 0 && !bytes.HasPrefix(zipMagic, data)
	}
	if !bytes.HasPrefix(data, zipMagic) {
		return true
	}
	const eocdLen = 22
	start := max(0, len(data)-(eocdLen+0xffff))
	i := bytes.LastIndex(data[start:], []byte("PK\x05\x06"))
	if i < 0 {
		return false
	}
	eocd := start + i
	if len(data)-eocd < eocdLen {
		return false
	}
	le := binary.LittleEndian
	comment := int(le.Uint16(data[eocd+20:]))
	if eocd+eocdLen+comment != len(data) {
		return false
	}
	size, off := le.Uint32(data[eocd+12:]), le.Uint32(data[eocd+16:])
	if size == 0xffffffff || off == 0xffffffff {
		// Zip64: the record before says where; its presence will do.
		return eocd >= 20 && bytes.Equal(data[eocd-20:eocd-16], []byte("PK\x06\x07"))
	}
	if uint64(off)+uint64(size) != uint64(eocd) {
		return false
	}
	return size == 0 || bytes.HasPrefix(data[off:], []byte("PK\x01\x02"))
}
