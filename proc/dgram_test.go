package proc

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// datagramSocket listens on a unix datagram socket at a short path (unix
// socket names are limited to 108 bytes), standing in for systemd's notify
// socket or /dev/log. It is closed and removed when the test ends.
func datagramSocket(t testing.TB) (path string, c *net.UnixConn) {
	t.Helper()
	dir, err := os.MkdirTemp("", "dg")
	if err != nil {
		t.Fatal(err)
	}
	path = filepath.Join(dir, "s")
	c, err = net.ListenUnixgram("unixgram", &net.UnixAddr{Name: path, Net: "unixgram"})
	if err != nil {
		os.RemoveAll(dir)
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(); os.RemoveAll(dir) })
	return path, c
}

// nextDatagram reads one datagram from c, waiting at most d.
func nextDatagram(t testing.TB, c *net.UnixConn, d time.Duration) string {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(d))
	buf := make([]byte, 1<<16)
	n, err := c.Read(buf)
	if err != nil {
		t.Fatalf("reading the datagram socket: %v", err)
	}
	return string(buf[:n])
}

// nextNotice reads notifications until one says more than STATUS= and
// EXTEND_TIMEOUT_USEC=, which a Master sends as it goes, and returns its
// other lines.
func nextNotice(t testing.TB, c *net.UnixConn, d time.Duration) string {
	t.Helper()
	end := time.Now().Add(d)
	for {
		var kept []string
		for line := range strings.SplitSeq(nextDatagram(t, c, time.Until(end)), "\n") {
			if !strings.HasPrefix(line, "STATUS=") && !strings.HasPrefix(line, "EXTEND_TIMEOUT_USEC=") {
				kept = append(kept, line)
			}
		}
		if kept != nil {
			return strings.Join(kept, "\n")
		}
	}
}
