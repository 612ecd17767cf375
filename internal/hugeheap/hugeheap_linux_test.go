package hugeheap

import (
	"bufio"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"
)

// TestStartCollapsed checks that the heap allocated before init, on
// 4 KB pages, was made a huge page: its mapping holds some. It is the
// file's first test, so that no other has faulted huge pages in since.
func TestStartCollapsed(t *testing.T) {
	needTHP(t)
	if base == 0 {
		t.Fatal("init advised nothing")
	}
	if kb := anonHuge(t, uint64(base)); kb < 2048 {
		t.Errorf("the mapping at the heap's start holds %d kB on huge pages, want 2048 or more", kb)
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

// TestHeapAdvised checks that memory allocated after init lies in a
// mapping advised for huge pages (VmFlags "hg" in smaps).
func TestHeapAdvised(t *testing.T) {
	needTHP(t)
	b := make([]byte, 1<<20)
	advised(t, uint64(uintptr(unsafe.Pointer(&b[0]))))
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
// pages (VmFlags "hg" in smaps).
func advised(t *testing.T, addr uint64) {
	t.Helper()
	if flags := smaps(t, addr, "VmFlags:"); !strings.Contains(flags+" ", " hg ") {
		t.Errorf("the mapping holding %#x is not advised for huge pages: %s", addr, flags)
	}
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
// far past the span init advised, is advised once Follow has looked.
func TestFollowAdvisesGrowth(t *testing.T) {
	needTHP(t)
	stop := Follow()
	defer stop()
	b := make([]byte, 3*size)
	time.Sleep(20 * time.Millisecond)
	advised(t, uint64(uintptr(unsafe.Pointer(&b[len(b)-1]))))
	runtime.KeepAlive(b)
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
