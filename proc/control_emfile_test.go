package proc

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/release-daemon/release/frame"
)

// serveReport is what the control-serve helper says before it serves.
type serveReport struct {
	FDs   int // the fds it held before it set its limit
	Limit int // its RLIMIT_NOFILE, soft and hard; 0 if left alone
}

// helperControlServe serves a control socket at RELEASE_TEST_SOCK until
// its stdin closes. With RELEASE_TEST_NOFILE_EXTRA set, it first sets its
// RLIMIT_NOFILE, hard and soft, to the fds it holds plus that many, and
// reports both on stdout. The hard limit must come down too: the Go
// runtime raises the soft limit to the hard one at start.
func helperControlServe() int {
	var rep serveReport
	if extra := os.Getenv("RELEASE_TEST_NOFILE_EXTRA"); extra != "" {
		n, err := strconv.Atoi(extra)
		if err != nil {
			return 2
		}
		if rep.FDs, err = ownFDs(); err != nil {
			return 2
		}
		rep.Limit = rep.FDs + n
		lim := &syscall.Rlimit{Cur: uint64(rep.Limit), Max: uint64(rep.Limit)}
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, lim); err != nil {
			return 2
		}
	}
	if writeReportTo(os.Stdout, rep) != nil {
		return 2
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

// ownFDs counts the process's open fds, leaving out the one it reads
// /proc/self/fd with.
func ownFDs() (int, error) {
	d, err := os.Open("/proc/self/fd")
	if err != nil {
		return 0, err
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		return 0, err
	}
	return len(names) - 1, nil
}

// serveHelper is a running control-serve helper.
type serveHelper struct {
	pid     int
	rep     serveReport
	done    chan struct{} // closed when it has exited
	waitErr error         // its exit, once done is closed
}

// startServeHelper starts a control-serve helper at path with extra fds
// above those it holds, and waits for its report. It is stopped, and
// killed if need be, when the test ends.
func startServeHelper(t *testing.T, path string, extra int) *serveHelper {
	t.Helper()
	cmd := helperCommand(t, "control-serve", "RELEASE_TEST_SOCK="+path,
		"RELEASE_TEST_NOFILE_EXTRA="+strconv.Itoa(extra))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	h := &serveHelper{pid: cmd.Process.Pid, done: make(chan struct{})}
	decoded := make(chan error, 1)
	go func() {
		decoded <- json.NewDecoder(stdout).Decode(&h.rep) // read before Wait closes the pipe
		h.waitErr = cmd.Wait()
		close(h.done)
	}()
	t.Cleanup(func() {
		stdin.Close()
		select {
		case <-h.done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-h.done
		}
	})
	select {
	case err := <-decoded:
		if err != nil {
			t.Fatalf("the helper's report: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the helper did not report within 10s")
	}
	return h
}

// alive reports whether the helper is still running.
func (h *serveHelper) alive() bool {
	select {
	case <-h.done:
		return false
	default:
		return true
	}
}

// nofileLimits reads pid's soft and hard RLIMIT_NOFILE.
func nofileLimits(t testing.TB, pid int) (soft, hard int) {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/limits", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for sc := bufio.NewScanner(f); sc.Scan(); {
		if rest, ok := strings.CutPrefix(sc.Text(), "Max open files"); ok {
			if _, err := fmt.Sscan(rest, &soft, &hard); err != nil {
				t.Fatalf("/proc/%d/limits: %q: %v", pid, sc.Text(), err)
			}
			return soft, hard
		}
	}
	t.Fatalf("/proc/%d/limits has no open files line", pid)
	return 0, 0
}

// fdsBelow counts pid's open fds numbered below n: at n, all of them
// are taken and the next open fails with EMFILE. (An fd numbered above
// n, inherited from whatever started the test, takes no slot.)
func fdsBelow(pid, n int) int {
	ents, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	below := 0
	for _, e := range ents {
		if fd, err := strconv.Atoi(e.Name()); err == nil && fd < n {
			below++
		}
	}
	return below
}

// cpuTime returns the user and system time pid has used, all its threads.
func cpuTime(t testing.TB, pid int) time.Duration {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	utime, _ := strconv.Atoi(f[11])
	stime, _ := strconv.Atoi(f[12])
	const tick = 10 * time.Millisecond // USER_HZ is 100 on every Linux
	return time.Duration(utime+stime) * tick
}

// servesWithin dials the control socket at path again and again until a
// request is answered, and returns how long that took; false if none was
// within d.
func servesWithin(path string, d time.Duration) (time.Duration, bool) {
	start := time.Now()
	for end := start.Add(d); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		nc, err := net.Dial("unix", path)
		if err != nil {
			continue
		}
		c := frame.New(nc)
		resp, err := call(c, "x")
		c.Close()
		if err == nil && resp == "re:x" {
			return time.Since(start), true
		}
	}
	return time.Since(start), false
}

// holdConns dials n connections to path and sends each a request.
func holdConns(t *testing.T, path string, n int) []*frame.Conn {
	t.Helper()
	conns := make([]*frame.Conn, 0, n)
	for range n {
		nc, err := net.Dial("unix", path)
		if err != nil {
			t.Fatalf("connection %d: %v", len(conns), err)
		}
		c := frame.New(nc)
		t.Cleanup(func() { c.Close() })
		c.SetWriteDeadline(time.Now().Add(2 * time.Second))
		if err := c.Write([]byte("held")); err != nil {
			t.Fatalf("connection %d: %v", len(conns), err)
		}
		conns = append(conns, c)
	}
	return conns
}

