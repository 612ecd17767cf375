package hugeheap

import (
	"syscall"
	"time"
	"unsafe"
)

// base is the start of the chunk the heap began in, where the advice
// begins; 0 when it is off.
var base uintptr

func init() {
	// GODEBUG=disablethp=1 asks the runtime to keep the heap off huge
	// pages; it is obeyed here too.
	if disableTHP() || never() || !canGrow {
		close(grown)
		return
	}
	from := heapStart()
	base = from &^ (chunk - 1)
	collapse(from)
	go grow()
}

// grown is closed once grow has advised the heap it mapped; tests wait
// on it.
var grown = make(chan struct{})

// grow has the runtime map 64 MB of fresh heap and advises it, without
// allocating it: more than a small build's whole heap (some 15 MB) and
// most of one of 20,000 tasks; a larger build's heap grows past it,
// which Follow advises. The goroutine's stack grows to 64 MB for
// bigframe's frame, which is never touched: the runtime takes a stack
// that large from the heap's pages, mapping them, and gives them back to
// the heap when the goroutine ends, for what is allocated next. A 64 MB
// object did the same before, but its allocation started a collection,
// whose workers and pauses (the main goroutine is locked to its thread
// during init, and every pause hands it from thread to thread) made a
// 39-task build take 51 ms instead of 44.
func grow() {
	defer close(grown)
	bigframe()
	// The frame is at the new stack's top; the runtime mapped heap in
	// whole chunks, up to the end of the chunk holding it.
	var top byte
	end := (uintptr(unsafe.Pointer(&top)) + chunk - 1) &^ (chunk - 1)
	stackEnd = end
	adviseHuge(base, end)
}

// chunk is the runtime's unit of heap growth (pallocChunkBytes), 4 MB
// aligned.
const chunk = 4 << 20

// stackEnd is where grow's advice ends; tests look there.
var stackEnd uintptr

// heapStart returns where the heap allocated so far lies, near enough:
// the runtime maps heap upwards from its first chunk, and the part of it
// not yet touched gets huge pages too. The object is kept in a package
// variable so that it is allocated on the heap, not on the stack.
//
//go:noinline
func heapStart() uintptr {
	first = new([16]byte)
	return uintptr(unsafe.Pointer(first))
}

var first *[16]byte

// adviseHuge marks [start, end) MADV_HUGEPAGE. The runtime maps heap once
// and reuses it, so the advice holds for whatever it later allocates
// there. The advice is a hint: a kernel without transparent huge pages
// refuses it (EINVAL), and the heap stays on ordinary pages, as it would
// have been.
func adviseHuge(start, end uintptr) {
	syscall.Syscall(syscall.SYS_MADVISE, start, end-start, madvHugepage)
}

// collapse advises for huge pages the heap the runtime and the packages
// before this one allocated, from the start of the chunk holding from to
// the huge page boundary above it, and makes huge pages of it; it returns
// the collapse's error. That heap is on 4 KB pages, and a huge page is
// only given where none is: each later 4 KB page there would fault on its
// own (some hundreds of faults in a 39-task build). It is copied onto
// huge pages now (MADV_COLLAPSE, Linux 6.1; older kernels refuse it, and
// it stays as it is): one or two, once per process. Above from nothing
// was touched, and the collapse of a region where nothing was fails.
func collapse(from uintptr) syscall.Errno {
	start, end := from&^(chunk-1), (from+huge)&^(huge-1)
	adviseHuge(start, end)
	// A huge page at a time, each tried: one where nothing was touched
	// yet (an allocation not written to) fails with EINVAL, and over the
	// whole range that failure stopped the rest from being made.
	var first syscall.Errno
	for ; start < end; start += huge {
		if _, _, errno := syscall.Syscall(syscall.SYS_MADVISE, start, huge, madvCollapse); errno != 0 && first == 0 {
			first = errno
		}
	}
	return first
}

// madvHugepage is MADV_HUGEPAGE, which package syscall does not name.
const madvHugepage = 14

// madvCollapse is MADV_COLLAPSE.
const madvCollapse = 25

// never reports whether the system's huge pages are off ("[never]"):
// collapsing would give them where the administrator said not to.
func never() bool {
	var b [64]byte
	n, ok := readShort("/sys/kernel/mm/transparent_hugepage/enabled", b[:])
	if !ok {
		return true
	}
	for i := 0; i+7 <= n; i++ {
		if string(b[i:i+7]) == "[never]" {
			return true
		}
	}
	return false
}

// readShort reads the start of a small kernel file into b, with system
// calls only (see the package doc on what this package imports): how
// much it read (0 on a failed read), and whether the file opened.
func readShort(path string, b []byte) (int, bool) {
	fd, err := syscall.Open(path, syscall.O_RDONLY, 0)
	if err != nil {
		return 0, false
	}
	defer syscall.Close(fd)
	n, err := syscall.Read(fd, b)
	if err != nil || n < 0 {
		n = 0
	}
	return n, true
}

// disableTHP reports whether GODEBUG sets disablethp=1, the last setting
// winning as in the runtime.
func disableTHP() bool {
	env, _ := syscall.Getenv("GODEBUG")
	off := false
	for env != "" {
		kv, rest := env, ""
		for i := 0; i < len(env); i++ {
			if env[i] == ',' {
				kv, rest = env[:i], env[i+1:]
				break
			}
		}
		if v, ok := cutPrefix(kv, "disablethp="); ok {
			off = v == "1"
		}
		env = rest
	}
	return off
}

func cutPrefix(s, prefix string) (string, bool) {
	if len(s) < len(prefix) || s[:len(prefix)] != prefix {
		return s, false
	}
	return s[len(prefix):], true
}

const huge = 2 << 20

// margin is how far past what the runtime has mapped Follow advises: the
// heap it maps between two looks.
const margin = 64 << 20

// Follow advises, every 2 ms until stop is called, the heap the runtime
// has mapped since init, for a big job whose heap grows far past the
// first 64 MB. The runtime maps heap upwards from its start, in chunks of
// 4 MB or more, and fills each from its start, so the advice reaches most
// of a chunk before it is touched. The range advised runs from the heap's
// start as far as the process's writable private memory (the data field
// of /proc/self/statm: the heap, the runtime's own and the binary's
// data), and a margin: only memory really mapped, and nothing far above
// the heap. It is advised again only when that grew: each call takes the
// process's memory map lock. Advice on a range with holes is applied to
// what is mapped in it (the call then fails with ENOMEM, which is
// ignored). Package runtime/metrics, which says what the runtime mapped,
// cost 0.7 ms of every run's start to initialise.
func Follow() (stop func()) {
	if base == 0 {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		var last uintptr
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			if n, ok := dataSize(); ok && n != last {
				last = n
				syscall.Syscall(syscall.SYS_MADVISE, base, n+margin, madvHugepage)
			}
		}
	}()
	return func() { close(done) }
}

// dataSize is the process's writable private memory in bytes: the sixth
// field of /proc/self/statm, in pages.
func dataSize() (uintptr, bool) {
	var b [128]byte
	n, ok := readShort("/proc/self/statm", b[:])
	if !ok || n == 0 {
		return 0, false
	}
	field, pages := 0, uintptr(0)
	for _, c := range b[:n] {
		switch {
		case c == ' ':
			if field == 5 {
				return pages * uintptr(syscall.Getpagesize()), true
			}
			field++
		case c >= '0' && c <= '9' && field == 5:
			pages = pages*10 + uintptr(c-'0')
		}
	}
	return 0, false
}
