package hugeheap

import (
	"runtime"
	"syscall"
	"unsafe"
)

// size is how much of the heap is advised: more than a small build's
// whole heap (some 15 MB) and most of one of 20,000 tasks. A larger
// build's heap grows past it on ordinary pages.
const size = 64 << 20

func init() {
	// GODEBUG=disablethp=1 asks the runtime to keep the heap off huge
	// pages; it is obeyed here too.
	if disableTHP() {
		return
	}
	advise(span())
	// The span is garbage, and collected now, while the heap is small,
	// so that what is allocated next reuses it. Left to the collection
	// its allocation starts, it is kept alive now and then (when that
	// collection scans this goroutine's stack before span returns), and
	// the heap then grows past it onto ordinary pages.
	runtime.GC()
}

// span allocates size bytes and returns where they lie: the runtime maps
// fresh heap for them, which the allocation never touches. Only the
// range is kept, never a pointer, so nothing holds the memory.
//
//go:noinline
func span() (start, end uintptr) {
	b := make([]byte, size)
	p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	return p, p + size
}

// advise marks [start, end) MADV_HUGEPAGE, from the huge page boundary
// below start: the heap mapped before it, already touched, stays as it
// is. The runtime maps heap once and reuses it, so the advice holds for
// whatever it later allocates there.
func advise(start, end uintptr) {
	const huge = 2 << 20
	start &^= huge - 1
	// The advice is a hint: a kernel without transparent huge pages
	// refuses it (EINVAL), and the heap stays on ordinary pages, as it
	// would have been.
	syscall.Syscall(syscall.SYS_MADVISE, start, end-start, madvHugepage)
}

// madvHugepage is MADV_HUGEPAGE, which package syscall does not name.
const madvHugepage = 14

// disableTHP reports whether GODEBUG sets disablethp=1, the last setting
// winning as in the runtime. It is read without package strings, which
// would make this package's init wait for most others'.
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
