package config_test

import (
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/release-daemon/release/config"
)

// TestLimits is CF-3: a 16 MiB file (exactly MaxSize, and one byte more), a
// 4 MiB line, 100k keys and 10k sections. Each is parsed, or rejected by a
// documented limit, in at most 1 s, the heap in use growing by at most 8
// times the input's size at its peak. Under -race only the outcome is
// checked.
func TestLimits(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name string
		gen  func() string
		err  error // nil: parsed
	}{
		{"16 MiB", func() string { return pad(string(genConfigFrom(0, 70000)), config.MaxSize) }, nil},
		{"16 MiB + 1", func() string { return pad(string(genConfigFrom(0, 70000)), config.MaxSize+1) }, config.ErrTooLarge},
		{"4 MiB line", func() string { return "motd = \"" + strings.Repeat("x", 4<<20) + "\"\n" }, config.ErrTooLarge},
		{"100k keys", func() string { return keys(100000) }, nil},
		{"10k sections", func() string { return sections(10000) }, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			data := c.gen()
			path := filepath.Join(dir, "limit.conf")
			writeFile(t, path, data)
			var cfg *config.Config
			var err error
			var took time.Duration
			peak := peakHeap(func() {
				start := time.Now()
				cfg, err = config.Parse(path, nil)
				took = time.Since(start)
			})
			if !errors.Is(err, c.err) || (c.err == nil) != (err == nil) {
				t.Fatalf("got %v; want %v", err, c.err)
			}
			runtime.KeepAlive(cfg)
			ratio := float64(peak) / float64(len(data))
			t.Logf("%d bytes: %v in %v, peak heap +%.1f× the input", len(data), outcome(err), took, ratio)
			if raceEnabled {
				return
			}
			if took > time.Second {
				t.Errorf("took %v; the bar is 1 s", took)
			}
			if ratio > 8 {
				t.Errorf("peak heap grew by %d bytes for %d of input; the bar is 8×", peak, len(data))
			}
		})
	}
}

// peakHeap runs f and returns by how much the heap's in-use bytes (the
// runtime/metrics /memory/classes/heap/objects:bytes, HeapInuse's objects)
// peaked above where they started, sampled every 100 µs and at the end.
func peakHeap(f func()) uint64 {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	read := func() uint64 { metrics.Read(sample); return sample[0].Value.Uint64() }
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

// pad fills s to n bytes: cut at the last whole line that fits, then a
// comment.
func pad(s string, n int) string {
	if len(s) > n-100 {
		s = s[:strings.LastIndexByte(s[:n-100], '\n')+1]
	}
	return s + "#" + strings.Repeat("-", n-len(s)-2) + "\n"
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
		fmt.Fprintf(&b, "[section%05d]\nk = %d\n", i, i)
	}
	return b.String()
}
