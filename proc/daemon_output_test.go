package proc

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func init() {
	helpers["daemon-talk"] = helperDaemonTalk
	helpers["daemon-panic"] = helperDaemonPanic
	helpers["daemon-exit"] = helperDaemonExit
	helpers["daemon-syslog"] = helperDaemonSyslog
}

// helperDaemonTalk writes on stdout and stderr, with the directory main
// ran in, then is ready and exits.
func helperDaemonTalk() int {
	dir, _ := os.Getwd()
	if err := Daemon(); err != nil {
		return 1
	}
	fmt.Printf("daemon %d on stdout, started in %s\n", os.Getpid(), dir)
	fmt.Fprintf(os.Stderr, "daemon %d on stderr\n", os.Getpid())
	if err := Ready(); err != nil {
		return 1
	}
	return 0
}

// helperDaemonPanic dies of a Go panic before it is ready.
func helperDaemonPanic() int {
	if err := Daemon(); err != nil {
		return 1
	}
	fmt.Fprintf(os.Stderr, "daemon %d starting\n", os.Getpid())
	panic("daemon-panic: no configuration")
}

// helperDaemonExit prints why on stdout and exits before it is ready.
func helperDaemonExit() int {
	if err := Daemon(); err != nil {
		return 1
	}
	fmt.Printf("daemon %d cannot start: exiting\n", os.Getpid())
	os.Exit(3)
	return 3
}

// helperDaemonSyslog is ready, then writes on stderr and stdout, which go
// to the syslog socket the test names, and waits to be stopped.
func helperDaemonSyslog() int {
	inherited.syslogPath = os.Getenv("RELEASE_TEST_SYSLOG")
	if err := Daemon(); err != nil {
		return 1
	}
	if err := writeReport(os.Getpid()); err != nil {
		Fail(err)
		return 1
	}
	if !readyUntilStopped(func() {
		fmt.Fprintln(os.Stderr, "<3>after ready: an error")
		fmt.Fprintln(os.Stderr, "after ready: plain")
		fmt.Println("<5>after ready: a notice on stdout")
	}) {
		return 1
	}
	return 0
}

// started is what a starting command left: its exit code and output, and
// the PID of the daemon it started, read from that output.
type started struct {
	code           int
	stdout, stderr string
	pid            int
}

var daemonPID = regexp.MustCompile(`daemon (\d+) `)

// startHelper runs the starting command of a helper that names its PID in
// its output and exits by itself, in dir ("" for this process's), and
// reaps that daemon.
func startHelper(t *testing.T, name, dir string) started {
	t.Helper()
	cmd := helperCommand(t, name)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := runWithin(cmd, 20*time.Second)
	st := started{stdout: stdout.String(), stderr: stderr.String()}
	if ee, ok := errors.AsType[*exec.ExitError](err); ok {
		st.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("starting %s: %v", name, err)
	}
	if m := daemonPID.FindStringSubmatch(st.stdout + st.stderr); m != nil {
		st.pid, _ = strconv.Atoi(m[1])
		reapDaemon(t, st.pid)
	}
	return st
}

// reapDaemon waits for a daemon that exits by itself (this process is its
// subreaper), killing it after 20 s.
func reapDaemon(t *testing.T, pid int) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		var ws syscall.WaitStatus
		if got, err := syscall.Wait4(pid, &ws, syscall.WNOHANG, nil); got == pid || err != nil {
			return
		}
	}
	syscall.Kill(pid, syscall.SIGKILL)
	t.Errorf("daemon %d did not exit within 20 s", pid)
}

func TestDaemonOutputReachesTheTerminal(t *testing.T) {
	dir := t.TempDir()
	st := startHelper(t, "daemon-talk", dir)
	t.Logf("exit %d, stdout %q, stderr %q", st.code, st.stdout, st.stderr)
	if st.code != 0 {
		t.Errorf("the starting command exited %d, want 0", st.code)
	}
	if st.pid == 0 || st.stdout != fmt.Sprintf("daemon %d on stdout, started in %s\n", st.pid, dir) {
		t.Errorf("stdout %q, want the daemon's line on stdout, main run in %s", st.stdout, dir)
	}
	if st.pid == 0 || st.stderr != fmt.Sprintf("daemon %d on stderr\n", st.pid) {
		t.Errorf("stderr %q, want the daemon's line on stderr", st.stderr)
	}
}

