package loadgen

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"sync"
	"testing"
)

// server is a line server for the tests: each connection is handed to a
// behaviour; stop closes the listener and every connection and waits for
// the behaviours to return.
type server struct {
	ln    net.Listener
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns map[net.Conn]bool
}

func startServer(t *testing.T, serve func(c *net.TCPConn)) *server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &server{ln: ln, conns: map[net.Conn]bool{}}
	s.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conns[c] = true
			s.mu.Unlock()
			s.wg.Go(func() {
				defer c.Close()
				serve(c.(*net.TCPConn))
			})
		}
	})
	return s
}

func (s *server) addr() string { return s.ln.Addr().String() }

func (s *server) stop() {
	s.ln.Close()
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// The behaviours. Each reads lines and, for the n-th line of its
// connection (from 0), does what reply says: answers with the bytes it
// returns, or nothing when it returns nil, or returns at once, when it
// returns false.
func lines(c *net.TCPConn, reply func(n int, line []byte) ([]byte, bool)) {
	r := bufio.NewReader(c)
	for n := 0; ; n++ {
		line, err := r.ReadBytes('\n')
		if err != nil {
			return
		}
		out, goOn := reply(n, line)
		if !goOn {
			return
		}
		if out != nil {
			if _, err := c.Write(out); err != nil {
				return
			}
		}
	}
}

// echo answers every line upper-cased, as echod does.
func echo(c *net.TCPConn) {
	lines(c, func(_ int, line []byte) ([]byte, bool) { return bytes.ToUpper(line), true })
}

// resetAfterLine reads a line and resets the connection.
func resetAfterLine(c *net.TCPConn) {
	lines(c, func(int, []byte) ([]byte, bool) { return nil, false })
	c.SetLinger(0)
}

// closeAfterLine reads a line and ends its side of the connection without
// answering, reading on until the client closes, so that the client sees
// the end of the stream and not a reset.
func closeAfterLine(c *net.TCPConn) {
	lines(c, func(int, []byte) ([]byte, bool) { return nil, false })
	c.CloseWrite()
	io.Copy(io.Discard, c)
}

// closeWhenIdle answers the first line and ends its side of the connection.
func closeWhenIdle(c *net.TCPConn) {
	lines(c, func(_ int, line []byte) ([]byte, bool) {
		c.Write(bytes.ToUpper(line))
		return nil, false
	})
	c.CloseWrite()
	io.Copy(io.Discard, c)
}

// answerAsIs answers every line unchanged: a wrong reply.
func answerAsIs(c *net.TCPConn) {
	lines(c, func(_ int, line []byte) ([]byte, bool) { return line, true })
}

// dropSecond answers every line but its connection's second.
func dropSecond(c *net.TCPConn) {
	lines(c, func(n int, line []byte) ([]byte, bool) {
		if n == 1 {
			return nil, true
		}
		return bytes.ToUpper(line), true
	})
}

// stallAfterFirst answers the first line and reads the others without
// answering.
func stallAfterFirst(c *net.TCPConn) {
	lines(c, func(n int, line []byte) ([]byte, bool) {
		if n == 0 {
			return bytes.ToUpper(line), true
		}
		return nil, true
	})
}
