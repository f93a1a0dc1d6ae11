package fdpass_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"syscall"
	"testing"

	"github.com/release-daemon/release/fdpass"
	"github.com/release-daemon/release/internal/testenv"
	"golang.org/x/sys/unix"
)

// helperWriteHello receives a pipe's write end and writes through it.
func helperWriteHello(c *net.UnixConn) int {
	var p [8]byte
	_, files, err := fdpass.Recv(c, p[:])
	if err != nil || len(files) != 1 {
		return 1
	}
	files[0].WriteString("hello through a passed pipe")
	files[0].Close()
	return 0
}

func TestPassPipe(t *testing.T) {
	c, cmd := startHelper(t, "write-hello")
	r, w, _ := os.Pipe()
	defer r.Close()
	if err := fdpass.Send(c, []byte("pipe"), w); err != nil {
		t.Fatal(err)
	}
	w.Close() // only the helper's copy is left
	got, err := io.ReadAll(r)
	if err != nil || string(got) != "hello through a passed pipe" {
		t.Fatalf("read %q, %v through the passed pipe", got, err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("helper: %v", err)
	}
}

// helperEchoListener receives a listener and echoes one line on one
// connection accepted from it.
func helperEchoListener(c *net.UnixConn) int {
	ln, err := fdpass.RecvListener(c)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	conn, err := ln.Accept()
	if err != nil {
		return 1
	}
	line, _ := bufio.NewReader(conn).ReadString('\n')
	conn.Write([]byte("echo: " + line))
	conn.Close()
	return 0
}

func TestPassListener(t *testing.T) {
	c, _ := startHelper(t, "echo-listener")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := fdpass.SendListener(c, ln); err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // the helper accepts on its copy
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.Write([]byte("ping\n"))
	got, _ := io.ReadAll(conn)
	if string(got) != "echo: ping\n" {
		t.Fatalf("the passed listener's server said %q", got)
	}
}

// helperSendMany sends /dev/null n times, one fd per message, then its own
// fd count before and after.
func helperSendMany(c *net.UnixConn) int {
	n, _ := strconv.Atoi(os.Getenv("RELEASE_TEST_N"))
	null, _ := os.Open(os.DevNull)
	before := countFDs()
	for i := range n {
		if err := fdpass.Send(c, []byte{byte(i)}, null); err != nil {
			return 1
		}
	}
	null.Close()
	fmt.Fprintf(c, "%d %d\n", before-1, countFDs())
	return 0
}

func countFDs() int {
	ents, _ := os.ReadDir("/proc/self/fd")
	return len(ents)
}

func TestPassManyFDsLeaksNothing(t *testing.T) {
	n := 100_000
	if testing.Short() {
		n = 10_000
	}
	t.Setenv("RELEASE_TEST_N", strconv.Itoa(n))
	c, cmd := startHelper(t, "send-many")
	before := testenv.OpenFDs(t)
	var p [1]byte
	for i := range n {
		_, files, err := fdpass.Recv(c, p[:])
		if err != nil || len(files) != 1 || p[0] != byte(i) {
			t.Fatalf("message %d: %d files, byte %d, %v", i, len(files), p[0], err)
		}
		files[0].Close()
	}
	if after := testenv.OpenFDs(t); after != before {
		t.Errorf("the receiver had %d fds before %d messages and %d after", before, n, after)
	}
	var theirBefore, theirAfter int
	fmt.Fscan(c, &theirBefore, &theirAfter)
	if theirBefore != theirAfter {
		t.Errorf("the sender had %d fds before and %d after", theirBefore, theirAfter)
	}
	cmd.Wait()
}

// helperSendThree sends three fds in one message, twice.
func helperSendThree(c *net.UnixConn) int {
	null, _ := os.Open(os.DevNull)
	for range 2 {
		if err := fdpass.Send(c, []byte("x"), null, null, null); err != nil {
			return 1
		}
	}
	return 0
}

// TestTruncatedRightsAreClosed: 3 fds sent where 1 is accepted. The
// buffer for one fd holds two (alignment), so the kernel truncates; with
// room for exactly three but a limit of two, the count is refused. Both
// close whatever arrived.
func TestTruncatedRightsAreClosed(t *testing.T) {
	c, _ := startHelper(t, "send-three")
	before := testenv.OpenFDs(t)
	for _, max := range []int{1, 2} {
		var p [1]byte
		n, files, err := fdpass.RecvAtMost(c, p[:], max)
		if !errors.Is(err, fdpass.ErrTruncated) || files != nil || n != 1 {
			t.Errorf("RecvAtMost(%d) of 3 fds = %d, %v, %v; want 1 byte, no files, ErrTruncated", max, n, files, err)
		}
	}
	if after := testenv.OpenFDs(t); after != before {
		t.Errorf("%d fds open before, %d after: truncated fds leaked", before, after)
	}
}

// helperRecvAtLimit lowers its own hard fd limit to its lowest free fd, so
// that the kernel cannot install a received fd, and reports what Recv said.
func helperRecvAtLimit(c *net.UnixConn) int {
	free, _ := unix.Dup(0) // the lowest free fd
	unix.Close(free)
	lim := unix.Rlimit{Cur: uint64(free), Max: uint64(free)}
	if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		return 2
	}
	var p [1]byte
	n, files, err := fdpass.Recv(c, p[:])
	if n == 1 && files == nil && errors.Is(err, fdpass.ErrTruncated) {
		return 0
	}
	fmt.Fprintf(os.Stderr, "at the fd limit: n %d, files %v, err %v\n", n, files, err)
	return 1
}

