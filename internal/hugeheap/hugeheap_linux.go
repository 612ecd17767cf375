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
	base = from &^ (chunk - 1)
	// The heap allocated so far is collapsed onto huge pages before the
	// span's allocation starts a collection: the collector's workers,
	// scanning those pages while they are being copied, faulted on them
	// some 200 times in one run in three.
	collapse(from)
	// The span's allocation starts a collection (it is far past the first
	// goal), which frees it, unless it scans this goroutine's stack before
	// the runtime's allocation has returned (one run in eight to fifteen,
	// in gctrace). collectSpan makes sure it is freed, on another
	// goroutine. Package runtime/debug, to turn the collector off around
	// the allocation, would put this init after fmt's, reflect's and the
	// many packages that wait on them, which allocate some 800 kB first
	// on 4 KB pages, some 200 faults.
	cycles := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}}
	metrics.Read(cycles)
	end := span()
	spanEnd = end
	// The runtime maps heap in whole chunks, and may have put the span in
	// the free tail of the chunk before it: what it mapped runs on past the
	// span to its chunk's end, and that is where what is allocated next
	// goes while the span is alive (100-200 faults on 4 KB pages, seen in
	// perf, before this was advised too).
	end = (end + chunk - 1) &^ (chunk - 1)
	adviseHuge(base, end)
	go collectSpan(cycles[0].Value.Uint64())
}

// chunk is the runtime's unit of heap growth (pallocChunkBytes), 4 MB
// aligned.
const chunk = 4 << 20

// spanEnd is where the span ended; tests look past it.
var spanEnd uintptr

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

// span allocates size bytes and returns where they end: the runtime maps
// fresh heap for them, which the allocation never touches. Only the end
// is kept, never a pointer into them, so nothing holds the memory.
//
//go:noinline
func span() (end uintptr) {
	return uintptr(unsafe.Pointer(unsafe.SliceData(make([]byte, size)))) + size
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
	// A huge page at a time: over the whole range the call failed with
	// EINVAL one run in three, and a huge page was not made.
	for ; start < end; start += huge {
		if _, _, errno := syscall.Syscall(syscall.SYS_MADVISE, start, huge, madvCollapse); errno != 0 {
			return errno
		}
	}
	return 0
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
