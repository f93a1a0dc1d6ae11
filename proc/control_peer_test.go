package proc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
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
