package proc

import (
	"context"
	"encoding/binary"
	"errors"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/release-daemon/release/frame"
)

// beatPair is a master's heartbeats to a stand-in worker: the master's
// Conn, and the sequence numbers of the pings that reach the other end.
func beatPair(t *testing.T) (*frame.Conn, <-chan uint64) {
	t.Helper()
	a, b := socketPair(t)
	pings := make(chan uint64, 64)
	master := frame.New(a, frame.WithControl(func(byte, []byte) {}))
	worker := frame.New(b, frame.WithControl(func(kind byte, p []byte) {
		if kind == msgPing && len(p) == 8 {
			pings <- binary.BigEndian.Uint64(p)
		}
	}))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { worker.WatchControl(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done; master.Close(); worker.Close() })
	return master, pings
}

// nextPing waits at most 5 s for the next ping's sequence number.
func nextPing(t *testing.T, pings <-chan uint64) uint64 {
	t.Helper()
	select {
	case seq := <-pings:
		return seq
	case <-time.After(5 * time.Second):
		t.Fatal("no heartbeat within 5 s")
		return 0
	}
}

// TestPongWhileAMissIsCounted: an answer that arrives while the master
// counts its heartbeat as missed (between its two looks at the answers)
// is a miss, not a crash.
func TestPongWhileAMissIsCounted(t *testing.T) {
	const beat = 50 * time.Millisecond
	conn, pings := beatPair(t)
	events := make(chan Event, 16)
	r := &run{log: quietLogger(), cfg: Master{Events: func(e Event) { events <- e }}}
	s := &slot{w: &Worker{Name: "w", Heartbeat: beat, Misses: 100}, state: SlotReady}
	h := newPeerHealth()
	ten := newTenure(h)
	ten.pid = 1
	s.begin(ten)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { r.heartbeats(ctx, s, ten, conn); close(done) }()
	defer func() { cancel(); <-done }()
	pong := func(seq uint64) { h.control(msgPong, appendPong(nil, seq, pongHealthy, "")) }

	pong(nextPing(t, pings)) // answered in time: healthy
	seq := nextPing(t, pings)
	s.mu.Lock() // the next look finds no answer, then waits for the slot's lock to count the miss
	time.Sleep(3 * beat)
	pong(seq) // the answer comes while the miss is being counted
	s.mu.Unlock()
	select {
	case e := <-events:
		if e.Kind != Unhealthy || !errors.Is(e.Err, ErrUnhealthy) || !strings.Contains(e.Err.Error(), "no answer to a heartbeat (1 of 100") {
			t.Fatalf("event %v: %v, want the heartbeat counted as unanswered", e.Kind, e.Err)
		}
		t.Logf("heartbeat %d, answered while its miss was counted: %v", seq, e.Err)
	case <-time.After(5 * time.Second):
		t.Fatal("no event for a heartbeat answered late")
	}
	nextPing(t, pings) // the master goes on beating
}

// socketPair returns two connected unix stream sockets.
func socketPair(t *testing.T) (net.Conn, net.Conn) {
	t.Helper()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	var ends [2]net.Conn
	for i, fd := range fds {
		f := os.NewFile(uintptr(fd), "pair")
		ends[i], err = net.FileConn(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { ends[0].Close(); ends[1].Close() })
	return ends[0], ends[1]
}

// fillSocket writes frames on c until its peer, which does not read,
// takes no more.
func fillSocket(t *testing.T, c *frame.Conn) {
	t.Helper()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		err := c.WriteContext(ctx, make([]byte, 1000))
		cancel()
		if err != nil {
			return
		}
	}
}

// TestPingWriterEndsWithItsConnection: a heartbeat stuck on a worker that
// does not read, whose socket is full, holds up its writer until the
// connection closes, and no longer.
func TestPingWriterEndsWithItsConnection(t *testing.T) {
	end, _ := socketPair(t) // the other end never reads
	conn := frame.New(end, frame.WithControl(func(byte, []byte) {}))
	fillSocket(t, conn)
	ctx, cancel := context.WithCancel(t.Context())
	pings, done := make(chan uint64, 1), make(chan struct{})
	go func() { writePings(ctx, conn, pings); close(done) }()
	pings <- 1
	cancel()
	time.Sleep(50 * time.Millisecond) // it is stuck writing
	start := time.Now()
	conn.Close()
	select {
	case <-done:
		t.Logf("the stuck ping writer ended %v after its connection closed", time.Since(start))
	case <-time.After(5 * time.Second):
		t.Fatal("the stuck ping writer did not end within 5 s of its connection's close")
	}
}

// TestLinkStopsWithAnAnswerStuck: a worker's link stops, as Me returns,
// even while an answer to a heartbeat is stuck on a master that does not
// read.
func TestLinkStopsWithAnAnswerStuck(t *testing.T) {
	masterEnd, workerEnd := socketPair(t)
	link := newWorkerLink(nil)
	worker := frame.New(workerEnd, frame.WithControl(link.control))
	defer worker.Close()
	stop := link.start(t.Context(), worker, time.Second)
	fillSocket(t, worker)
	if _, err := masterEnd.Write([]byte{0xFF, msgPing, 0, 8, 0, 0, 0, 0, 0, 0, 0, 1}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // the answer is stuck
	start := time.Now()
	stopped := make(chan struct{})
	go func() { stop(); close(stopped) }()
	select {
	case <-stopped:
		t.Logf("the link stopped %v after it was asked, its answer stuck", time.Since(start))
	case <-time.After(5 * time.Second):
		t.Fatal("the link did not stop within 5 s with an answer stuck")
	}
}
