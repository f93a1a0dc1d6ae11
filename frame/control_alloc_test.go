//go:build !race

// Built without -race: the race detector's instrumentation allocates.

package frame_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/release-daemon/release/frame"
)

// TestWatchControlDoesNotAllocate: a control frame read by WatchControl,
// while no one reads the Conn, allocates nothing on the way to the
// handler, nor does writing one with a context that cannot end.
func TestWatchControlDoesNotAllocate(t *testing.T) {
	seen := make(chan struct{}, 1)
	x, y := unixPair(t)
	a := frame.New(x, frame.WithControl(func(byte, []byte) {}))
	b := frame.New(y, frame.WithControl(func(kind byte, p []byte) { seen <- struct{}{} }))
	defer a.Close()
	defer b.Close()
	watchUntilEnd(t, b)
	ctx := context.Background()
	payload := make([]byte, 9)
	timeout := time.NewTimer(time.Hour)
	round := func() {
		if err := a.WriteControl(ctx, 'p', payload); err != nil {
			t.Fatal(err)
		}
		timeout.Reset(5 * time.Second)
		select {
		case <-seen:
		case <-timeout.C:
			t.Fatal("the control frame did not reach the handler within 5 s")
		}
	}
	for range 10 {
		round() // warm up: the watcher's buffers
	}
	runtime.GC()
	allocs := testing.AllocsPerRun(1000, round)
	t.Logf("%v allocations per control frame written and watched (1000 frames)", allocs)
	if allocs != 0 {
		t.Errorf("a control frame costs %v allocations, want 0", allocs)
	}
}
