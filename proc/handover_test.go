package proc

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/release-daemon/release/frame"
)

func init() { helpers["worker-lines"] = helperWorkerLines }

// lineServer answers each line with "<pid> <line>", and hands its
// connections over when drained: between lines, with what it read of
// the next.
type lineServer struct {
	mu       sync.Mutex
	conns    map[net.Conn]bool
	draining atomic.Bool
	wg       sync.WaitGroup
	ln       net.Listener
}

func helperWorkerLines() int {
	srv := &lineServer{conns: map[net.Conn]bool{}}
	opts := MeOptions{AllowRoot: true, Drain: srv.drain, Adopt: func(c net.Conn, unread []byte) { srv.serve(c, unread) }}
	if os.Getenv("TEST_NO_DRAIN") != "" {
		opts.Drain = func(context.Context) { select {} } // stuck, past its deadline: the master ends it
	}
	err := Me(context.Background(), opts, func(ctx context.Context, c *frame.Conn) error {
		ln, err := Listen("web")
		if err != nil {
			return err
		}
		srv.mu.Lock()
		srv.ln = ln
		srv.mu.Unlock()
		go func() {
			for {
				conn, err := ln.Accept()
				if err != nil {
					return
				}
				srv.serve(conn, nil)
			}
		}()
		Ready()
		<-ctx.Done()
		return nil
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		return 1
	}
	return 0
}

func (s *lineServer) serve(conn net.Conn, unread []byte) {
	s.mu.Lock()
	s.conns[conn] = true
	s.mu.Unlock()
	if s.draining.Load() {
		conn.SetReadDeadline(time.Unix(1, 0))
	}
	s.wg.Go(func() {
		r := bufio.NewReader(io.MultiReader(bytes.NewReader(unread), conn))
		pid := strconv.Itoa(os.Getpid())
		for {
			line, err := r.ReadBytes('\n')
			if err == nil {
				conn.Write(append([]byte(pid+" "), line...))
				continue
			}
			s.mu.Lock()
			delete(s.conns, conn)
			s.mu.Unlock()
			if errors.Is(err, os.ErrDeadlineExceeded) && s.draining.Load() {
				conn.SetReadDeadline(time.Time{})
				rest, _ := r.Peek(r.Buffered())
				if HandOver(conn, append(line, rest...)) == nil {
					return
				}
			}
			conn.Close()
			return
		}
	})
}

// drain stops accepting and wakes every connection's read, which hands
// it over.
func (s *lineServer) drain(ctx context.Context) {
	s.draining.Store(true)
	s.mu.Lock()
	s.ln.Close()
	for c := range s.conns {
		c.SetReadDeadline(time.Unix(1, 0))
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
}

// chatter keeps a connection busy: a line every few ms, each reply
// checked; it counts the replies by the PID that gave them.
type chatter struct {
	mu   sync.Mutex
	by   map[string]int
	errs []string
}

func (c *chatter) run(ctx context.Context, addr string, id int) {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		c.fail(err.Error())
		return
	}
	defer conn.Close()
	r := bufio.NewReader(conn)
	for i := 0; ctx.Err() == nil; i++ {
		// Half a line, a pause, the rest: a drain can come in between.
		msg := fmt.Sprintf("client %d line %d\n", id, i)
		conn.SetDeadline(time.Now().Add(20 * time.Second))
		if _, err := conn.Write([]byte(msg[:5])); err != nil {
			c.fail(err.Error())
			return
		}
		time.Sleep(time.Millisecond)
		if _, err := conn.Write([]byte(msg[5:])); err != nil {
			c.fail(err.Error())
			return
		}
		got, err := r.ReadString('\n')
		pid, rest, _ := strings.Cut(got, " ")
		if err != nil || rest != msg {
			c.fail(fmt.Sprintf("client %d line %d: got %q, %v", id, i, got, err))
			return
		}
		c.mu.Lock()
		c.by[pid]++
		c.mu.Unlock()
		time.Sleep(2 * time.Millisecond)
	}
}

func (c *chatter) fail(s string) {
	c.mu.Lock()
	c.errs = append(c.errs, s)
	c.mu.Unlock()
}

func TestReloadHandsConnectionsOver(t *testing.T) {
	web := bind(t, "web", "tcp", "127.0.0.1:0")
	events := newEventLog()
	m := &Master{Workers: []Worker{testWorker(t, "worker-lines", 2, nil)}, Listeners: []*Listener{web},
		HandleSignals: true, Events: events.record, Logger: quietLogger(), DrainTimeout: 20 * time.Second}
	stop, _ := runMaster(t, m)
	defer stop()
	waitReady(t, events, 2)
	ch := &chatter{by: map[string]int{}}
	ctx, cancel := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	for id := range 16 {
		wg.Go(func() { ch.run(ctx, web.Addr().String(), id) })
	}
	time.Sleep(200 * time.Millisecond)
	for n := range 2 {
		syscall.Kill(os.Getpid(), syscall.SIGHUP)
		waitReady(t, events, 4+2*n)
		events.waitFor(t, 30*time.Second, 2*(n+1), "old workers gone", func(e Event) bool { return e.Kind == Exited && e.Stop == StopReload })
		time.Sleep(200 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	exits := events.match(func(e Event) bool { return e.Kind == Exited })
	for _, e := range exits {
		if e.Stop != StopReload || e.Code != 0 {
			t.Errorf("worker %d exited %d (%q), want 0 after a drain", e.PID, e.Code, e.Stop)
		}
	}
	ch.mu.Lock()
	defer ch.mu.Unlock()
	if len(ch.errs) > 0 {
		t.Fatalf("%d client errors over two reloads, first: %s", len(ch.errs), ch.errs[0])
	}
	t.Logf("16 connections over two reloads: 0 errors; replies by worker %v; %d old workers exited 0", ch.by, len(exits))
	ready := events.match(func(e Event) bool { return e.Kind == WorkerReady })
	last := 0
	for _, e := range ready[len(ready)-2:] {
		last += ch.by[strconv.Itoa(e.PID)]
	}
	if last == 0 {
		t.Errorf("the last generation answered nothing: the connections were not handed to it")
	}
}

func TestDrainTimeoutEndsAStuckDrain(t *testing.T) {
	web := bind(t, "web", "tcp", "127.0.0.1:0")
	events := newEventLog()
	w := testWorker(t, "worker-lines", 1, nil)
	w.Env = append(w.Env, "TEST_NO_DRAIN=1")
	m := &Master{Workers: []Worker{w}, Listeners: []*Listener{web}, HandleSignals: true, Events: events.record,
		Logger: quietLogger(), DrainTimeout: 300 * time.Millisecond, StopGrace: 5 * time.Second}
	stop, _ := runMaster(t, m)
	defer stop()
	old := waitReady(t, events, 1)
	syscall.Kill(os.Getpid(), syscall.SIGHUP)
	waitReady(t, events, 2)
	asked := time.Now()
	e := waitEvent(t, events, func(e Event) bool { return e.Kind == Exited && e.PID == old })
	took := e.Time.Sub(asked)
	if e.Stop != StopReload || e.Code != -1 {
		t.Errorf("the stuck worker exited with %d (%q), want killed by SIGTERM for the reload", e.Code, e.Stop)
	}
	if took > 4*time.Second {
		t.Errorf("the stuck worker went %v after its replacement was ready; DrainTimeout is 300 ms", took)
	}
	t.Logf("a worker whose Drain never returned was stopped %v after its replacement was ready (DrainTimeout 300 ms)", took.Round(time.Millisecond))
}

// TestIdleReloadsDrainAtOnce: between reloads one client comes and goes;
// a drained worker then has no connection to hand over and exits at once.
// Its accept must not be stuck
// in the kernel: the listener is one open file shared by every worker,
// which nothing may make blocking (a spawn passing it, a worker taking
// it), or closing it would wait for the next client.
func TestIdleReloadsDrainAtOnce(t *testing.T) {
	web := bind(t, "web", "tcp", "127.0.0.1:0")
	events := newEventLog()
	m := &Master{Workers: []Worker{testWorker(t, "worker-lines", 4, nil)}, Listeners: []*Listener{web},
		HandleSignals: true, Events: events.record, Logger: quietLogger(), DrainTimeout: 20 * time.Second}
	stop, _ := runMaster(t, m)
	defer stop()
	waitReady(t, events, 4)
	var slowest time.Duration
	for n := range 6 {
		start := time.Now()
		syscall.Kill(os.Getpid(), syscall.SIGHUP)
		events.waitFor(t, 30*time.Second, 4*(n+1), "old workers gone", func(e Event) bool { return e.Kind == Exited && e.Stop == StopReload })
		slowest = max(slowest, time.Since(start))
		if _, err := ask(web.Addr().String()); err != nil { // every worker's accept wakes
			t.Fatalf("a client after reload %d: %v", n+1, err)
		}
	}
	for _, e := range events.match(func(e Event) bool { return e.Kind == Exited }) {
		if e.Code != 0 {
			t.Errorf("worker %d exited %d: it did not drain by itself", e.PID, e.Code)
		}
	}
	if slowest > 10*time.Second {
		t.Errorf("an idle reload took %v: a drained worker waited for its DrainTimeout", slowest)
	}
	t.Logf("6 idle reloads of 4 workers, each old worker exiting 0 by itself; slowest %v", slowest.Round(time.Millisecond))
}
