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
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	var ends [2]net.Conn
	for i, fd := range fds {
		f := os.NewFile(uintptr(fd), "beat")
		ends[i], err = net.FileConn(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	pings := make(chan uint64, 64)
	master := frame.New(ends[0], frame.WithControl(func(byte, []byte) {}))
	worker := frame.New(ends[1], frame.WithControl(func(kind byte, p []byte) {
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
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { r.heartbeats(ctx, s, 1, conn, h, make(chan StopReason, 1)); close(done) }()
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
