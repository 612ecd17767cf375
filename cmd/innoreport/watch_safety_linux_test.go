//go:build linux

package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Items 7 and 8: a full disk (a small tmpfs as the state directory) fails
// nothing; once there is room again the workbook is built.
func TestWatchRecoversFromAFullDisk(t *testing.T) {
	state := t.TempDir()
	if err := syscall.Mount("tmpfs", state, "tmpfs", 0, "size=2m"); err != nil {
		t.Skipf("cannot mount a small tmpfs here (%v): needs root on Linux", err)
	}
	t.Cleanup(func() { syscall.Unmount(state, syscall.MNT_DETACH) })
	filler := filepath.Join(state, "filler")
	f, err := os.Create(filler)
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := f.Write(make([]byte, 64<<10)); err != nil {
			break // full
		}
	}
	f.Close()
	inbox := t.TempDir()
	w := startWatch(t, "-settle", "100ms", "-retry", "200ms", "-state", state, inbox)
	drop(t, inbox, "满盘.xlsx", variant(t, 14))
	waitFor(t, "a retry in the log", time.Minute, func() bool { return strings.Contains(w.log.String(), "will retry") })
	if exists(filepath.Join(inbox, "failed", "满盘.xlsx")) {
		t.Fatal("a full disk failed the workbook")
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "built once there is room", time.Minute, func() bool { return exists(filepath.Join(inbox, "done", "满盘.xlsx")) })
	if pdfs := list(filepath.Join(inbox, "out"), "*/*-report.pdf"); len(pdfs) != 1 {
		t.Errorf("outputs %v", pdfs)
	}
	w.stop()
}
