package proc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/release-daemon/release/frame"
	"github.com/release-daemon/release/internal/testenv"
)

func TestControlRefusesPeerNotAllowed(t *testing.T) {
	path := sockPath(t)
	var calls atomic.Int32
	h := func(ctx context.Context, peer ControlPeer, req []byte) ([]byte, error) {
		calls.Add(1)
		return echoControl(ctx, peer, req)
	}
	startControl(t, path, h, ControlOptions{AllowUIDs: []int{os.Geteuid() + 1}})
	nc, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.Write(frame.AppendFrame(nil, []byte("let me in")))
	if n := closedByServer(t, nc, 2*time.Second); n != 0 {
		t.Errorf("a refused peer got %d bytes", n)
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("the handler ran %d times for a refused peer", n)
	}
}

// TestControlRefusalsLoggedOnceASecond: peers not allowed are logged a
// line a second, with their count and uids, not a line each.
func TestControlRefusalsLoggedOnceASecond(t *testing.T) {
	var logs syncBuffer
	path := sockPath(t)
	stop := startControl(t, path, echoControl, ControlOptions{AllowUIDs: []int{os.Geteuid() + 1},
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	const n = 2000
	took := refusedConns(t, "unix", path, n)
	stop() // writes the last line
	// startControl's probe of the socket was refused too.
	lines := checkRefusalLog(t, &logs, "control peers refused", n+1, took)
	want := fmt.Sprintf("component=control path=%s count=%d uids=[%d]", path, 1, os.Geteuid())
	if len(lines) == 0 || !strings.HasSuffix(lines[0], want) {
		t.Errorf("the first line is %q; want it to end with %q", lines, want)
	}
}

// peerReport is what the control-as-user helper saw.
type peerReport struct {
	EUID     int
	DialErr  string
	Bytes    int
	TimedOut bool // the server did not close the connection
}

// helperControlAsUser becomes the test user, connects to the control socket
// at RELEASE_TEST_SOCK, sends a request and reports what came back; or,
// with RELEASE_TEST_FLOOD set, floods it with that many connections and
// reports the flood.
func helperControlAsUser() int {
	var rep peerReport
	if err := syscall.Setgroups(nil); err != nil {
		return 2
	}
	if syscall.Setgid(testenv.UserID) != nil || syscall.Setuid(testenv.UserID) != nil {
		return 2
	}
	if os.Getenv("RELEASE_TEST_FLOOD") != "" {
		return floodAndReport(false) // a flood rather than one request
	}
	rep.EUID = os.Geteuid()
	nc, err := net.Dial("unix", os.Getenv("RELEASE_TEST_SOCK"))
	if err != nil {
		rep.DialErr = err.Error()
	} else {
		nc.Write(frame.AppendFrame(nil, []byte("let me in")))
		nc.SetReadDeadline(time.Now().Add(2 * time.Second))
		n, err := io.Copy(io.Discard, nc)
		rep.Bytes, rep.TimedOut = int(n), errors.Is(err, os.ErrDeadlineExceeded)
	}
	if writeReportTo(os.Stdout, rep) != nil {
		return 2
	}
	return 0
}

func TestControlRefusesDisallowedUID(t *testing.T) {
	testenv.TestUser(t) // root only
	path := sockPath(t)
	if err := os.Chmod(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	var calls atomic.Int32
	h := func(ctx context.Context, peer ControlPeer, req []byte) ([]byte, error) {
		calls.Add(1)
		return echoControl(ctx, peer, req)
	}
	// 0666 lets uid 4242 connect, so that SO_PEERCRED must refuse it.
	startControl(t, path, h, ControlOptions{Mode: 0o666})
	out, err := helperCommand(t, "control-as-user", "RELEASE_TEST_SOCK="+path).Output()
	if err != nil {
		t.Fatalf("the helper failed: %v", err)
	}
	var rep peerReport
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatalf("the helper's report %q: %v", out, err)
	}
	if rep.EUID != testenv.UserID || rep.DialErr != "" {
		t.Fatalf("the helper ran as uid %d and could not connect: %s", rep.EUID, rep.DialErr)
	}
	if rep.Bytes != 0 || rep.TimedOut {
		t.Errorf("uid %d got %d response bytes, connection left open: %v", testenv.UserID, rep.Bytes, rep.TimedOut)
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("the handler ran %d times for uid %d", n, testenv.UserID)
	}
	if resp, err := call(dialControl(t, path), "root"); err != nil || resp != "re:root" {
		t.Errorf("root after the refusal: %q, %v", resp, err)
	}
}

// helperControlServe serves a control socket at RELEASE_TEST_SOCK until
// its stdin closes, with a hard RLIMIT_NOFILE of the fds it has plus
// RELEASE_TEST_NOFILE_EXTRA.
func helperControlServe() int {
	if extra := os.Getenv("RELEASE_TEST_NOFILE_EXTRA"); extra != "" {
		ents, err := os.ReadDir("/proc/self/fd")
		n, err2 := strconv.Atoi(extra)
		if err != nil || err2 != nil {
			return 2
		}
		lim := &syscall.Rlimit{Cur: uint64(len(ents) + n), Max: uint64(len(ents) + n)}
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, lim); err != nil {
			return 2
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		io.Copy(io.Discard, os.Stdin)
		cancel()
	}()
	opts := ControlOptions{IdleTimeout: 30 * time.Second, Timeout: -1, Logger: discardLogger()}
	if err := ControlSocket(ctx, os.Getenv("RELEASE_TEST_SOCK"), echoControl, opts); !errors.Is(err, context.Canceled) {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// cpuTicks returns the user and system time pid has used, in clock ticks.
func cpuTicks(t testing.TB, pid int) int {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	utime, _ := strconv.Atoi(f[11])
	stime, _ := strconv.Atoi(f[12])
	return utime + stime
}

// TestControlEMFILE is FT-15 scaled down: a server 16 fds from its limit
// gets 64 connections, pauses accepting without spinning, stays alive, and
// serves again within a second once they close.
func TestControlEMFILE(t *testing.T) {
	path := sockPath(t)
	cmd := helperCommand(t, "control-serve", "RELEASE_TEST_SOCK="+path, "RELEASE_TEST_NOFILE_EXTRA=16")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		stdin.Close()
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	})
	serves := func(d time.Duration) bool {
		for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
			if nc, err := net.Dial("unix", path); err == nil {
				c := frame.New(nc)
				resp, err := call(c, "x")
				c.Close()
				if err == nil && resp == "re:x" {
					return true
				}
			}
		}
		return false
	}
	if !serves(5 * time.Second) {
		t.Fatal("the helper's control socket does not answer")
	}
	var conns []*frame.Conn
	for range 64 {
		nc, err := net.Dial("unix", path)
		if err != nil {
			t.Fatalf("connection %d: %v", len(conns), err)
		}
		c := frame.New(nc)
		defer c.Close()
		c.Write([]byte("held"))
		conns = append(conns, c)
	}
	answered, deadline := 0, time.Now().Add(200*time.Millisecond)
	for _, c := range conns {
		c.SetReadDeadline(deadline)
		if _, err := c.Read(); err == nil {
			answered++
		}
	}
	if answered == 64 {
		t.Fatal("all 64 connections were served: the fd limit was not reached")
	}
	before := cpuTicks(t, cmd.Process.Pid)
	time.Sleep(time.Second)
	if used := cpuTicks(t, cmd.Process.Pid) - before; used >= 10 {
		t.Errorf("out of fds, the server used %d ticks of CPU in 1s: not paused", used)
	}
	select {
	case err := <-exited:
		t.Fatalf("the server exited while out of fds: %v", err)
	default:
	}
	for _, c := range conns {
		c.Close()
	}
	start := time.Now()
	if !serves(5 * time.Second) { // TESTPLAN's bar is 1 s; generous for a loaded CI machine
		t.Fatal("not serving again within 5s of the connections closing")
	}
	t.Logf("%d of 64 served at the limit; serving again %v after they closed", answered, time.Since(start))
}
