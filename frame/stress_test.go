package frame_test

import (
	"context"
	"encoding/binary"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/release-daemon/release/frame"
)

// TestCallStress: bursts of 2 to 64 callers on one Client, over 8
// socketpairs at once, each call bounded by a deadline, so that a caller
// left waiting with no one reading for it fails the test instead of
// hanging it. A burst ends when all its calls have returned: its last
// calls are the ones no later call comes to rescue. The Client's writes
// return late (lateConn), which widens the window in which a writer's own
// response is read, and the reader stops, before the writer puts the
// requests that queued meanwhile in flight.
func TestCallStress(t *testing.T) {
	const pairs, callers, bursts = 8, 64, 300
	var calls, hung, wrong atomic.Int64
	start := time.Now()
	var all sync.WaitGroup
	for range pairs {
		ra, rb := unixPair(t)
		a, b := frame.New(lateConn{ra}), frame.New(rb)
		t.Cleanup(func() { a.Close(); b.Close() })
		go frame.Serve(t.Context(), b, pingCodec{}, pingCodec{}, func(_ context.Context, p ping) (ping, error) {
			binary.BigEndian.PutUint64(p[:], binary.BigEndian.Uint64(p[:])+1)
			return p, nil
		})
		cl := frame.NewClient[ping, ping](a, pingCodec{}, pingCodec{})
		all.Go(func() {
			for i := range bursts {
				var wg sync.WaitGroup
				for g := range 2 + i*7%(callers-1) {
					wg.Go(func() {
						var req ping
						n := uint64(i)<<32 | uint64(g)
						binary.BigEndian.PutUint64(req[:], n)
						ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
						defer cancel()
						resp, err := cl.Call(ctx, req)
						calls.Add(1)
						switch {
						case err != nil:
							hung.Add(1)
						case binary.BigEndian.Uint64(resp[:]) != n+1:
							wrong.Add(1)
						}
					})
				}
				wg.Wait()
				if hung.Load() > 0 {
					return // one burst's deadline is enough to wait for
				}
			}
		})
	}
	all.Wait()
	t.Logf("%d calls (%d pairs, %d bursts of up to %d callers each) in %v: %d hung, %d wrong answers",
		calls.Load(), pairs, bursts, callers, time.Since(start).Round(time.Millisecond), hung.Load(), wrong.Load())
	if hung.Load() > 0 || wrong.Load() > 0 {
		t.Errorf("%d calls hung until their deadline, %d answers went to the wrong caller", hung.Load(), wrong.Load())
	}
}

// lateConn is a connection whose writes return a moment after their bytes
// went out, as when the writing thread is preempted right after its system
// call: the peer may answer, and the answer be read, before the writer
// runs again.
type lateConn struct{ net.Conn }

func (c lateConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	time.Sleep(100 * time.Microsecond)
	return n, err
}
