package hugeheap

import (
	"runtime"
	"runtime/metrics"
	"syscall"
	"time"
	"unsafe"
)

// base is the huge page boundary below the heap's start, where Follow
// advises from; 0 when the advice is off.
var base uintptr

// size is how much of the heap is advised: more than a small build's
// whole heap (some 15 MB) and most of one of 20,000 tasks. A larger
// build's heap grows past it on ordinary pages.
const size = 64 << 20

func init() {
	// GODEBUG=disablethp=1 asks the runtime to keep the heap off huge
	// pages; it is obeyed here too.
	if disableTHP() || never() {
		return
	}
	from := heapStart()
	base = from &^ (huge - 1)
	// The span's allocation starts a collection (it is far past the first
	// goal), which frees it unless it finds it still alive on this
	// goroutine's stack. collectSpan makes sure it is freed, on another
	// goroutine. Package runtime/debug, to turn the collector off around
	// the allocation, would put this init after fmt's, reflect's and the
	// many packages that wait on them, which allocate some 800 kB first
	// on 4 KB pages, some 200 faults.
	cycles := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}}
	metrics.Read(cycles)
	start, end := span()
	advise(from, start, end)
	go collectSpan(cycles[0].Value.Uint64())
}

// collected is closed once collectSpan is done; tests wait on it.
var collected = make(chan struct{})

// collectSpan waits for the collection the span's allocation started (the
// completed cycles past before) and collects again if that one kept the
// span (one run in three to eight here, in gctrace): so that what is allocated next
// reuses it, and does not grow the heap past it onto ordinary pages. A
// forced collection here took 2.4 ms of a small build's start, on the one
// core its inits run on. Where no collection starts (GOGC=off), it forces
// one.
func collectSpan(before uint64) {
	defer close(collected)
	s := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}, {Name: "/gc/heap/live:bytes"}}
	for wait := 50 * time.Microsecond; ; wait *= 2 {
		metrics.Read(s)
		if s[0].Value.Uint64() > before {
			break
		}
		if wait > 10*time.Millisecond {
			runtime.GC()
			return
		}
		time.Sleep(wait)
	}
	if s[1].Value.Uint64() >= size {
		runtime.GC()
	}
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

// advise marks [from, end) MADV_HUGEPAGE, from the huge page boundary
// below from, and collapses what lies below start, where the span begins,
// and was touched before; it returns the collapse's error. The runtime
// maps heap once and reuses it, so the advice holds for whatever it later
// allocates there.
func advise(from, start, end uintptr) (collapse syscall.Errno) {
	span := start
	if from < start && start-from < size {
		start = from
	}
	start &^= huge - 1
	// The advice is a hint: a kernel without transparent huge pages
	// refuses it (EINVAL), and the heap stays on ordinary pages, as it
	// would have been.
	syscall.Syscall(syscall.SYS_MADVISE, start, end-start, madvHugepage)
	// The huge pages below the span already hold the heap the runtime and
	// the packages before this one allocated, on 4 KB pages, and a huge
	// page is only given where none is: each later 4 KB page there would
	// fault on its own (some hundreds of faults in a 39-task build). They
	// are made huge pages now, their contents copied (MADV_COLLAPSE,
	// Linux 6.1; older kernels refuse it, and they stay as they are). It
	// is one or two huge pages, once per process.
	if top := (span + huge - 1) &^ (huge - 1); top > start {
		_, _, collapse = syscall.Syscall(syscall.SYS_MADVISE, start, top-start, madvCollapse)
	}
	return collapse
}

// madvHugepage is MADV_HUGEPAGE, which package syscall does not name.
const madvHugepage = 14

// madvCollapse is MADV_COLLAPSE.
const madvCollapse = 25

// never reports whether the system's huge pages are off ("[never]"):
// collapsing would give them where the administrator said not to.
func never() bool {
	fd, err := syscall.Open("/sys/kernel/mm/transparent_hugepage/enabled", syscall.O_RDONLY, 0)
	if err != nil {
		return true
	}
	defer syscall.Close(fd)
	var b [64]byte
	n, _ := syscall.Read(fd, b[:])
	for i := 0; i+7 <= n; i++ {
		if string(b[i:i+7]) == "[never]" {
			return true
		}
	}
	return false
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
// start as far as all the runtime has mapped (runtime/metrics), and a
// margin: only memory the runtime really mapped for the job, and nothing
// far above the heap. It is advised again only when that grew: each call
// takes the process's memory map lock. Advice on a range with holes is
// applied to what is mapped in it (the call then fails with ENOMEM, which
// is ignored).
func Follow() (stop func()) {
	if base == 0 {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(2 * time.Millisecond)
		defer t.Stop()
		mapped := []metrics.Sample{{Name: "/memory/classes/total:bytes"}}
		var last uint64
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			metrics.Read(mapped)
			if n := mapped[0].Value.Uint64(); n != last {
				last = n
				syscall.Syscall(syscall.SYS_MADVISE, base, uintptr(n)+margin, madvHugepage)
			}
		}
	}()
	return func() { close(done) }
}