func TestDaemonPanicReachesTheTerminal(t *testing.T) {
	st := startHelper(t, "daemon-panic", "")
	t.Logf("exit %d, stderr %d bytes: %.200q", st.code, len(st.stderr), st.stderr)
	if st.code != 1 {
		t.Errorf("the starting command exited %d, want 1", st.code)
	}
	for _, want := range []string{"starting\n", "panic: daemon-panic: no configuration", "goroutine 1 [running]",
		"release: the daemon exited before it was ready\n"} {
		if !strings.Contains(st.stderr, want) {
			t.Errorf("stderr does not hold %q", want)
		}
	}
	if i, j := strings.Index(st.stderr, "panic:"), strings.Index(st.stderr, "release:"); i > j {
		t.Errorf("the panic (at %d) comes after the starting command's own line (at %d)", i, j)
	}
}

func TestDaemonExitTextReachesTheTerminal(t *testing.T) {
	st := startHelper(t, "daemon-exit", "")
	t.Logf("exit %d, stdout %q, stderr %q", st.code, st.stdout, st.stderr)
	if st.code != 1 {
		t.Errorf("the starting command exited %d, want 1", st.code)
	}
	if !strings.HasSuffix(st.stdout, "cannot start: exiting\n") {
		t.Errorf("stdout %q does not carry what the daemon printed before os.Exit", st.stdout)
	}
	if st.stderr != "release: the daemon exited before it was ready\n" {
		t.Errorf("stderr %q", st.stderr)
	}
}

func TestDaemonLogsGoToSyslog(t *testing.T) {
	sock, c := datagramSocket(t)
	out := filepath.Join(t.TempDir(), "pid.json")
	cmd := helperCommand(t, "daemon-syslog", "RELEASE_TEST_SYSLOG="+sock, "RELEASE_TEST_OUT="+out)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := runWithin(cmd, 20*time.Second); err != nil {
		t.Fatalf("starting the daemon: %v; stderr: %s", err, stderr.String())
	}
	var pid int
	readReport(t, out, &pid)
	defer stopDaemon(t, pid)
	want := map[string]int{"after ready: an error": 3<<3 | 3, "after ready: plain": 3<<3 | 6,
		"after ready: a notice on stdout": 3<<3 | 5}
	line := regexp.MustCompile(`^<(\d+)>\w{3} [ \d]\d \d\d:\d\d:\d\d ([^ \[]+)\[(\d+)\]: (.*)$`)
	c.SetReadDeadline(time.Now().Add(20 * time.Second))
	buf := make([]byte, 1<<16)
	for range len(want) {
		n, err := c.Read(buf)
		if err != nil {
			t.Fatalf("the syslog socket: %v; still missing %v", err, want)
		}
		m := line.FindStringSubmatch(string(buf[:n]))
		if m == nil || m[2] != filepath.Base(os.Args[0]) || m[3] != strconv.Itoa(pid) {
			t.Errorf("syslog got %q, want <PRI>date %s[%d]: text", buf[:n], filepath.Base(os.Args[0]), pid)
			continue
		}
		if pri, ok := want[m[4]]; !ok || m[1] != strconv.Itoa(pri) {
			t.Errorf("syslog got %q; want one of %v (text: priority)", buf[:n], want)
		}
		t.Logf("syslog got %q", buf[:n])
		delete(want, m[4])
	}
	if strings.Contains(stdout.String()+stderr.String(), "after ready") {
		t.Errorf("lines written after Ready reached the terminal: stdout %q, stderr %q", stdout.String(), stderr.String())
	}
}
