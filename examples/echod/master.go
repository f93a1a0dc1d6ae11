package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"
	"time"

	"github.com/release-daemon/release/internal/ctlwire"
	"github.com/release-daemon/release/proc"
)

// runMaster binds the port, starts the workers and the control socket, and
// runs until stopped; it returns the process's exit code.
func runMaster(s settings, daemon bool) int {
	if daemon { // detach first: the daemon binds the port, once
		if err := proc.Daemon(proc.PIDFile(s.Lock)); err != nil {
			fmt.Fprintln(os.Stderr, "echod:", err)
			return 1
		}
		if l := proc.DaemonLock(); l != nil {
			defer l.Unlock() // removed even if echod fails before m.Run
		}
	}
	log := slog.New(proc.NewStderrHandler(os.Stderr, &slog.HandlerOptions{Level: s.LogLevel}))
	user := s.User
	if os.Geteuid() != 0 {
		log.Warn("not running as root: the master and its workers run as the current user")
		user = ""
	}
	// The socket systemd passed (FileDescriptorName=echod, or the only
	// one), the one the master's previous image held across an upgrade,
	// or a new one.
	ln, err := proc.Bind(listenerName, "tcp", s.Listen)
	if err != nil {
		fmt.Fprintf(os.Stderr, "<3>echod: %v\n", err)
		return 1
	}
	defer ln.Close()
	addr := ln.Addr()
	if ln.Source() != "bound" {
		log.Info("serving the socket "+ln.Source()+" passed", "addr", addr.String())
	}
	host, port, _ := net.SplitHostPort(addr.String())
	fmt.Printf("echod: listening on %s with %d workers; try `nc -N %s %s`, or `go run ./cmd/releasectl -socket %s status`\n",
		addr, s.Workers, host, port, s.Control)
	st := newState(s.Workers)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	m := &proc.Master{
		Workers: []proc.Worker{{
			Name: "echod-worker", Path: "/proc/self/exe", Count: s.Workers, User: user,
			Env:     []string{workerEnv + "=1", unhealthyEnv + "=" + s.Unhealthy},
			Handler: st.serveWorker,
			// Each worker says it is ready once it accepts on the
			// listener, and answers a heartbeat every second with
			// whether its accept loop still runs (and unhealthy_file
			// does not exist); one that misses three in a row is
			// replaced, and systemd's watchdog (WatchdogSec=, see
			// echod-watchdog.service) hears from the master only
			// while all are well.
			Heartbeat: time.Second, Misses: 2, Critical: true,
			Sandbox: workerSandbox(s),
		}},
		Listeners: []*proc.Listener{ln}, UpgradeCheck: s.UpgradeCheck,
		LockFile: s.Lock, Background: daemon, HandleSignals: true, Logger: log,
		Control: proc.Control{Path: s.Control, Handler: st.control(stop),
			Options: proc.ControlOptions{Timeout: reloadTimeout + 5*time.Second}},
		Main:   st.main,
		Events: st.event,
	}
	err = m.Run(ctx)
	// 0 for a stop that was asked for, 69 for a worker that failed its
	// start, 70 for one that died too often, 128+n for another signal.
	code := proc.ExitCode(err)
	if _, signalled := errors.AsType[*proc.SignalError](err); err != nil && !signalled {
		fmt.Fprintf(os.Stderr, "<3>echod: %v\n", err)
	}
	return code
}

// state is what the master knows of its workers, for status.
type state struct {
	start time.Time
	mu    sync.Mutex
	peers func() []proc.Peer
	count map[int]int64     // requests by worker PID
	since map[int]time.Time // start by worker PID
	gone  int64             // requests of workers that exited
	again int               // restarts
	want  int               // how many workers run when all is well
}

func newState(workers int) *state {
	return &state{start: time.Now(), count: map[int]int64{}, since: map[int]time.Time{}, want: workers}
}

// main keeps the function that lists the live workers, for broadcasts.
func (st *state) main(ctx context.Context, peers func() []proc.Peer) error {
	st.mu.Lock()
	st.peers = peers
	st.mu.Unlock()
	<-ctx.Done()
	return nil
}

// event tracks starts and exits.
func (st *state) event(e proc.Event) {
	st.mu.Lock()
	defer st.mu.Unlock()
	switch e.Kind {
	case proc.Started:
		st.since[e.PID] = e.Time
	case proc.Exited:
		st.gone += st.count[e.PID]
		delete(st.count, e.PID)
		delete(st.since, e.PID)
	case proc.Restarting:
		st.again++
	}
}

// serveWorker records the counters a worker reports.
func (st *state) serveWorker(ctx context.Context, p proc.Peer) error {
	for {
		b, err := p.Conn.Read()
		if err != nil {
			return nil // the worker is gone; the Master restarts it
		}
		var m message
		if json.Unmarshal(b, &m) == nil && m.Type == "stats" {
			st.mu.Lock()
			st.count[p.PID] = m.Requests
			st.mu.Unlock()
		}
	}
}

// status is the answer to a status request: every worker slot, from the
// Master's table (proc.Slots), with its requests.
func (st *state) status(ctx context.Context) ctlwire.Status {
	slots := proc.Slots(ctx)
	st.mu.Lock()
	defer st.mu.Unlock()
	s := ctlwire.Status{PID: os.Getpid(), Uptime: time.Since(st.start).Round(time.Millisecond).String(),
		Restarts: st.again, Requests: st.gone, Version: version, Generation: proc.Upgrades(ctx).Generation}
	for _, n := range st.count {
		s.Requests += n
	}
	for _, sl := range slots {
		s.Workers = append(s.Workers, ctlwire.WorkerStatus{Slot: sl.Slot, State: sl.State.String(),
			Age: time.Since(sl.Since).Round(time.Millisecond).String(), Healthy: sl.Healthy,
			PID: sl.PID, Reason: sl.Reason, Requests: st.count[sl.PID]})
	}
	return s
}
