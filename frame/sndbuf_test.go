package frame_test

import (
	"bytes"
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/release-daemon/release/frame"
)

// writeSyscalls returns how many write system calls the process has made
// (syscw of /proc/self/io), or skips the test when it cannot tell.
func writeSyscalls(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		t.Skipf("no write count: %v", err)
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "syscw: "); ok {
			if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
				return n
			}
		}
	}
	t.Skip("no syscw in /proc/self/io")
	return 0
}

// TestLargeFrameOneWrite checks that a 1 MiB frame goes into a unix
// socket in one system call, even before the peer reads anything: the
// Conn raises the send buffer to fit it. With the default buffer (208 KiB)
// it went in five pieces, each waiting for the peer to read.
func TestLargeFrameOneWrite(t *testing.T) {
	const size = 1 << 20
	limit, err := os.ReadFile("/proc/sys/net/core/wmem_max")
	if err != nil {
		t.Skip(err)
	}
	if n, _ := strconv.Atoi(strings.TrimSpace(string(limit))); n < 2*size {
		t.Skipf("net.core.wmem_max %d holds no 1 MiB frame", n)
	}
	a, b := pair(t, frame.MaxFrame(2*size))
	p := bytes.Repeat([]byte("0123456789abcdef"), size/16)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	before := writeSyscalls(t)
	if err := a.WriteContext(ctx, p); err != nil {
		t.Fatalf("a 1 MiB frame with nobody reading yet: %v", err)
	}
	writes := writeSyscalls(t) - before
	if writes > 2 {
		t.Errorf("a 1 MiB frame took %d write calls; want 1", writes)
	}
	got, err := b.Read()
	if err != nil || !bytes.Equal(got, p) {
		t.Fatalf("Read = %d bytes, %v; want the frame", len(got), err)
	}
	t.Logf("a 1 MiB frame in %d write call(s), before the peer read", writes)
}
