package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/release-daemon/release/proc"
)

// clients are the connections a worker serves: each line is answered
// upper-cased. When the master replaces the worker (a reload, an
// upgrade), drain stops accepting and hands each connection back to the
// master between two lines, with the start of the next line if it read
// some; adopt serves one another worker handed over. A client never sees
// its connection close.
type clients struct {
	served   *atomic.Int64
	draining atomic.Bool
	mu       sync.Mutex
	conns    map[net.Conn]struct{}
	wg       sync.WaitGroup
	ln       net.Listener
}

// maxLine is the longest line echod answers.
const maxLine = 64 << 10

func newClients(served *atomic.Int64) *clients {
	return &clients{served: served, conns: map[net.Conn]struct{}{}}
}

// serve answers conn's lines, starting with the bytes unread, on a
// goroutine of its own.
func (cs *clients) serve(conn net.Conn, unread []byte) {
	cs.mu.Lock()
	cs.conns[conn] = struct{}{}
	cs.mu.Unlock()
	if cs.draining.Load() { // adopted while leaving: pass it on at once
		conn.SetReadDeadline(time.Unix(1, 0))
	}
	cs.wg.Go(func() {
		// Lines of up to 64 KiB, as bufio.Scanner takes them; a longer
		// one ends the connection.
		r := bufio.NewReaderSize(io.MultiReader(bytes.NewReader(unread), conn), maxLine)
		var err error
		for err == nil {
			var line []byte
			if line, err = r.ReadSlice('\n'); err == nil {
				cs.served.Add(1)
				_, err = conn.Write(bytes.ToUpper(line))
				continue
			}
			cs.forget(conn)
			if errors.Is(err, os.ErrDeadlineExceeded) && cs.draining.Load() {
				conn.SetReadDeadline(time.Time{})
				rest, _ := r.Peek(r.Buffered())
				if proc.HandOver(conn, append(bytes.Clone(line), rest...)) == nil {
					return
				}
			}
		}
		cs.forget(conn)
		conn.Close()
	})
}

// accepting records the listener, for drain to close.
func (cs *clients) accepting(ln net.Listener) {
	cs.mu.Lock()
	cs.ln = ln
	cs.mu.Unlock()
}

func (cs *clients) forget(conn net.Conn) {
	cs.mu.Lock()
	delete(cs.conns, conn)
	cs.mu.Unlock()
}

// drain stops accepting, wakes every connection's read so that it is
// handed over, and returns once all are, or ctx ends.
func (cs *clients) drain(ctx context.Context) {
	cs.draining.Store(true)
	cs.mu.Lock()
	if cs.ln != nil {
		cs.ln.Close()
	}
	for c := range cs.conns {
		c.SetReadDeadline(time.Unix(1, 0))
	}
	cs.mu.Unlock()
	done := make(chan struct{})
	go func() { cs.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
}
