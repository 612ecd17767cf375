package updated_test

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"innoreport/report"
	"innoreport/report/xlsx"
	"innoreport/samples"
	"innoreport/templates"
)

// BenchmarkWrite times writing the updated workbook alone, of the sample
// and of the workbooks of INNOREPORT_BENCH_DIR named by
// INNOREPORT_BENCH_SIZES (tasks-N.xlsx, as scripts/perf.sh leaves them).
// peak-heap-MB is the most the live heap grew above where it stood
// before Write, sampled every millisecond: what writing keeps at once.
func BenchmarkWrite(b *testing.B) {
	books := map[string][]byte{"tasks=39": samples.Workbook}
	names := []string{"tasks=39"}
	if dir := os.Getenv("INNOREPORT_BENCH_DIR"); dir != "" {
		for _, n := range strings.Split(os.Getenv("INNOREPORT_BENCH_SIZES"), ",") {
			if _, err := strconv.Atoi(strings.TrimSpace(n)); err != nil || n == "39" {
				continue
			}
			data, err := os.ReadFile(filepath.Join(dir, "tasks-"+strings.TrimSpace(n)+".xlsx"))
			if err != nil {
				b.Fatal(err)
			}
			books["tasks="+n], names = data, append(names, "tasks="+n)
		}
	}
	tm, err := report.ParseTemplate("builtin", templates.Builtin)
	if err != nil {
		b.Fatal(err)
	}
	for _, name := range names {
		data := books[name]
		lim := xlsx.DefaultLimits
		lim.UnzipSize, lim.Time = 8<<30, time.Hour
		wb, err := xlsx.Read(name+".xlsx", data, xlsx.Options{Limits: lim})
		if err != nil {
			b.Fatal(err)
		}
		res := report.Analyze(wb, tm, report.Options{Today: time.Date(2021, 12, 31, 0, 0, 0, 0, time.UTC)})
		b.Run(name, func(b *testing.B) {
			peak := 0.0
			for b.Loop() {
				b.StopTimer()
				runtime.GC()
				base := liveHeap()
				stop := sampleHeap()
				b.StartTimer()
				var out bytes.Buffer
				if err := writeBook(&out, data, wb, res); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				peak = max(peak, float64(stop()-base)/(1<<20))
				b.StartTimer()
			}
			b.ReportMetric(peak, "peak-heap-MB")
		})
	}
}

func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// sampleHeap samples the heap until the function it returns is called,
// which returns the most seen.
func sampleHeap() func() uint64 {
	var most atomic.Uint64
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			most.Store(max(most.Load(), liveHeap()))
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 {
		close(done)
		<-finished
		return max(most.Load(), liveHeap())
	}
}
