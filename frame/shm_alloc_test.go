//go:build !race

// Built without -race: the race detector's instrumentation allocates.

package frame_test

import (
	"testing"

	"github.com/release-daemon/release/frame"
)

// TestSharedWriteReadDoNotAllocate: a payload through the ring, written
// and read, allocates nothing, at 16 KiB and 1 MiB, one way and the
// other.
func TestSharedWriteReadDoNotAllocate(t *testing.T) {
	master, worker := sharedPair(t, 4<<20, frame.MaxFrame(2<<20))
	for _, n := range []int{16 << 10, 1 << 20} {
		for _, pair := range [][2]*frame.Conn{{master, worker}, {worker, master}} {
			w, r := pair[0], pair[1]
			p := make([]byte, n)
			w.Write(p) // the first reaches the worker with the setup
			r.Read()
			done := make(chan struct{})
			go func() { // the reader, counted too: allocations are process-wide
				for range 501 {
					r.Read()
				}
				close(done)
			}()
			allocs := testing.AllocsPerRun(500, func() {
				if err := w.Write(p); err != nil {
					t.Fatal(err)
				}
			})
			<-done
			if allocs != 0 {
				t.Errorf("%d bytes through the ring: %v allocations per frame, want 0", n, allocs)
			}
			t.Logf("%d bytes through the ring: %v allocations per frame", n, allocs)
		}
	}
}
