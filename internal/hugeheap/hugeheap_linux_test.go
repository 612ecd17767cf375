package hugeheap

import (
	"bufio"
	"errors"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// TestCollapse checks that collapse makes the heap's chunk, already
// touched on 4 KB pages as the heap before init is, huge pages: on a
// mapping of the test's own, so that no other test's memory counts.
func TestCollapse(t *testing.T) {
	needTHP(t)
	for _, firstTouched := range []bool{true, false} {
		m, err := syscall.Mmap(-1, 0, 3*chunk, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
		if err != nil {
			t.Fatal(err)
		}
		defer syscall.Munmap(m)
		start := uintptr(unsafe.Pointer(&m[0]))
		at := (start + chunk - 1) &^ (chunk - 1)
		region := m[at-start : at-start+chunk]
		// The heap the runtime allocated before init: the chunk's first
		// huge page, or an allocation never written to there, and the
		// start of its second.
		from := 0
		if !firstTouched {
			from = huge
		}
		for i := from; i < huge+huge/2; i += 4096 {
			region[i] = 1
		}
		if kb := anonHuge(t, uint64(at)); kb != 0 {
			t.Fatalf("before the collapse the mapping already holds %d kB on huge pages", kb)
		}
		errno := collapse(at + huge + 64)
		switch {
		case errno == 0 && firstTouched, errno == syscall.EINVAL && !firstTouched:
		case errno == syscall.EINVAL:
			t.Skip("this kernel has no MADV_COLLAPSE (Linux 6.1)")
		default:
			t.Skipf("no huge page to collapse into now: %v", errno)
		}
		want := 2 * huge >> 10
		if !firstTouched {
			want = huge >> 10 // the second made one, the first untouched
		}
		if kb := anonHuge(t, uint64(at)); kb != want {
			t.Errorf("first huge page touched %v: after the collapse the mapping holds %d kB on huge pages, want %d", firstTouched, kb, want)
		}
		if region[from] != 1 || region[huge+huge/2-4096] != 1 || region[huge+huge/2] != 0 {
			t.Error("the collapse changed what the pages held")
		}
	}
}

func TestDisableTHP(t *testing.T) {
	for env, want := range map[string]bool{
		"":                          false,
		"disablethp=1":              true,
		"disablethp=0":              false,
		"gctrace=1,disablethp=1":    true,
		"disablethp=1,gctrace=1":    true,
		"disablethp=1,disablethp=0": false,
		"xdisablethp=1":             false,
		"disablethp=10":             false,
	} {
		t.Setenv("GODEBUG", env)
		if got := disableTHP(); got != want {
			t.Errorf("GODEBUG=%q: disableTHP() = %v, want %v", env, got, want)
		}
	}
}

// TestHeapAdvised checks that the heap allocated once grow's goroutine
// has ended lies in memory advised for huge pages (VmFlags "hg" in
// smaps): the pages its stack held, given back to the heap, and the
// chunk's tail past them.
func TestHeapAdvised(t *testing.T) {
	needTHP(t)
	b, err := firstAlloc()
	if err != nil {
		t.Fatal(err)
	}
	first, last := uint64(uintptr(unsafe.Pointer(&b[0]))), uint64(uintptr(unsafe.Pointer(&b[len(b)-1])))
	advised(t, first)
	advised(t, last)
	if last >= uint64(stackEnd) {
		t.Errorf("the heap grew past the stack's chunk (%#x) for 16 MB: %#x", stackEnd, last)
	}
	advised(t, uint64(stackEnd-1))
}

// TestMain makes firstAlloc before any test allocates, whatever their
// order.
func TestMain(m *testing.M) {
	firstAlloc()
	os.Exit(m.Run())
}

// firstAlloc is the test process's first allocation once the stack is
// given back (the goroutine has ended), the same for every run of
// TestHeapAdvised: more than is left of the chunk the heap began in.
var firstAlloc = sync.OnceValues(func() ([]byte, error) {
	<-grown
	for i := 0; stackInUse() >= 32<<20; i++ {
		if i > 1000 {
			return nil, errors.New("grow's 64 MB stack was not given back within a second")
		}
		time.Sleep(time.Millisecond)
	}
	return make([]byte, 16<<20), nil
})

func stackInUse() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.StackInuse
}

// needTHP skips t where no huge pages can be advised.
func needTHP(t *testing.T) {
	t.Helper()
	mode, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	if err != nil || strings.Contains(string(mode), "[never]") {
		t.Skip("no transparent huge pages here")
	}
	if disableTHP() {
		t.Skip("GODEBUG=disablethp=1")
	}
}

// advised fails t unless the mapping holding addr is advised for huge
// pages.
func advised(t *testing.T, addr uint64) {
	t.Helper()
	if !isAdvised(t, addr) {
		t.Errorf("the mapping holding %#x is not advised for huge pages: %s", addr, smaps(t, addr, "VmFlags:"))
	}
}

// isAdvised reports whether the mapping holding addr is advised for huge
// pages (VmFlags "hg" in smaps).
func isAdvised(t *testing.T, addr uint64) bool {
	t.Helper()
	return strings.Contains(smaps(t, addr, "VmFlags:")+" ", " hg ")
}

// smaps is the value of the line starting with field in the smaps entry
// of the mapping holding addr.
func smaps(t *testing.T, addr uint64, field string) string {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if lo, hi, ok := vmaRange(line); ok {
			in = lo <= addr && addr < hi
			continue
		}
		if v, ok := strings.CutPrefix(line, field); in && ok {
			return v
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	t.Fatalf("no mapping in smaps holds %#x with %s", addr, field)
	return ""
}

// vmaRange reads a mapping's header line in smaps: "lo-hi perms ...".
func vmaRange(line string) (lo, hi uint64, ok bool) {
	r, _, found := strings.Cut(line, " ")
	l, h, dash := strings.Cut(r, "-")
	if !found || !dash {
		return 0, 0, false
	}
	lo, err1 := strconv.ParseUint(l, 16, 64)
	hi, err2 := strconv.ParseUint(h, 16, 64)
	return lo, hi, err1 == nil && err2 == nil
}

// TestFollowAdvisesGrowth checks that heap the runtime maps after init,
// far past the 64 MB init advised, is advised once Follow has looked.
func TestFollowAdvisesGrowth(t *testing.T) {
	needTHP(t)
	stop := Follow()
	defer stop()
	b := make([]byte, 3*64<<20)
	addr := uint64(uintptr(unsafe.Pointer(&b[len(b)-1])))
	for wait := time.Millisecond; !isAdvised(t, addr); wait *= 2 {
		if wait > time.Second {
			t.Fatalf("the mapping holding %#x is not advised for huge pages: %s", addr, smaps(t, addr, "VmFlags:"))
		}
		time.Sleep(wait)
	}
	runtime.KeepAlive(b)
}

// TestDataSize holds dataSize to VmData and VmStk in /proc/self/status,
// which the kernel counts as statm's data field.
func TestDataSize(t *testing.T) {
	n, ok := dataSize()
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip(err)
	}
	var kb uintptr
	for _, line := range strings.Split(string(status), "\n") {
		if v, found := strings.CutPrefix(line, "VmData:"); found || strings.HasPrefix(line, "VmStk:") {
			if !found {
				v = strings.TrimPrefix(line, "VmStk:")
			}
			k, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			if err != nil {
				t.Fatal(line, err)
			}
			kb += uintptr(k)
		}
	}
	// The heap may grow between the two reads.
	if d := int64(n) - int64(kb<<10); !ok || d < -64<<20 || d > 64<<20 {
		t.Errorf("dataSize() = %d, %v; VmData and VmStk say %d", n, ok, kb<<10)
	}
}

// anonHuge is the AnonHugePages of the mapping holding addr, in kB.
func anonHuge(t *testing.T, addr uint64) int {
	t.Helper()
	v := smaps(t, addr, "AnonHugePages:")
	kb, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
	if err != nil {
		t.Fatal(v, err)
	}
	return kb
}