func TestRecvAtFDLimitIsTruncation(t *testing.T) {
	c, cmd := startHelper(t, "recv-at-limit")
	null, _ := os.Open(os.DevNull)
	defer null.Close()
	if err := fdpass.Send(c, []byte("x"), null); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("the receiver at RLIMIT_NOFILE did not report ErrTruncated: %v", err)
	}
}

// helperSendAndClose sends three bytes and an fd, then exits at once.
func helperSendAndClose(c *net.UnixConn) int {
	null, _ := os.Open(os.DevNull)
	fdpass.Send(c, []byte("abc"), null)
	return 0
}

// TestPeerClosesAfterMessage reads a message in pieces: its fd comes with
// the first byte, then the rest, then io.EOF.
func TestPeerClosesAfterMessage(t *testing.T) {
	c, cmd := startHelper(t, "send-and-close")
	cmd.Wait()
	var p [1]byte
	n, files, err := fdpass.Recv(c, p[:])
	if n != 1 || p[0] != 'a' || len(files) != 1 || err != nil {
		t.Fatalf("first read: %d %q %d files %v", n, p[:n], len(files), err)
	}
	files[0].Close()
	rest := make([]byte, 8)
	n, files, err = fdpass.Recv(c, rest)
	if string(rest[:n]) != "bc" || len(files) != 0 || err != nil {
		t.Fatalf("second read: %q, %d files, %v", rest[:n], len(files), err)
	}
	if _, _, err := fdpass.Recv(c, rest); err != io.EOF {
		t.Fatalf("after the peer closed: %v, want io.EOF", err)
	}
}

func TestSendRefusals(t *testing.T) {
	a, b, err := socketpair()
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	defer b.Close()
	null, _ := os.Open(os.DevNull)
	defer null.Close()
	many := make([]*os.File, fdpass.MaxFiles+1)
	for i := range many {
		many[i] = null
	}
	if err := fdpass.Send(a, []byte("x"), many...); !errors.Is(err, fdpass.ErrTooMany) {
		t.Errorf("sending %d files: %v, want ErrTooMany", len(many), err)
	}
	if err := fdpass.Send(a, nil, null); !errors.Is(err, fdpass.ErrNoData) {
		t.Errorf("sending a file with no data: %v, want ErrNoData", err)
	}
	if err := fdpass.Send(a, []byte("x"), many[:fdpass.MaxFiles]...); err != nil {
		t.Errorf("sending MaxFiles files: %v", err)
	}
	var p [1]byte
	_, files, err := fdpass.Recv(b, p[:])
	if err != nil || len(files) != fdpass.MaxFiles {
		t.Fatalf("received %d files, %v; want %d", len(files), err, fdpass.MaxFiles)
	}
	for _, f := range files {
		if flags, _ := unix.FcntlInt(f.Fd(), unix.F_GETFD, 0); flags&unix.FD_CLOEXEC == 0 {
			t.Fatal("a received fd is not close-on-exec")
		}
		f.Close()
	}
}

// socketpair returns two connected unix stream sockets in this process.
func socketpair() (*net.UnixConn, *net.UnixConn, error) {
	pair, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, err
	}
	conns := make([]*net.UnixConn, 2)
	for i, fd := range pair {
		f := os.NewFile(uintptr(fd), "pair")
		c, err := net.FileConn(f)
		f.Close()
		if err != nil {
			return nil, nil, err
		}
		conns[i] = c.(*net.UnixConn)
	}
	return conns[0], conns[1], nil
}
