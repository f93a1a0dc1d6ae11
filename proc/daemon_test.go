package proc

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// daemonReport is what the daemon helper sees of itself.
type daemonReport struct {
	PID, SID, PGID, TTY int
	Cwd, Umask          string
	FDs                 map[string]string // fd number -> link target
	ThreadsAtFork       int
	IsDaemon            bool
	ReadyFD, LockFD     int
	OutFD, ErrFD        int
}

func helperDaemon() int {
	var opts []DaemonOption
	if p := os.Getenv("RELEASE_TEST_PIDFILE"); p != "" {
		opts = append(opts, PIDFile(p))
	}
	if err := Daemon(append(opts, Umask(0o027))...); err != nil {
		os.Stderr.WriteString("daemon: " + err.Error() + "\n")
		return 1
	}
	rep, err := selfReport()
	if err == nil {
		err = writeReport(rep)
	}
	if err != nil {
		Fail(err)
		return 1
	}
	if !readyUntilStopped(nil) {
		return 1
	}
	if l := DaemonLock(); l != nil {
		l.Unlock()
	}
	return 0
}

// readyUntilStopped calls Ready, then afterReady if set, and waits for the
// test's SIGTERM, never longer than a minute. It reports whether Ready
// succeeded.
func readyUntilStopped(afterReady func()) bool {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	if err := Ready(); err != nil {
		return false
	}
	if afterReady != nil {
		afterReady()
	}
	select {
	case <-ctx.Done():
	case <-time.After(time.Minute):
	}
	return true
}

// selfReport reads this process's shape from /proc.
func selfReport() (daemonReport, error) {
	stat, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return daemonReport{}, err
	}
	// After "pid (comm) ": state ppid pgrp session tty_nr ...
	f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+2:]))
	rep := daemonReport{PID: os.Getpid(), FDs: map[string]string{}, ThreadsAtFork: threadsAtFork(), IsDaemon: IsDaemon(),
		ReadyFD: inherited.readyFD, LockFD: inherited.lockFD, OutFD: inherited.outFD, ErrFD: inherited.errFD}
	rep.PGID, _ = strconv.Atoi(f[2])
	rep.SID, _ = strconv.Atoi(f[3])
	rep.TTY, _ = strconv.Atoi(f[4])
	rep.Cwd, _ = os.Readlink("/proc/self/cwd")
	status, _ := os.ReadFile("/proc/self/status")
	for line := range strings.Lines(string(status)) {
		if v, ok := strings.CutPrefix(line, "Umask:"); ok {
			rep.Umask = strings.TrimSpace(v)
		}
	}
	ents, _ := os.ReadDir("/proc/self/fd")
	for _, e := range ents {
		rep.FDs[e.Name()], _ = os.Readlink("/proc/self/fd/" + e.Name())
	}
	return rep, nil
}

func helperDaemonFail() int {
	if err := Daemon(); err != nil {
		return 1
	}
	Fail(errors.New("echod: cannot bind 127.0.0.1:7070: address already in use"))
	return 1
}

func helperDaemonDie() int {
	if err := Daemon(); err != nil {
		return 1
	}
	return 3 // dies before Ready
}

func helperDaemonStray() int {
	if IsDaemon() {
		return 4
	}
	os.Stdout.WriteString("not a daemon\n")
	return 0
}

