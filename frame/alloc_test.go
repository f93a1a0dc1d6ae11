//go:build !race

// Built without -race: the race detector's instrumentation allocates.

package frame_test

import (
	"context"
	"encoding/binary"
	"errors"
	"runtime"
	"testing"

	"github.com/release-daemon/release/frame"
)

func TestWriteAndReadDoNotAllocate(t *testing.T) {
	a, b := pair(t, frame.MaxFrame(2<<20))
	small, large := make([]byte, 64), make([]byte, 1<<20)
	for name, p := range map[string][]byte{"64 B": small, "1 MiB": large} {
		done := make(chan struct{})
		go func() { // the reader, counted too: allocations are process-wide
			for range 101 {
				b.Read()
			}
			close(done)
		}()
		allocs := testing.AllocsPerRun(100, func() {
			if err := a.Write(p); err != nil {
				t.Fatal(err)
			}
		})
		<-done
		if allocs != 0 {
			t.Errorf("Write and Read of %s: %v allocations per frame, want 0", name, allocs)
		}
	}
}

func TestCallDoesNotAllocate(t *testing.T) {
	a, b := pair(t)
	go frame.Serve(context.Background(), b, pingCodec{}, pingCodec{}, func(_ context.Context, p ping) (ping, error) {
		binary.BigEndian.PutUint64(p[:], binary.BigEndian.Uint64(p[:])+1)
		return p, nil
	})
	cl := frame.NewClient[ping, ping](a, pingCodec{}, pingCodec{})
	ctx := context.Background()
	var req ping
	cl.Call(ctx, req) // warm up: the reader goroutine, the pools
	runtime.GC()
	allocs := testing.AllocsPerRun(1000, func() {
		resp, err := cl.Call(ctx, req)
		if err != nil || binary.BigEndian.Uint64(resp[:]) != binary.BigEndian.Uint64(req[:])+1 {
			t.Fatal(err)
		}
		req = resp
	})
	if allocs > 0.05 { // a pool refill after a GC is allowed, rarely
		t.Errorf("Call: %v allocations per call, want 0", allocs)
	}
}

// TestTooLargeRejectAllocation: rejecting an oversize header allocates
// nothing for its length, whatever it claims (the bar: at most 4 KiB per
// reject).
func TestTooLargeRejectAllocation(t *testing.T) {
	for _, n := range []uint32{1<<20 + 1, 1<<31 + 7, 1<<32 - 1} {
		var ms0, ms1 runtime.MemStats
		runtime.ReadMemStats(&ms0)
		const rejects = 200
		for range rejects {
			a, b := unixPair(t)
			c := frame.New(b, frame.MaxFrame(1<<20), frame.ReadBuffer(4096))
			a.Write(binary.BigEndian.AppendUint32(nil, n))
			if _, err := c.Read(); !errors.Is(err, frame.ErrTooLarge) {
				t.Fatal(err)
			}
			c.Close()
			a.Close()
		}
		runtime.ReadMemStats(&ms1)
		if per := (ms1.TotalAlloc - ms0.TotalAlloc) / rejects; per > 4096 {
			t.Errorf("header %d: %d bytes allocated per reject, want at most 4096", n, per)
		}
	}
}
