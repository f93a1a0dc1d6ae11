package config_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/release-daemon/release/config"
	"github.com/release-daemon/release/internal/configgen"
)

// limitCase is a big file and what parsing it gives: nil, or the error
// that rejects it.
type limitCase struct {
	name string
	text func() []byte
	err  error
}

// rejectedShapes are the shapes of configgen.Shapes that a parse rejects,
// and the error that it wraps.
var rejectedShapes = map[string]error{
	"regexps-unicode": config.ErrTooLarge, // past MaxRegexpParse
	"nested":          config.ErrSyntax,   // lists cannot be nested
}

// limitCases returns the files of every shape in configgen.Shapes at
// MaxSize bytes (but the 15 MB file of 5 million ints; an eighth of that
// under -race), one byte over MaxSize, a 4 MiB line, 100k keys and 200k
// sections.
func limitCases() []limitCase {
	size := config.MaxSize
	if raceEnabled { // only the outcome is checked: spare the time
		size /= 8
	}
	var cases []limitCase
	for _, s := range configgen.Shapes() {
		cases = append(cases, limitCase{s.Name, func() []byte { return s.Text(size) }, rejectedShapes[s.Name]})
	}
	return append(cases,
		limitCase{"too-large", func() []byte { return configgen.Pad(configgen.Text(0, 70000), config.MaxSize+1) }, config.ErrTooLarge},
		limitCase{"4MiB-line", func() []byte { return []byte("motd = \"" + strings.Repeat("x", 4<<20) + "\"\n") }, config.ErrTooLarge},
		limitCase{"100k-keys", func() []byte { return []byte(keys(100000)) }, nil},
		limitCase{"200k-sections", func() []byte { return []byte(sections(200000)) }, nil},
	)
}

// TestLimits parses files of every shape that costs a parse the most time
// or memory for its size: lists of millions of short elements, millions of
// keys or sections, a long string, regexps, and files over a limit. Each
// is parsed, or rejected by a documented limit or as malformed, in at most
// 5 s (generous: the benchmarks, BenchmarkShapes, measure the time), the
// heap growing by at most 8 times the file's size at its peak. Under -race
// only the outcome is checked: the race detector makes code several times
// slower and adds to every allocation.
func TestLimits(t *testing.T) {
	dir := t.TempDir()
	for _, c := range limitCases() {
		t.Run(c.name, func(t *testing.T) {
			data := c.text()
			path := filepath.Join(dir, "limit.conf")
			writeFile(t, path, string(data))
			runtime.GC()
			start := time.Now()
			cfg, err := config.Parse(path, nil)
			took := time.Since(start)
			if !errors.Is(err, c.err) || (c.err == nil) != (err == nil) {
				t.Fatalf("got %v; want %v", err, c.err)
			}
			runtime.KeepAlive(cfg)
			cfg = nil
			if raceEnabled {
				t.Logf("%s, %d bytes: %v in %v (time and heap not checked under -race)", c.name, len(data), outcome(err), took)
				return
			}
			peak := peakHeap(func() { cfg, _ = config.Parse(path, nil) })
			runtime.KeepAlive(cfg)
			ratio := float64(peak) / float64(len(data))
			t.Logf("%s, %d bytes: %v in %v, peak heap %.1f MiB = %.2f× the file", c.name, len(data), outcome(err), took, float64(peak)/(1<<20), ratio)
			if took > 5*time.Second {
				t.Errorf("took %v; the bar is 1 s, and this test allows 5", took)
			}
			if ratio > 8 {
				t.Errorf("peak heap grew by %d bytes for %d of input; the bar is 8×", peak, len(data))
			}
		})
	}
}

// peakHeap runs f and returns by how much the heap peaked above where it
// started: the peak of the live heap, or a little more. The collector is
// made to run whenever the heap has grown by 10% (debug.SetGCPercent(10)),
// so that objects are freed soon after they die; the heap's objects, live
// and not yet freed (the runtime/metrics /memory/classes/heap/objects:bytes,
// which is HeapAlloc), then stay within about 10% of the live heap. A
// goroutine samples them every 100 µs, and once more at the end: a big
// allocation takes longer than that to zero and fill. TotalAlloc would
// instead count every temporary as if all were held at once, and
// /gc/heap/live:bytes is only known at the end of a cycle, missing the
// peaks between them.
func peakHeap(f func()) uint64 {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
	defer debug.SetGCPercent(debug.SetGCPercent(10))
	runtime.GC()
	base := read()
	var peak atomic.Uint64
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(100 * time.Microsecond)
		defer tick.Stop()
		for {
			if v := read(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	f()
	close(stop)
	<-done
	if v := read(); v > peak.Load() {
		peak.Store(v)
	}
	return peak.Load() - min(base, peak.Load())
}

func outcome(err error) string {
	if err == nil {
		return "parsed"
	}
	return "rejected: " + err.Error()[:min(len(err.Error()), 80)]
}

func keys(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "key%06d = %d\n", i, i)
	}
	return b.String()
}

func sections(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "[section%06d]\nk = %d\n", i, i)
	}
	return b.String()
}
