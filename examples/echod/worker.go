package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"sync/atomic"
	"time"

	"github.com/release-daemon/release/frame"
	"github.com/release-daemon/release/proc"
)

// message is what master and worker say to each other, one JSON object
// per frame: a broadcast, the worker's counters.
type message struct {
	Type     string `json:"type"`
	Msg      string `json:"msg,omitempty"`
	Requests int64  `json:"requests,omitempty"`
}

// unhealthyEnv passes the workers echod.conf's unhealthy_file.
const unhealthyEnv = "ECHOD_UNHEALTHY_FILE"

// workerFault, set at build time (-X main.workerFault=...), makes every
// worker fail its start with that text: the tests build such an echod to
// see an upgrade to it rolled back.
var workerFault string

// listenerName is the master's listening socket's name: the workers take
// it by this name, and systemd's socket unit may give it
// (FileDescriptorName=echod).
const listenerName = "echod"

// runWorker serves clients on the listener the master passed, and reports
// its request count every 200 ms.
func runWorker() int {
	log := slog.New(proc.NewStderrHandler(os.Stderr, nil))
	acc := acceptor{unhealthy: os.Getenv(unhealthyEnv)}
	var served atomic.Int64
	cs := newClients(&served)
	// Drain and Adopt: a reload or an upgrade hands this worker's
	// connections to the next, line by line, without closing one.
	opts := proc.MeOptions{Logger: log, Probe: acc.probe, Drain: cs.drain, Adopt: cs.serve}
	err := proc.Me(context.Background(), opts, func(ctx context.Context, c *frame.Conn) error {
		if workerFault != "" {
			return errors.New(workerFault)
		}
		ln, err := proc.Listen(listenerName)
		if err != nil {
			return err
		}
		cs.accepting(ln)
		go acc.acceptClients(ln, cs)
		proc.Ready() // it has the listener and accepts: ready to serve
		go report(c, &served)
		return listen(ctx, c, log)
	})
	if err != nil && !errors.Is(err, io.EOF) {
		log.Error("worker stopped", "err", err)
		return 1
	}
	return 0
}

// listen takes the master's messages until it closes the connection, or
// ctx ends (a drain is over).
func listen(ctx context.Context, c *frame.Conn, log *slog.Logger) error {
	for {
		p, err := c.ReadContext(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			return err
		}
		var m message
		if json.Unmarshal(p, &m) == nil && m.Type == "broadcast" {
			log.Info("broadcast from the master", "msg", m.Msg)
		}
	}
}

// report sends the worker's request count to the master, at once (the
// master then knows this worker serves) and every 200 ms.
func report(c *frame.Conn, served *atomic.Int64) {
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		b, _ := json.Marshal(message{Type: "stats", Requests: served.Load()})
		if c.Write(b) != nil {
			return
		}
		<-tick.C
	}
}

// acceptor serves clients and remembers why it stopped accepting, for the
// master's health checks.
type acceptor struct {
	failed    atomic.Pointer[error]
	unhealthy string // echod.conf's unhealthy_file, or ""
}

// probe answers the master's heartbeats: the worker is healthy while its
// accept loop runs and the unhealthy_file, if set, does not exist. A file
// the worker cannot look up counts as there, so that a path out of its
// reach shows in the master's log rather than doing nothing.
func (a *acceptor) probe(context.Context) error {
	if err := a.failed.Load(); err != nil {
		return fmt.Errorf("echod: not accepting: %w", *err)
	}
	if a.unhealthy == "" {
		return nil
	}
	switch _, err := os.Lstat(a.unhealthy); {
	case err == nil:
		return fmt.Errorf("echod: %s exists (unhealthy_file)", a.unhealthy)
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("echod: unhealthy_file: %w", err)
	}
	return nil
}

// acceptClients serves each client that connects, until the listener
// closes: on a drain, or on an error that makes the worker unhealthy.
func (a *acceptor) acceptClients(ln net.Listener, cs *clients) {
	for {
		conn, err := ln.Accept()
		if err != nil {
			if !cs.draining.Load() {
				a.failed.Store(&err)
			}
			return
		}
		cs.serve(conn, nil)
	}
}
