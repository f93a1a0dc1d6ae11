package loadgen

import (
	"context"
	"errors"
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/release-daemon/release/internal/testenv"
)

// runFor runs cfg against a server with the behaviour serve for d, and
// checks that the run ended in time and left no goroutine or descriptor
// behind.
func runFor(t *testing.T, serve func(*net.TCPConn), cfg Config, d time.Duration) Result {
	t.Helper()
	fds := testenv.FDs(t)
	goroutines := runtime.NumGoroutine()
	s := startServer(t, serve)
	if cfg.Addr == "" {
		cfg.Addr = s.addr()
	}
	ctx, cancel := context.WithTimeout(t.Context(), d)
	defer cancel()
	type ran struct {
		r   Result
		err error
	}
	done := make(chan ran, 1)
	go func() {
		r, err := Run(ctx, cfg)
		done <- ran{r, err}
	}()
	// The run's time, then the replies' deadline, and a margin.
	bound := d + max(cfg.Timeout, DefaultTimeout) + 5*time.Second
	var got ran
	select {
	case got = <-done:
	case <-time.After(bound):
		t.Fatalf("Run has not returned %v after it began", bound)
	}
	s.stop()
	if got.err != nil {
		t.Fatal(got.err)
	}
	r := got.r
	// Not waited for: Run and stop close every descriptor before they
	// return, and a wait would let the finalizers of leaked ones close them.
	if extra := testenv.NewFDs(t, fds); len(extra) > 0 {
		t.Errorf("%d descriptors open after Run: %v", len(extra), extra)
	}
	waitGoroutines(t, goroutines)
	return r
}

func waitGoroutines(t *testing.T, before int) {
	t.Helper()
	for end := time.Now().Add(5 * time.Second); runtime.NumGoroutine() > before; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(end) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines, %d before:\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
	}
}

// only checks that r counts failures in the one bucket named (none if
// name is ""), and at least one there.
func only(t *testing.T, r Result, name string) {
	t.Helper()
	buckets := map[string]int{
		"refused": r.Refused, "resets": r.Resets, "server closes": r.ServerCloses,
		"lost": r.Lost, "wrong": r.Wrong, "other": r.Other,
	}
	for b, n := range buckets {
		if (b == name) != (n > 0) {
			t.Errorf("%s: %d, in %v", b, n, r)
		}
	}
}

func TestCleanRunCountsNoFailure(t *testing.T) {
	r := runFor(t, echo, Config{}, time.Second)
	only(t, r, "")
	// Both kinds of clients ran: a reply on each persistent connection at
	// least, and short connections besides.
	if r.OK < DefaultConns || r.Opened <= DefaultConns {
		t.Errorf("too little load: %v", r)
	}
	t.Logf("%v; goroutine and fd delta 0", r)
}

func TestResetsAreCounted(t *testing.T) {
	r := runFor(t, resetAfterLine, Config{}, 300*time.Millisecond)
	only(t, r, "resets")
	t.Logf("%v", r)
}

func TestServerClosesAreCounted(t *testing.T) {
	r := runFor(t, closeAfterLine, Config{}, 300*time.Millisecond)
	only(t, r, "server closes")
	t.Logf("%v", r)
}

func TestServerClosesOnIdleConnectionsAreCounted(t *testing.T) {
	// One line a connection before the run ends: each is idle when its
	// server closes, its reply already in.
	cfg := Config{Conns: 4, Rate: -1, Interval: time.Hour}
	r := runFor(t, closeWhenIdle, cfg, 300*time.Millisecond)
	only(t, r, "server closes")
	if r.ServerCloses != 4 || r.OK != 4 {
		t.Errorf("want 4 server closes after 4 replies: %v", r)
	}
	t.Logf("%v", r)
}

func TestWrongRepliesAreCounted(t *testing.T) {
	r := runFor(t, answerAsIs, Config{}, 300*time.Millisecond)
	only(t, r, "wrong")
	if r.OK != 0 {
		t.Errorf("no reply is right: %v", r)
	}
	t.Logf("%v", r)
}

func TestDroppedLinesAreLost(t *testing.T) {
	cfg := Config{Conns: 8, Rate: -1}
	r := runFor(t, dropSecond, cfg, 300*time.Millisecond)
	only(t, r, "lost")
	if r.Lost != 8 || r.OK < 8 {
		t.Errorf("want 1 reply lost on each of 8 connections: %v", r)
	}
	t.Logf("%v", r)
}

func TestRepliesPastTheirDeadlineAreLost(t *testing.T) {
	cfg := Config{Timeout: time.Second}
	r := runFor(t, stallAfterFirst, cfg, 300*time.Millisecond)
	only(t, r, "lost")
	t.Logf("%v", r)
}

func TestRefusalsAreCounted(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	r := runFor(t, echo, Config{Addr: addr}, 300*time.Millisecond)
	only(t, r, "refused")
	if r.Opened != 0 {
		t.Errorf("connections opened to a closed port: %v", r)
	}
	t.Logf("%v", r)
}

func TestConfigErrors(t *testing.T) {
	for _, c := range []struct {
		cfg  Config
		want error
	}{
		{Config{}, ErrNoAddr},
		{Config{Addr: "127.0.0.1:1", Conns: -1, Rate: -1}, ErrNoLoad},
	} {
		if _, err := Run(t.Context(), c.cfg); !errors.Is(err, c.want) {
			t.Errorf("Run(%+v): %v, want %v", c.cfg, err, c.want)
		}
	}
}
