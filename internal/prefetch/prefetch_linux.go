package prefetch

import (
	"bytes"
	"syscall"
	"unsafe"
)

// madvPopulateRead is MADV_POPULATE_READ, which package syscall does not
// name.
const madvPopulateRead = 22

// done is closed once the text is mapped, or refused; tests wait on it.
var done = make(chan struct{})

func init() {
	go func() {
		defer close(done)
		if lo, hi, ok := textMapping(); ok {
			populate(lo, hi)
		}
	}()
}

// populate maps [lo, hi) from the page cache, reading what is not there.
func populate(lo, hi uintptr) syscall.Errno {
	_, _, errno := syscall.Syscall(syscall.SYS_MADVISE, lo, hi-lo, madvPopulateRead)
	return errno
}

// textMapping is the range of the mapping that holds this package's code,
// from /proc/self/maps: the binary's text segment.
func textMapping() (lo, hi uintptr, ok bool) {
	// A func value points at a word holding the code's address. reflect
	// would say it plainly, but importing it would put this package's
	// init after reflect's and the many that wait on it.
	f := textMapping
	pc := **(**uintptr)(unsafe.Pointer(&f))
	maps, err := readMaps()
	if err != nil {
		return 0, 0, false
	}
	return mappingOf(maps, pc)
}

// readMaps reads /proc/self/maps whole: some tens of lines, a few kB.
func readMaps() ([]byte, error) {
	fd, err := syscall.Open("/proc/self/maps", syscall.O_RDONLY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer syscall.Close(fd)
	buf := make([]byte, 0, 16<<10)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := syscall.Read(fd, buf[len(buf):cap(buf)])
		if err != nil {
			return nil, err
		}
		if n == 0 {
			return buf, nil
		}
		buf = buf[:len(buf)+n]
	}
}

// mappingOf finds in maps (/proc/self/maps) the executable mapping that
// holds pc.
func mappingOf(maps []byte, pc uintptr) (lo, hi uintptr, ok bool) {
	for len(maps) > 0 {
		line := maps
		if i := bytes.IndexByte(maps, '\n'); i >= 0 {
			line, maps = maps[:i], maps[i+1:]
		} else {
			maps = nil
		}
		// "00400000-00b34000 r-xp 00000000 fd:01 1234   /path"
		lo, rest, ok1 := hex(line, '-')
		hi, rest, ok2 := hex(rest, ' ')
		if !ok1 || !ok2 || len(rest) < 4 || rest[2] != 'x' {
			continue
		}
		if lo <= pc && pc < hi {
			return lo, hi, true
		}
	}
	return 0, 0, false
}

// hex reads a hexadecimal number up to sep, and returns what follows it.
func hex(b []byte, sep byte) (v uintptr, rest []byte, ok bool) {
	for i, c := range b {
		switch {
		case c == sep:
			return v, b[i+1:], i > 0
		case '0' <= c && c <= '9':
			v = v<<4 | uintptr(c-'0')
		case 'a' <= c && c <= 'f':
			v = v<<4 | uintptr(c-'a'+10)
		default:
			return 0, nil, false
		}
	}
	return 0, nil, false
}
