package frame_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/release-daemon/release/frame"
)

// sharedPair returns a Conn that set up shared memory of size bytes per
// ring, and its peer, which accepted it.
func sharedPair(t testing.TB, size int, opts ...frame.Option) (master, worker *frame.Conn) {
	t.Helper()
	a, b := unixPair(t)
	master = frame.New(a, opts...)
	worker = frame.New(b, append([]frame.Option{frame.AcceptShared}, opts...)...)
	t.Cleanup(func() { master.Close(); worker.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := master.ShareMemory(ctx, size); err != nil {
		t.Fatal(err)
	}
	return master, worker
}

// pattern fills a payload of n bytes that tells sizes and offsets apart.
func pattern(n, seed int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(i*31 + seed + i>>8)
	}
	return p
}

// TestSharedRoundTripSizes sends payloads from 1 B to 4 MiB, around the
// threshold and half the ring, both ways, each direction with its own
// goroutine: every payload arrives as sent, in order.
func TestSharedRoundTripSizes(t *testing.T) {
	const ring = 8 << 20
	master, worker := sharedPair(t, ring, frame.MaxFrame(8<<20))
	th := frame.DefaultSharedThreshold
	sizes := []int{1, 63, 1024, th - 1, th, th + 1, 16 << 10, 64 << 10, 1 << 20, ring/2 - 1, ring / 2, ring/2 + 1, 4 << 20}
	viaRing := 0
	for round := range 3 {
		for dir, pair := range [][2]*frame.Conn{{master, worker}, {worker, master}} {
			w, r := pair[0], pair[1]
			errc := make(chan error, 1)
			go func() {
				for i, n := range sizes {
					if err := w.Write(pattern(n, i+round+dir)); err != nil {
						errc <- err
						return
					}
				}
				errc <- nil
			}()
			for i, n := range sizes {
				p, err := r.Read()
				if err != nil {
					t.Fatalf("dir %d, size %d: %v", dir, n, err)
				}
				if !bytes.Equal(p, pattern(n, i+round+dir)) {
					t.Fatalf("dir %d, size %d: got %d bytes, not what was sent", dir, n, len(p))
				}
				if want := n > th && n <= ring/2; inMapping(t, p, "memfd:frame-shm") != want {
					t.Fatalf("dir %d, size %d: a view of the ring: %v, want %v", dir, n, !want, want)
				}
				viaRing += map[bool]int{true: 1}[n > th && n <= ring/2]
			}
			if err := <-errc; err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Logf("%d sizes x 2 directions x 3 rounds arrived intact, %d of them as views of the ring", len(sizes), viaRing)
}

// TestSharedClientServe runs a Client and Serve over a Conn sharing
// memory: eight callers at once, payloads from 1 B to 256 KiB in a ring
// of 1 MiB, so that batches wait for room; every caller gets its own
// answer.
func TestSharedClientServe(t *testing.T) {
	master, worker := sharedPair(t, 1<<20)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	served := make(chan error, 1)
	go func() {
		served <- frame.Serve(ctx, worker, frame.Bytes{}, frame.Bytes{}, func(_ context.Context, p []byte) ([]byte, error) {
			for i := range p {
				p[i]++
			}
			return p, nil
		})
	}()
	cl := frame.NewClient[[]byte, []byte](master, frame.Bytes{}, frame.Bytes{})
	sizes := []int{1, 100, 4 << 10, 4<<10 + 1, 16 << 10, 100 << 10, 256 << 10}
	errc := make(chan error, 8)
	for g := range 8 {
		go func() {
			for i := range 40 {
				n := sizes[(g+i)%len(sizes)]
				req := pattern(n, g*40+i)
				resp, err := cl.Call(ctx, req)
				if err != nil {
					errc <- err
					return
				}
				for j := range req {
					req[j]++
				}
				if !bytes.Equal(resp, req) {
					errc <- fmt.Errorf("caller %d, call %d, %d bytes: a wrong answer", g, i, n)
					return
				}
			}
			errc <- nil
		}()
	}
	for range 8 {
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
	cl.Close()
	if err := <-served; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	t.Logf("8 callers x 40 calls, 1 B to 256 KiB, all answered right")
}

// TestSharedWriteBatchWaitsForRoom writes batches that need the ring
// several times over, mixed with inline frames: what was built goes out
// before the writer waits for room, so the reader can free it, and every
// frame arrives in order.
func TestSharedWriteBatchWaitsForRoom(t *testing.T) {
	const ring = 64 << 10
	master, worker := sharedPair(t, ring)
	var batch [][]byte
	for i := range 24 {
		batch = append(batch, pattern(20<<10, i), pattern(i+1, i))
	}
	errc := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		for range 5 {
			if err := master.WriteBatchContext(ctx, batch...); err != nil {
				errc <- err
				return
			}
		}
		errc <- nil
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	views := 0
	for round := range 5 {
		for i, want := range batch {
			p, err := worker.ReadContext(ctx)
			if err != nil {
				t.Fatalf("round %d, frame %d: %v", round, i, err)
			}
			if !bytes.Equal(p, want) {
				t.Fatalf("round %d, frame %d: %d bytes, not what was sent", round, i, len(p))
			}
			if inMapping(t, p, "memfd:frame-shm") {
				views++
			}
		}
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if views != 5*24 {
		t.Errorf("%d payloads came through the ring, want %d", views, 5*24)
	}
	t.Logf("5 batches of 48 frames, 480 KiB through a 64 KiB ring each: %d views of the ring, all in order", views)
}
