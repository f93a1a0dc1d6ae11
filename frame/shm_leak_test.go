package frame_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/release-daemon/release/frame"
	"github.com/release-daemon/release/internal/testenv"
)

// TestSharedNoLeaks sets up, uses and closes shared memory 300 times,
// ending each way a peer can: a clean close, a peer that dies while a
// write waits for room, a peer that sends a lie, a close with a view out.
// The process's descriptors, frame-shm mappings and goroutines are the
// same after as before.
func TestSharedNoLeaks(t *testing.T) {
	const size = 64 << 10
	p := pattern(size/2, 9)
	cycle := func(i int) {
		a, b := unixPair(t)
		master, worker := frame.New(a), frame.New(b, frame.AcceptShared)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := master.ShareMemory(ctx, size); err != nil {
			t.Fatal(err)
		}
		master.Write(p)
		worker.Read() // the setup, then a view
		switch i % 4 {
		case 0:
			worker.Write(p)
			master.Read()
		case 1: // the worker dies while the master waits for room
			master.Write(p)
			done := make(chan error, 1)
			go func() { done <- master.WriteContext(ctx, p) }()
			time.Sleep(time.Millisecond)
			worker.Close()
			<-done
		case 2: // the master lies to the worker
			a.Write(descriptor(12345, 100))
			worker.Read()
		}
		master.Close()
		worker.Close()
	}
	for i := range 20 {
		cycle(i)
	}
	settle()
	fds, goroutines, maps := testenv.FDs(t), runtime.NumGoroutine(), sharedMaps(t)
	for i := range 300 {
		cycle(i)
		if i == 150 && sharedMaps(t) != maps {
			t.Errorf("frame-shm mappings mid-way: %d, were %d", sharedMaps(t), maps)
		}
	}
	settle()
	extra := testenv.NewFDs(t, fds)
	if len(extra) != 0 {
		t.Errorf("descriptors left open after 300 shared conns: %v", extra)
	}
	if got := sharedMaps(t); got != maps {
		t.Errorf("frame-shm mappings: %d before, %d after", maps, got)
	}
	if n := runtime.NumGoroutine(); n > goroutines+2 {
		t.Errorf("goroutines: %d before, %d after", goroutines, n)
	}
	t.Logf("300 shared conns: new fds %d, frame-shm mappings %d -> %d, goroutines %d -> %d",
		len(extra), maps, sharedMaps(t), goroutines, runtime.NumGoroutine())
}

// TestSharedDroppedConnUnmaps: Conns sharing memory dropped without Close
// still give their mappings back, once the collector finds them.
func TestSharedDroppedConnUnmaps(t *testing.T) {
	maps := sharedMaps(t)
	for range 20 {
		a, b := unixPair(t)
		master, worker := frame.New(a), frame.New(b, frame.AcceptShared)
		if err := master.ShareMemory(context.Background(), 64<<10); err != nil {
			t.Fatal(err)
		}
		master.Write(make([]byte, 10000))
		worker.Read()
		a.Close()
		b.Close()
	}
	during := sharedMaps(t)
	deadline := time.Now().Add(10 * time.Second)
	for sharedMaps(t) != maps && time.Now().Before(deadline) {
		settle()
	}
	if got := sharedMaps(t); got != maps {
		t.Errorf("frame-shm mappings: %d before, %d after 20 dropped Conns were collected", maps, got)
	}
	t.Logf("frame-shm mappings: %d before, %d with 20 dropped Conns, %d once collected", maps, during, sharedMaps(t))
}
