package proc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/release-daemon/release/frame"
)

func init() {
	helpers["master-bg"] = helperMasterBackground
}

// helperMasterBackground runs a daemonized Master of two workers holding
// the lock file named by RELEASE_TEST_LOCK, until SIGTERM.
func helperMasterBackground() int {
	exe, _ := os.Executable()
	m := &Master{Workers: []Worker{{Name: "upper", Path: exe, Args: []string{"-test.run=^$"}, Count: 2,
		Env: []string{helperEnv + "=worker-upper", "GORACE=atexit_sleep_ms=0"}}},
		Background: true, LockFile: os.Getenv("RELEASE_TEST_LOCK"), HandleSignals: true,
		StopGrace: time.Second, Logger: quietLogger()}
	if err := m.Run(context.Background()); err != nil {
		if se, ok := errors.AsType[*SignalError](err); ok {
			return se.ExitCode()
		}
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

func TestMasterStopsOnSIGTERM(t *testing.T) {
	pids := make(chan int, 2)
	m := &Master{Workers: []Worker{testWorker(t, "worker-upper", 1, upperHandler(pids))},
		HandleSignals: true, StopGrace: time.Second, Logger: quietLogger()}
	_, done := runMaster(t, m)
	pid := waitPIDs(t, pids, 1)[0]
	syscall.Kill(os.Getpid(), syscall.SIGTERM)
	select {
	case err := <-done:
		se, ok := errors.AsType[*SignalError](err)
		if !ok || se.ExitCode() != 128+int(syscall.SIGTERM) {
			t.Fatalf("Run after SIGTERM = %v, want a SignalError with exit code 143", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("SIGTERM did not stop the master")
	}
	if alive(pid) {
		t.Error("the worker outlived the master's SIGTERM")
	}
}

// TestSIGHUPRestartsWorkersOneByOne: every worker is replaced, and the
// restarts are not counted against a limit of 1.
func TestSIGHUPRestartsWorkersOneByOne(t *testing.T) {
	pids := make(chan int, 8)
	m := &Master{Workers: []Worker{testWorker(t, "worker-upper", 2, upperHandler(pids))},
		HandleSignals: true, StopGrace: 2 * time.Second, Restart: RestartPolicy{Burst: 1, Interval: time.Minute},
		Logger: quietLogger()}
	stop, done := runMaster(t, m)
	old := waitPIDs(t, pids, 2)
	syscall.Kill(os.Getpid(), syscall.SIGHUP)
	fresh := waitPIDs(t, pids, 2)
	for _, p := range fresh {
		if slices.Contains(old, p) {
			t.Fatalf("worker %d answered again after SIGHUP; old %v, new %v", p, old, fresh)
		}
	}
	select {
	case err := <-done:
		t.Fatalf("the master stopped after SIGHUP: %v", err)
	default:
	}
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
}

func TestSecondMasterFailsOnTheLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "master.pid")
	pids := make(chan int, 2)
	m := &Master{Workers: []Worker{testWorker(t, "worker-upper", 1, upperHandler(pids))}, LockFile: path, Logger: quietLogger()}
	stop, _ := runMaster(t, m)
	waitPIDs(t, pids, 1)
	second := &Master{Workers: []Worker{testWorker(t, "worker-upper", 1, nil)}, LockFile: path, Logger: quietLogger()}
	err := second.Run(t.Context())
	if le, ok := errors.AsType[*LockedError](err); !ok || le.PID != os.Getpid() {
		t.Fatalf("a second master on the lock: %v, want ErrLocked naming %d", err, os.Getpid())
	}
	stop()
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the lock file is left after the master stopped: %v", err)
	}
}

func TestMasterPrivilegeCheck(t *testing.T) {
	want := CheckNonRoot() // the check NonRootOnly makes
	m := &Master{Privileged: NonRootOnly, Logger: quietLogger()}
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond) // allowed, it runs until then
	defer cancel()
	if err := m.Run(ctx); (err == nil) != (want == nil) {
		t.Fatalf("NonRootOnly as uid %d: %v", os.Geteuid(), err)
	}
}