// answered returns the connections that got their answer by now (give or
// take 200ms).
func answered(conns []*frame.Conn) []*frame.Conn {
	var got []*frame.Conn
	deadline := time.Now().Add(200 * time.Millisecond)
	for _, c := range conns {
		c.SetReadDeadline(deadline)
		if resp, err := c.Read(); err == nil && string(resp) == "re:held" {
			got = append(got, c)
		}
	}
	return got
}

// exhaustion is what a server did while clients held more connections
// than it has fds for.
type exhaustion struct {
	peak    int           // the most fds below its limit it held
	reached time.Duration // when it first held them all, or -1
	held    time.Duration // how long the clients held on
	cpu     time.Duration // the CPU it used meanwhile
	served  int           // the connections it answered
	alive   bool          // it still runs, and answers those it took
}

// holdOutOfFDs holds conns open to h for d, watching h's fds and CPU, and
// then asks one of the connections it took for an answer.
func holdOutOfFDs(t *testing.T, h *serveHelper, conns []*frame.Conn, d time.Duration) exhaustion {
	t.Helper()
	ex := exhaustion{reached: -1}
	start, cpu0 := time.Now(), cpuTime(t, h.pid)
	for time.Since(start) < d {
		n := fdsBelow(h.pid, h.rep.Limit)
		if ex.peak = max(ex.peak, n); n >= h.rep.Limit && ex.reached < 0 {
			ex.reached = time.Since(start)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !h.alive() {
		t.Fatalf("out of fds, the server exited: %v", h.waitErr)
	}
	ex.cpu, ex.held = cpuTime(t, h.pid)-cpu0, time.Since(start)
	served := answered(conns)
	ex.served = len(served)
	if h.alive() && len(served) > 0 {
		resp, err := call(served[0], "still there")
		ex.alive = err == nil && resp == "re:still there"
	}
	return ex
}

// recoveryBound is how soon after the clients close the server must
// answer a new one. The aim is 1s: the new client waits in the listen
// queue behind the connections the server could not take, which it
// accepts, answers and closes as many at a time as it has fds, pausing
// 100ms whenever it runs out again. On this 2-core machine, quiet or with
// one core kept busy, plain or under -race, that took 81-442ms in 70
// runs; in 10 while other test runs shared the machine (load average
// about 6), 178-484ms and once 1.49s. The bound is that worst case with
// margin; the log line has the figure.
const recoveryBound = 3 * time.Second

// TestControlEMFILE: a control server whose hard RLIMIT_NOFILE is 16 fds
// above what it holds at start gets 64 connections, held for 5s. It must
// use its fds up to the limit, pause accepting rather than spin on the
// error (under 10% of one core over the 5s), stay alive and go on
// answering the connections it took, and answer a new client soon after
// the 64 close (see recoveryBound).
func TestControlEMFILE(t *testing.T) {
	const extra, clients, hold = 16, 64, 5 * time.Second
	path := sockPath(t)
	h := startServeHelper(t, path, extra)
	if soft, hard := nofileLimits(t, h.pid); hard != h.rep.FDs+extra || soft != hard {
		t.Fatalf("the helper held %d fds and has a limit of %d soft, %d hard; want %d for both",
			h.rep.FDs, soft, hard, h.rep.FDs+extra)
	}
	if _, ok := servesWithin(path, 5*time.Second); !ok {
		t.Fatal("the helper's control socket does not answer")
	}

	conns := holdConns(t, path, clients)
	ex := holdOutOfFDs(t, h, conns, hold)
	for _, c := range conns {
		c.Close()
	}
	recovery, ok := servesWithin(path, 10*time.Second)
	cpuPct := 100 * ex.cpu.Seconds() / ex.held.Seconds()
	t.Logf(`{"test":"control socket out of fds","figures":{"fds_at_start":%d,"limit":%d,"fds_peak":%d,"limit_reached_ms":%d,"served":"%d/%d","held_ms":%d,"cpu_ms":%d,"cpu_pct":%.1f,"alive":%t,"recovery_ms":%d}}`,
		h.rep.FDs, h.rep.Limit, ex.peak, ex.reached.Milliseconds(), ex.served, clients,
		ex.held.Milliseconds(), ex.cpu.Milliseconds(), cpuPct, ex.alive, recovery.Milliseconds())
	if ex.peak != h.rep.Limit || ex.served == clients {
		t.Fatalf("the server peaked at %d fds of its %d and answered %d of %d: the limit was not reached",
			ex.peak, h.rep.Limit, ex.served, clients)
	}
	if !ex.alive {
		t.Errorf("out of fds, the server died or stopped answering (running: %t)", h.alive())
	}
	if cpuPct >= 10 {
		t.Errorf("out of fds, the server used %v of CPU in %v (%.1f%% of a core): accept is not paused", ex.cpu, ex.held, cpuPct)
	}
	switch {
	case !ok:
		t.Errorf("not serving again within %v of the connections closing", recovery.Round(time.Millisecond))
	case recovery > recoveryBound:
		t.Errorf("serving again %v after the connections closed; want within %v", recovery.Round(time.Millisecond), recoveryBound)
	}
}
