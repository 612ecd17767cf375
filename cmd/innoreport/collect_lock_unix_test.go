//go:build unix

package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"innoreport/publish"
)

// A collect waits while another process holds the master's collection
// (watch -master and serve may collect the same master): otherwise the
// one that read the returns first could write its master over the other's
// later one. Here the other process is a lock taken by hand.
func TestCollectWaitsForAnotherProcess(t *testing.T) {
	dir := t.TempDir()
	mp, rd := splitMaster(t, dir, withAddresses(t))
	cz := filepath.Join(rd, "内江市财政局.xlsx")
	editBook(t, cz, func(f *excelize.File) { set(t, f, "任务清单", "K5", 100) })
	out := filepath.Join(dir, "out")
	col := testCollector(t, out)
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	lock, err := os.OpenFile(filepath.Join(out, "."+publish.OutputName(mp)+"-collected.lock"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if _, err := col.CollectOne(ctx, mp, cz, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("collected while another held the master: %v", err)
	}
	lock.Close() // the other process is done
	got, err := col.CollectOne(context.Background(), mp, cz, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Coll.Updates) != 1 {
		t.Errorf("collected %+v", got.Coll.Updates)
	}
}
