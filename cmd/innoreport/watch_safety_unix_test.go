//go:build unix

package main

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"innoreport/samples"
)

// Item 5: links, FIFOs and /dev/zero dropped while the watcher runs are
// refused at once, and SIGTERM still stops it.
func TestWatchRefusesLinksAndFIFOsAndStopsOnSIGTERM(t *testing.T) {
	inbox := t.TempDir()
	outside := filepath.Join(t.TempDir(), "secret.xlsx")
	os.WriteFile(outside, samples.Workbook, 0o644)
	cmd, log := child(t, nil, "watch", "-settle", "100ms", "-state", t.TempDir(), inbox)
	await(t, log, "watching")
	if err := os.Symlink(outside, filepath.Join(inbox, "link.xlsx")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/dev/zero", filepath.Join(inbox, "zero.xlsx")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(inbox, "pipe.xlsx"), 0o644); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "all three refused", time.Minute, func() bool {
		return len(list(filepath.Join(inbox, "failed"), "*.xlsx.error.txt")) == 3
	})
	if outs := outputs(filepath.Join(inbox, "out")); len(outs) != 0 {
		t.Errorf("something was built: %v", outs)
	}
	// One more FIFO left for the stop to find.
	syscall.Mkfifo(filepath.Join(inbox, "late.xlsx"), 0o644)
	cmd.Process.Signal(syscall.SIGTERM)
	ended := make(chan error, 1)
	go func() { ended <- cmd.Wait() }()
	select {
	case err := <-ended:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("SIGTERM did not stop the watcher")
	}
}
