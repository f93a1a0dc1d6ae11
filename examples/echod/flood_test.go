package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/release-daemon/release/frame"
	"github.com/release-daemon/release/internal/ctlwire"
	"github.com/release-daemon/release/internal/testenv"
)

// floodEnv makes a re-run of this test binary the flooding helper, with
// the control socket's path as its value.
const floodEnv = "ECHOD_TEST_FLOOD"

// A flood is floodConns connections, floodConcurrency at a time.
const floodConns, floodConcurrency = 10_000, 32

func TestMain(m *testing.M) {
	if sock := os.Getenv(floodEnv); sock != "" {
		os.Exit(floodAsTestUser(sock))
	}
	os.Exit(m.Run())
}

// testenv.FloodReport is what the flooding helper saw.
// floodAsTestUser becomes the test user and connects floodConns times to
// the control socket at sock, floodConcurrency at a time, each sending a
// status request; three in four hang up at once, the fourth waits for the
// daemon to close and checks that nothing came back. It writes its report
// to stdout.
func floodAsTestUser(sock string) int {
	if syscall.Setgroups(nil) != nil || syscall.Setgid(testenv.UserID) != nil || syscall.Setuid(testenv.UserID) != nil {
		return 2
	}
	req, _ := ctlwire.RequestCodec{}.Append(nil, ctlwire.Request{Cmd: "status"})
	req = frame.AppendFrame(nil, req)
	rep := testenv.Flood(floodConns, floodConcurrency, func(i int) (testenv.Problem, error) {
		nc, err := net.DialTimeout("unix", sock, 5*time.Second)
		if err != nil {
			return testenv.DialErr, err
		}
		defer nc.Close()
		nc.SetDeadline(time.Now().Add(5 * time.Second))
		nc.Write(req) // may fail once the daemon closes
		if i%4 != 0 {
			return testenv.NoProblem, nil
		}
		n, err := io.Copy(io.Discard, nc)
		switch {
		case errors.Is(err, os.ErrDeadlineExceeded):
			return testenv.Unclosed, err
		case n > 0:
			return testenv.Answered, errors.New("a refused peer got an answer")
		}
		return testenv.NoProblem, nil
	})
	rep.UID = os.Geteuid()
	if json.NewEncoder(os.Stdout).Encode(rep) != nil {
		return 2
	}
	return 0
}

// statusCaller asks the daemon at sock for its status every 10ms, on a
// connection of its own each time as releasectl does, until stop is
// closed; wait returns the latencies and the errors.
func statusCaller(sock string, stop <-chan struct{}) (wait func() ([]time.Duration, []error)) {
	var lat []time.Duration
	var errs []error
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			start := time.Now()
			if err := status(sock); err != nil {
				errs = append(errs, err)
			}
			lat = append(lat, time.Since(start))
		}
	}()
	return func() ([]time.Duration, []error) {
		<-done
		return lat, errs
	}
}

// status makes releasectl's status call, with its 5s timeout.
func status(sock string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var d net.Dialer
	nc, err := d.DialContext(ctx, "unix", sock)
	if err != nil {
		return err
	}
	c := frame.New(nc)
	defer c.Close()
	cl := frame.NewClient[ctlwire.Request, ctlwire.Response](c, ctlwire.RequestCodec{}, ctlwire.ResponseCodec{})
	resp, err := cl.Call(ctx, ctlwire.Request{Cmd: "status"})
	if err == nil && !resp.OK {
		err = errors.New(resp.Error)
	}
	return err
}

// lockedBuffer is a bytes.Buffer for a child's stderr, read once it exited.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestDisallowedFlood: as root, 10,000 connections to echod's control
// socket from a uid it does not allow, 32 at a time, while status calls go
// on every 10ms: every call is answered, the refused peers get nothing,
// and echod logs them a line a second.
func TestDisallowedFlood(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: the flood must come from a uid echod does not allow, " +
			"and only root can start a process as another uid")
	}
	testenv.TestUser(t)
	su := newSetup(t, 2)
	cmd := exec.Command(su.echod, "-config", su.conf)
	out, _ := cmd.StdoutPipe()
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	listeningOn(t, out)
	ctl := su.releasectl(t)
	waitWorkers(t, ctl, 2, nil)
	// The socket is 0600 in a 0700 directory, so the test user could not
	// even connect: open both, so that its connections reach echod, which
	// must refuse them by their uid.
	if os.Chmod(filepath.Dir(su.sock), 0o755) != nil || os.Chmod(su.sock, 0o666) != nil {
		t.Fatal("cannot open the control socket to the test user")
	}

	stop := make(chan struct{})
	wait := statusCaller(su.sock, stop)
	start := time.Now()
	rep := runFlood(t, su.sock)
	close(stop)
	lat, errs := wait()
	ctl("stop")
	if err := waitExit(cmd, 20*time.Second); err != nil {
		t.Fatalf("echod after stop: %v", err)
	}
	took := time.Since(start)

	slices.Sort(lat)
	var p99 time.Duration
	if len(lat) > 0 {
		p99 = lat[(len(lat)*99+99)/100-1]
	}
	lines, refused := refusalLines(stderr.String())
	t.Logf("flood of uid %d: %d connections in %v, %d dial errors, %d answered, %d not closed; "+
		"status calls: %d, %d errors, p99 %v; echod logged %d refusals in %d lines over %v",
		rep.UID, rep.Conns, rep.Elapsed.Round(time.Millisecond), rep.DialErrs, rep.Answered, rep.Unclosed,
		len(lat), len(errs), p99.Round(time.Microsecond), refused, lines, took.Round(time.Millisecond))
	if rep.UID != testenv.UserID || rep.Problems() != 0 {
		t.Errorf("the flood ran as uid %d and saw problems: %s", rep.UID, rep.FirstErr)
	}
	if len(errs) != 0 {
		t.Errorf("%d of %d status calls failed, the first: %v", len(errs), len(lat), errs[0])
	}
	if maxLines := int(took/time.Second) + 2; refused != floodConns || lines > maxLines {
		t.Errorf("echod logged %d refusals in %d lines; want %d in at most %d", refused, lines, floodConns, maxLines)
	}
}

// runFlood runs this test binary as the flooding helper against sock.
func runFlood(t *testing.T, sock string) testenv.FloodReport {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), floodEnv+"="+sock, "GORACE=atexit_sleep_ms=0")
	b, err := cmd.Output()
	var rep testenv.FloodReport
	if err != nil || json.Unmarshal(b, &rep) != nil {
		t.Fatalf("the flooding helper: %v, %q", err, b)
	}
	return rep
}

// refusalLines counts the lines of echod's log about refused control
// peers and sums their counts. (The Master does not hand its Logger to the
// control socket, so these lines come from slog's default logger, in the
// log package's format.)
func refusalLines(log string) (lines, count int) {
	re := regexp.MustCompile(`control peers refused.* count=(\d+)`)
	for _, m := range re.FindAllStringSubmatch(log, -1) {
		n, _ := strconv.Atoi(m[1])
		lines, count = lines+1, count+n
	}
	return lines, count
}