// runDaemon runs the daemon helper to readiness and returns its report;
// the daemon is stopped and reaped when the test ends.
func runDaemon(t *testing.T, env ...string) daemonReport {
	t.Helper()
	out := filepath.Join(t.TempDir(), "report.json")
	cmd := helperCommand(t, "daemon", append(env, "RELEASE_TEST_OUT="+out)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := runWithin(cmd, 20*time.Second); err != nil {
		t.Fatalf("starting the daemon: %v; stderr: %s", err, stderr.String())
	}
	var rep daemonReport
	readReport(t, out, &rep)
	t.Cleanup(func() {
		if syscall.Kill(rep.PID, 0) == nil {
			stopDaemon(t, rep.PID)
		}
	})
	return rep
}

// runWithin runs cmd and fails if it takes longer than d.
func runWithin(cmd *exec.Cmd, d time.Duration) error {
	if err := cmd.Start(); err != nil {
		return err
	}
	timer := time.AfterFunc(d, func() { cmd.Process.Kill() })
	defer timer.Stop()
	return cmd.Wait()
}

// stopDaemon sends SIGTERM and reaps the daemon, which is this process's
// child by the subreaper rule.
func stopDaemon(t *testing.T, pid int) {
	t.Helper()
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		t.Errorf("stopping daemon %d: %v", pid, err)
		return
	}
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		var ws syscall.WaitStatus
		got, err := syscall.Wait4(pid, &ws, syscall.WNOHANG, nil)
		if got == pid || err != nil {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	syscall.Kill(pid, syscall.SIGKILL)
	t.Errorf("daemon %d did not exit within 20 s of SIGTERM", pid)
}

func TestDaemonShape(t *testing.T) {
	rep := runDaemon(t)
	if !rep.IsDaemon {
		t.Error("IsDaemon() is false in the daemon")
	}
	// Read the parent now, after the starting command exited: the
	// fallback's daemon is its starter's child until then.
	if ppid := parentOf(t, rep.PID); ppid != os.Getpid() {
		t.Errorf("the daemon's parent is %d, want the test process %d (its subreaper)", ppid, os.Getpid())
	}
	if shimForks := threadsAtFork() != -1 || rep.ThreadsAtFork != -1; shimForks {
		if rep.SID == rep.PID {
			t.Error("the daemon is a session leader: the second fork did not happen")
		}
		if rep.ThreadsAtFork != 1 {
			t.Errorf("the shim forked with %d threads, want 1", rep.ThreadsAtFork)
		}
	} else if rep.SID != rep.PID {
		t.Errorf("the fallback's daemon is not the leader of its own session (sid %d, pid %d)", rep.SID, rep.PID)
	}
	if rep.SID == syscallGetsid() {
		t.Error("the daemon is still in the test's session")
	}
	if rep.TTY != 0 {
		t.Errorf("the daemon has controlling terminal %d", rep.TTY)
	}
	if rep.Cwd != "/" {
		t.Errorf("the daemon's working directory is %q, want /", rep.Cwd)
	}
	if rep.Umask != "0027" {
		t.Errorf("the daemon's umask is %s, want 0027", rep.Umask)
	}
	checkDaemonFDs(t, rep)
}

// checkDaemonFDs checks fd 0 is /dev/null, fds 1 and 2 are the pipes whose
// read ends the daemon holds, and nothing else is open but the readiness
// pipe, the lock file and what the Go runtime opened itself.
func checkDaemonFDs(t *testing.T, rep daemonReport) {
	t.Helper()
	if rep.FDs["0"] != "/dev/null" {
		t.Errorf("fd 0 is %q, want /dev/null", rep.FDs["0"])
	}
	for fd, r := range map[string]int{"1": rep.OutFD, "2": rep.ErrFD} {
		if got := rep.FDs[fd]; !strings.HasPrefix(got, "pipe:") || got != rep.FDs[strconv.Itoa(r)] {
			t.Errorf("fd %s is %q, want the pipe whose read end is fd %d (%q)", fd, got, r, rep.FDs[strconv.Itoa(r)])
		}
	}
	if rep.FDs["1"] == rep.FDs["2"] {
		t.Errorf("fds 1 and 2 are the same pipe %s", rep.FDs["1"])
	}
	for fd, target := range rep.FDs {
		n, _ := strconv.Atoi(fd)
		ours := n <= 2 || n == rep.ReadyFD || n == rep.LockFD || n == rep.OutFD || n == rep.ErrFD
		runtime := strings.HasPrefix(target, "anon_inode:") || // epoll, eventfd
			strings.HasPrefix(target, "/sys/fs/cgroup/") || // GOMAXPROCS's limits
			target == "" // the directory being listed, gone by the readlink
		if !ours && !runtime {
			t.Errorf("the daemon holds fd %s -> %s, inherited from its starter", fd, target)
		}
	}
}

// parentOf reads a process's parent from /proc.
func parentOf(t *testing.T, pid int) int {
	t.Helper()
	stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		t.Fatal(err)
	}
	ppid, _ := strconv.Atoi(strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+2:]))[1])
	return ppid
}

