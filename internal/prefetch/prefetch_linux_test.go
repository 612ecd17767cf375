package prefetch

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"unsafe"
)

func TestMappingOf(t *testing.T) {
	if unsafe.Sizeof(uintptr(0)) < 8 {
		t.Skip("the sample maps are a 64-bit process's; a 32-bit one's addresses are shorter")
	}
	maps := []byte(`00400000-00b34000 r-xp 00000000 fd:01 1234                               /usr/bin/innoreport
00f34000-01927000 r--p 00b34000 fd:01 1234                               /usr/bin/innoreport
01927000-01f03000 rw-p 01527000 fd:01 1234                               /usr/bin/innoreport
7f0000000000-7f0000021000 rw-p 00000000 00:00 0
7ffd875d3000-7ffd875f4000 rw-p 00000000 00:00 0                          [stack]
ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]`)
	for _, c := range []struct {
		pc     uint64 // the sample is a 64-bit process's
		lo, hi uint64
		ok     bool
	}{
		{0x400000, 0x400000, 0xb34000, true},
		{0x492160, 0x400000, 0xb34000, true},
		{0xb33fff, 0x400000, 0xb34000, true},
		{0xb34000, 0, 0, false},  // past the text
		{0x1000000, 0, 0, false}, // read-only data is not code
		{0x7f0000000010, 0, 0, false},
	} {
		lo, hi, ok := mappingOf(maps, uintptr(c.pc))
		if uint64(lo) != c.lo || uint64(hi) != c.hi || ok != c.ok {
			t.Errorf("mappingOf(%#x) = %#x, %#x, %v; want %#x, %#x, %v", c.pc, lo, hi, ok, c.lo, c.hi, c.ok)
		}
	}
	if _, _, ok := mappingOf([]byte("garbage\n\nzz-00 r-xp\n"), 0x10); ok {
		t.Error("mappingOf found a mapping in lines that are not /proc/self/maps'")
	}
}

func TestTextMapping(t *testing.T) {
	<-done // init's prefetch ended
	lo, hi, ok := textMapping()
	if !ok {
		t.Fatal("no executable mapping holds this package's code")
	}
	f := TestTextMapping
	pc := **(**uintptr)(unsafe.Pointer(&f))
	if pc < lo || pc >= hi {
		t.Errorf("the text mapping %#x-%#x does not hold the test's code at %#x", lo, hi, pc)
	}
}

// TestPopulate maps a file of the test's own: none of it is mapped until
// populate maps all of it, as init does the binary's text.
func TestPopulate(t *testing.T) {
	const size = 4 << 20
	path := filepath.Join(t.TempDir(), "code")
	if err := os.WriteFile(path, bytes.Repeat([]byte{0x90}, size), 0o644); err != nil {
		t.Fatal(err)
	}
	fd, err := syscall.Open(path, syscall.O_RDONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)
	m, err := syscall.Mmap(fd, 0, size, syscall.PROT_READ, syscall.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Munmap(m)
	lo := uintptr(unsafe.Pointer(&m[0]))
	if rss := smapsRss(t, lo); rss < 0 {
		t.Skip("no /proc/self/smaps here")
	} else if rss != 0 {
		t.Fatalf("%d kB of the new mapping are mapped before populate", rss)
	}
	switch errno := populate(lo, lo+size); errno {
	case 0:
	case syscall.EINVAL:
		t.Skip("this kernel has no MADV_POPULATE_READ (Linux 5.14)")
	default:
		t.Fatal(errno)
	}
	if rss := smapsRss(t, lo); rss != size>>10 {
		t.Errorf("populate mapped %d kB of %d", rss, size>>10)
	}
}

// smapsRss is the Rss, in kB, of the mapping starting at lo; -1 without
// /proc/self/smaps.
func smapsRss(t *testing.T, lo uintptr) int64 {
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		return -1
	}
	defer f.Close()
	start := strconv.FormatUint(uint64(lo), 16)
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Bytes()
		if i := bytes.IndexByte(line, '-'); i > 0 && !bytes.Contains(line[:i], []byte(":")) {
			in = strings.TrimLeft(string(line[:i]), "0") == start
			continue
		}
		if in && bytes.HasPrefix(line, []byte("Rss:")) {
			kb, err := strconv.ParseInt(strings.Fields(string(line))[1], 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb
		}
	}
	t.Fatalf("no mapping at %#x in /proc/self/smaps", lo)
	return 0
}
