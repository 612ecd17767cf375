//go:build unix

package watch

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// Item 5: links, FIFOs and devices are refused without being opened, and
// the watcher still stops when told.
func TestRefusesWhatIsNotARegularFile(t *testing.T) {
	h := newHarness(t)
	h.start()
	outside := filepath.Join(t.TempDir(), "secret.xlsx")
	os.WriteFile(outside, workbook(t, "SECRET outside the inbox"), 0o644)
	must(t, os.Symlink(outside, filepath.Join(h.inbox, "link.xlsx")))
	must(t, os.Symlink("/dev/zero", filepath.Join(h.inbox, "zero.xlsx")))
	must(t, syscall.Mkfifo(filepath.Join(h.inbox, "pipe.xlsx"), 0o644))
	refused := []string{"link.xlsx", "zero.xlsx", "pipe.xlsx"}
	if err := syscall.Mknod(filepath.Join(h.inbox, "null.xlsx"), syscall.S_IFCHR|0o644, 1<<8|3); err == nil {
		refused = append(refused, "null.xlsx")
	} else {
		t.Logf("no device node (%v): devices not tried", err)
	}
	must(t, os.Mkdir(filepath.Join(h.inbox, "folder.xlsx"), 0o755))
	h.drop("good.xlsx", workbook(t, "good"))
	waitFor(t, "the good one built and the others refused", func() bool {
		for _, name := range refused {
			if !h.in("failed", name) || !h.in("failed", name+".error.txt") {
				return false
			}
		}
		return h.in("done", "good.xlsx")
	})
	for _, b := range h.built() {
		if b != "good" {
			t.Errorf("built %q", b)
		}
	}
	if !strings.Contains(h.read("failed", "pipe.xlsx.error.txt"), "FIFO") || !strings.Contains(h.read("failed", "link.xlsx.error.txt"), "symbolic link") {
		t.Errorf("reasons: %q / %q", h.read("failed", "pipe.xlsx.error.txt"), h.read("failed", "link.xlsx.error.txt"))
	}
	if _, err := os.Stat(outside); err != nil {
		t.Errorf("the link's target was touched: %v", err)
	}
	if !h.in("", "folder.xlsx") || !strings.Contains(h.log.String(), "a folder") {
		t.Error("a folder dropped in the inbox was not left alone with a log line")
	}
	// Dropped while the watcher runs and left for the stop to find.
	must(t, syscall.Mkfifo(filepath.Join(h.inbox, "late.xlsx"), 0o644))
	must(t, os.Symlink("/dev/zero", filepath.Join(h.inbox, "late-zero.xlsx")))
	h.stop()
}