// TestMasterInBackground: the starting command returns once the workers
// are up, the lock file names the daemon, and SIGTERM takes everything
// down and removes the lock file.
func TestMasterInBackground(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bg.pid")
	cmd := helperCommand(t, "master-bg", "RELEASE_TEST_LOCK="+path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := runWithin(cmd, 20*time.Second); err != nil {
		t.Fatalf("starting the background master: %v; %s", err, stderr.String())
	}
	b, _ := os.ReadFile(path)
	daemon, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || !alive(daemon) {
		t.Fatalf("the lock file holds %q: no live daemon", b)
	}
	workers := childrenOf(daemon)
	if len(workers) != 2 {
		t.Errorf("the daemon has %d worker processes, want 2", len(workers))
	}
	stopDaemon(t, daemon)
	for _, w := range workers {
		for deadline := time.Now().Add(5 * time.Second); alive(w); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("worker %d outlived the stopped master", w)
			}
		}
		syscall.Wait4(w, nil, syscall.WNOHANG, nil)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the lock file is left: %v", err)
	}
}

// childrenOf lists the processes whose parent is pid.
func childrenOf(pid int) []int {
	var kids []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if b, err := os.ReadFile("/proc/" + e.Name() + "/stat"); err == nil {
			f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+2:]))
			if len(f) > 1 && f[1] == strconv.Itoa(pid) {
				kids = append(kids, n)
			}
		}
	}
	return kids
}

// TestMasterControlSocket: the master answers on its control socket, a
// second master on the same path fails before starting workers, and the
// socket is gone when the master stops.
func TestMasterControlSocket(t *testing.T) {
	dir, _ := os.MkdirTemp("", "mc")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "ctl")
	pids := make(chan int, 2)
	status := func(ctx context.Context, peer ControlPeer, req []byte) ([]byte, error) {
		return []byte("status of " + string(req) + ": ok"), nil
	}
	m := &Master{Workers: []Worker{testWorker(t, "worker-upper", 1, upperHandler(pids))},
		Control: Control{Path: path, Handler: status}, Logger: quietLogger()}
	stop, _ := runMaster(t, m)
	waitPIDs(t, pids, 1)
	nc, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	c := frame.New(nc)
	c.Write([]byte("workers"))
	if got, err := c.Read(); err != nil || string(got) != "status of workers: ok" {
		t.Fatalf("control answer %q, %v", got, err)
	}
	c.Close()
	second := &Master{Workers: []Worker{testWorker(t, "worker-crash", 1, nil)},
		Control: Control{Path: path, Handler: status}, Logger: quietLogger()}
	if err := second.Run(t.Context()); !errors.Is(err, ErrAddrInUse) {
		t.Fatalf("a second master on the control path: %v, want ErrAddrInUse", err)
	}
	stop()
	if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the control socket is left after the master stopped: %v", err)
	}
}

// TestMasterNotifiesSystemd: in the foreground, with NOTIFY_SOCKET set,
// the master says READY=1 once its workers have started and STOPPING=1
// when a signal stops it.
func TestMasterNotifiesSystemd(t *testing.T) {
	sock, srv := datagramSocket(t)
	t.Setenv("NOTIFY_SOCKET", sock)
	m := &Master{Workers: []Worker{testWorker(t, "worker-upper", 2, nil)}, HandleSignals: true, Logger: quietLogger()}
	_, done := runMaster(t, m)
	read := func() string { return nextNotice(t, srv, 20*time.Second) }
	if got := read(); got != "READY=1" {
		t.Fatalf("systemd heard %q first, want READY=1", got)
	}
	syscall.Kill(os.Getpid(), syscall.SIGTERM)
	if got := read(); got != "STOPPING=1" {
		t.Fatalf("systemd heard %q on SIGTERM, want STOPPING=1", got)
	}
	<-done
}
