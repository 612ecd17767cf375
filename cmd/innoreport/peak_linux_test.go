//go:build linux

package main

import (
	"os"
	"syscall"
)

// peakKB is a finished process's peak resident memory in kB, which Linux
// gives in its rusage.
func peakKB(ps *os.ProcessState) (int64, bool) {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0, false
	}
	return int64(ru.Maxrss), true // int32 on 32-bit systems
}