func syscallGetsid() int {
	sid, _, _ := syscall.RawSyscall(syscall.SYS_GETSID, 0, 0, 0)
	return int(sid)
}

func TestDaemonFailReachesTheTerminal(t *testing.T) {
	cmd := helperCommand(t, "daemon-fail")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := runWithin(cmd, 20*time.Second)
	if ee, ok := errors.AsType[*exec.ExitError](err); !ok || ee.ExitCode() != 1 {
		t.Fatalf("the starting command ended with %v, want exit status 1", err)
	}
	if want := "address already in use"; !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr %q does not carry the daemon's error %q", stderr.String(), want)
	}
}

func TestDaemonDeathBeforeReadyIsReported(t *testing.T) {
	cmd := helperCommand(t, "daemon-die")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := runWithin(cmd, 20*time.Second)
	if ee, ok := errors.AsType[*exec.ExitError](err); !ok || ee.ExitCode() != 1 {
		t.Fatalf("the starting command ended with %v, want exit status 1", err)
	}
	if want := "exited before it was ready"; !strings.Contains(stderr.String(), want) {
		t.Errorf("stderr %q, want it to say %q", stderr.String(), want)
	}
}

func TestDaemonIgnoresStrayMarker(t *testing.T) {
	for _, v := range []string{"1:5:-1:22", "1:1:-1:22", "1:2:-1:22", "junk", "2:3:-1:0", "1:3:4:999", "1:5:6:-1:22",
		"2:5:-1:22:6:7", "2:1:-1:22:0:0", "2:3:-1:22:3:3", "2:3:-1:999:4:5", "2:3:-1:22:4"} {
		out, err := helperCommand(t, "daemon-stray", markerEnv+"="+v).Output()
		if err != nil || string(out) != "not a daemon\n" {
			t.Errorf("with %s=%q the program said %q, %v", markerEnv, v, out, err)
		}
	}
}

func TestDaemonPIDFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "echod.pid")
	rep := runDaemon(t, "RELEASE_TEST_PIDFILE="+path)
	got, err := os.ReadFile(path)
	if err != nil || string(got) != strconv.Itoa(rep.PID)+"\n" {
		t.Fatalf("the PID file holds %q, %v when the starting command exits; want the daemon's %d", got, err, rep.PID)
	}
	_, err = Lock(path)
	if le, ok := errors.AsType[*LockedError](err); !ok || le.PID != rep.PID {
		t.Fatalf("Lock of the daemon's PID file = %v, want ErrLocked naming %d", err, rep.PID)
	}
	// A second daemon fails in its starting command, before detaching.
	cmd := helperCommand(t, "daemon", "RELEASE_TEST_PIDFILE="+path, "RELEASE_TEST_OUT=/dev/null")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := runWithin(cmd, 20*time.Second); err == nil || !strings.Contains(stderr.String(), "held by another process") {
		t.Fatalf("a second daemon on the same PID file: %v, stderr %q", err, stderr.String())
	}
	// Stopped, the daemon removes its PID file and the lock is free.
	stopDaemon(t, rep.PID)
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the PID file is still there after the daemon stopped: %v", err)
	}
	l, err := Lock(path)
	if err != nil {
		t.Fatalf("Lock after the daemon stopped: %v", err)
	}
	l.Unlock()
}

func TestReadyNotifiesSystemd(t *testing.T) {
	sock, c := datagramSocket(t)
	runDaemon(t, "NOTIFY_SOCKET="+sock)
	if got := nextDatagram(t, c, 10*time.Second); got != "READY=1" {
		t.Fatalf("the notify socket got %q; want READY=1", got)
	}
}
