package proc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/release-daemon/release/frame"
)

func init() {
	helpers["worker-ready-after"] = helperWorkerReadyAfter
	helpers["worker-init-fail"] = helperWorkerInitFail
	helpers["worker-never-ready"] = helperWorkerNeverReady
	helpers["master-bg-ready"] = helperMasterBackgroundReady
}

// helperWorkerReadyAfter takes RELEASE_TEST_READY_AFTER to get ready,
// leaves a file named for its PID in RELEASE_TEST_MARKS if set, says it
// is ready, then echoes frames until the master closes.
func helperWorkerReadyAfter() int {
	d, _ := time.ParseDuration(os.Getenv("RELEASE_TEST_READY_AFTER"))
	marks := os.Getenv("RELEASE_TEST_MARKS")
	err := Me(context.Background(), MeOptions{AllowRoot: true, Logger: quietLogger()}, func(ctx context.Context, c *frame.Conn) error {
		time.Sleep(d)
		if marks != "" {
			if err := os.WriteFile(filepath.Join(marks, strconv.Itoa(os.Getpid())), nil, 0o644); err != nil {
				return err
			}
		}
		if err := Ready(); err != nil {
			return err
		}
		return echoFrames(c)
	})
	if errors.Is(err, io.EOF) {
		return 0
	}
	return 1
}

// echoFrames sends each frame back until the connection ends.
func echoFrames(c *frame.Conn) error {
	for {
		p, err := c.Read()
		if err != nil {
			return err
		}
		if err := c.Write(p); err != nil {
			return err
		}
	}
}

// helperWorkerInitFail fails its start with the text of
// RELEASE_TEST_FAIL_TEXT, as RELEASE_TEST_FAIL_HOW says: main returns it
// as an error ("return"), or calls Fail and exits at once ("fail-exit"),
// or calls Fail and waits to be stopped ("fail").
func helperWorkerInitFail() int {
	Me(context.Background(), MeOptions{AllowRoot: true, Logger: quietLogger()}, func(ctx context.Context, c *frame.Conn) error {
		err := errors.New(os.Getenv("RELEASE_TEST_FAIL_TEXT"))
		switch os.Getenv("RELEASE_TEST_FAIL_HOW") {
		case "fail-exit":
			Fail(err)
			os.Exit(1)
		case "fail":
			Fail(err)
			c.Read() // until the master stops this process
		}
		return err
	})
	return 1
}

// helperWorkerNeverReady reads its connection and never says it is ready.
func helperWorkerNeverReady() int {
	Me(context.Background(), MeOptions{AllowRoot: true, Logger: quietLogger()}, func(ctx context.Context, c *frame.Conn) error {
		_, err := c.Read()
		return err
	})
	return 0
}

// helperMasterBackgroundReady runs a daemonized Master holding the lock
// file RELEASE_TEST_LOCK, of RELEASE_TEST_WORKERS workers that take
// RELEASE_TEST_READY_AFTER to get ready, and, if RELEASE_TEST_FAIL_HOW is
// set, one more that fails its start (see helperWorkerInitFail). The
// daemon writes its PID to RELEASE_TEST_PIDFILE, if set, and exits with
// ExitCode of Run's result.
func helperMasterBackgroundReady() int {
	if p := os.Getenv("RELEASE_TEST_PIDFILE"); p != "" && IsDaemon() {
		os.WriteFile(p, []byte(strconv.Itoa(os.Getpid())), 0o644)
	}
	exe, _ := os.Executable()
	worker := func(helper string, count int, env ...string) Worker {
		return Worker{Name: helper, Path: exe, Args: []string{"-test.run=^$"}, Count: count,
			Env: append([]string{helperEnv + "=" + helper, "GORACE=atexit_sleep_ms=0"}, env...)}
	}
	n, _ := strconv.Atoi(os.Getenv("RELEASE_TEST_WORKERS"))
	workers := []Worker{worker("worker-ready-after", n, "RELEASE_TEST_READY_AFTER="+os.Getenv("RELEASE_TEST_READY_AFTER"),
		"RELEASE_TEST_MARKS="+os.Getenv("RELEASE_TEST_MARKS"))}
	if how := os.Getenv("RELEASE_TEST_FAIL_HOW"); how != "" {
		workers = append(workers, worker("worker-init-fail", 1, "RELEASE_TEST_FAIL_HOW="+how,
			"RELEASE_TEST_FAIL_TEXT="+os.Getenv("RELEASE_TEST_FAIL_TEXT")))
	}
	m := &Master{Workers: workers, Background: true, LockFile: os.Getenv("RELEASE_TEST_LOCK"), HandleSignals: true,
		StopGrace: time.Second, Logger: quietLogger()}
	return ExitCode(m.Run(context.Background()))
}

// withEnv returns w with more variables in its environment.
func withEnv(w Worker, env ...string) Worker {
	w.Env = append(slices.Clip(w.Env), env...)
	return w
}

// daemonExit waits, at most 20 s, for the daemon pid (this process's
// child by the subreaper rule) to exit by itself, and returns its wait
// status.
func daemonExit(t *testing.T, pid int) syscall.WaitStatus {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		var ws syscall.WaitStatus
		if got, err := syscall.Wait4(pid, &ws, syscall.WNOHANG, nil); got == pid || err != nil {
			return ws
		}
	}
	syscall.Kill(pid, syscall.SIGKILL)
	t.Fatalf("daemon %d did not exit within 20 s", pid)
	return 0
}

// TestBackgroundMasterReadyWhenEveryWorkerIs: the starting command of a
// Background Master whose 8 workers take 200 ms each to get ready
// returns success only once all 8 said so, within 1 s.
func TestBackgroundMasterReadyWhenEveryWorkerIs(t *testing.T) {
	const workers, readyAfter = 8, 200 * time.Millisecond
	dir := t.TempDir()
	marks, lock := filepath.Join(dir, "marks"), filepath.Join(dir, "bg.pid")
	if err := os.Mkdir(marks, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := helperCommand(t, "master-bg-ready", "RELEASE_TEST_LOCK="+lock, "RELEASE_TEST_MARKS="+marks,
		"RELEASE_TEST_WORKERS="+strconv.Itoa(workers), "RELEASE_TEST_READY_AFTER="+readyAfter.String())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	err := runWithin(cmd, 20*time.Second)
	took := time.Since(start)
	ents, _ := os.ReadDir(marks) // read at once: how many were ready when it returned
	b, _ := os.ReadFile(lock)
	if daemon, perr := strconv.Atoi(strings.TrimSpace(string(b))); perr == nil {
		defer stopDaemon(t, daemon)
	}
	if err != nil {
		t.Fatalf("starting the background master: %v; stderr: %s", err, stderr.String())
	}
	t.Logf("the starting command returned success after %v, with %d/%d workers ready (each takes %v)",
		took.Round(time.Millisecond), len(ents), workers, readyAfter)
	if len(ents) != workers {
		t.Errorf("%d of %d workers had got ready when the starting command returned", len(ents), workers)
	}
	if took < readyAfter || took >= time.Second {
		t.Errorf("the starting command returned after %v, want at least %v and less than 1 s", took, readyAfter)
	}
}

// TestBackgroundMasterFailsWithTheWorkersError: when one worker of
// several fails its start, the starting command exits non-zero with the
// worker's own words on its stderr, every time; the daemon exits 69.
func TestBackgroundMasterFailsWithTheWorkersError(t *testing.T) {
	const runs = 20
	good := 0
	var codes []int
	for i := range runs {
		how := [...]string{"return", "fail-exit", "fail"}[i%3]
		text := fmt.Sprintf("cannot open the database (run %d, %s)", i, how)
		dir := t.TempDir()
		pidfile := filepath.Join(dir, "daemon")
		cmd := helperCommand(t, "master-bg-ready", "RELEASE_TEST_LOCK="+filepath.Join(dir, "bg.pid"),
			"RELEASE_TEST_WORKERS=3", "RELEASE_TEST_READY_AFTER=20ms", "RELEASE_TEST_PIDFILE="+pidfile,
			"RELEASE_TEST_FAIL_HOW="+how, "RELEASE_TEST_FAIL_TEXT="+text)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := runWithin(cmd, 20*time.Second)
		ee, exited := errors.AsType[*exec.ExitError](err)
		code := -1
		if b, rerr := os.ReadFile(pidfile); rerr == nil {
			if pid, perr := strconv.Atoi(string(b)); perr == nil {
				code = daemonExit(t, pid).ExitStatus()
			}
		}
		codes = append(codes, code)
		switch {
		case !exited || ee.ExitCode() == 0:
			t.Errorf("run %d (%s): the starting command ended with %v, want a non-zero exit", i, how, err)
		case !strings.Contains(stderr.String(), "failed to start: "+text):
			t.Errorf("run %d (%s): the starting command's stderr lacks %q:\n%s", i, how, text, stderr.String())
		case code != ExitStartFailed:
			t.Errorf("run %d (%s): the daemon exited %d, want %d", i, how, code, ExitStartFailed)
		default:
			good++
		}
	}
	t.Logf("%d/%d starting commands exited non-zero with the failing worker's error on stderr; daemons' exit codes %v",
		good, runs, codes)
}

// TestWorkerInitFailureFailsRun: a foreground Run whose worker fails its
// start returns a *StartError with the worker's text, which ExitCode maps
// to 69, whether main returned the error or called Fail, even when the
// worker exits at once after saying why.
func TestWorkerInitFailureFailsRun(t *testing.T) {
	for _, tc := range []struct {
		how  string
		runs int
	}{{"return", 50}, {"fail-exit", 50}, {"fail", 10}} {
		t.Run(tc.how, func(t *testing.T) {
			how, runs := tc.how, tc.runs
			good := 0
			for i := range runs {
				text := fmt.Sprintf("no such config key (run %d, %s)", i, how)
				m := &Master{Workers: []Worker{
					withEnv(testWorker(t, "worker-ready-after", 3, nil), "RELEASE_TEST_READY_AFTER=0s"),
					withEnv(testWorker(t, "worker-init-fail", 1, nil), "RELEASE_TEST_FAIL_HOW="+how, "RELEASE_TEST_FAIL_TEXT="+text),
				}, StopGrace: time.Second, Logger: quietLogger()}
				ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
				err := m.Run(ctx)
				cancel()
				se, ok := errors.AsType[*StartError](err)
				switch {
				case !ok:
					t.Errorf("run %d: Run = %v, want a *StartError", i, err)
				case se.Reason != text || se.Worker != "worker-init-fail" || se.PID == 0:
					t.Errorf("run %d: %#v, want worker-init-fail's reason %q", i, se, text)
				case ExitCode(err) != ExitStartFailed || !errors.Is(err, ErrStartFailed):
					t.Errorf("run %d: ExitCode = %d, want %d", i, ExitCode(err), ExitStartFailed)
				default:
					good++
				}
			}
			t.Logf("%d/%d Runs returned the worker's StartError (exit code %d)", good, runs, ExitStartFailed)
		})
	}
}

// TestWorkerNotReadyWithinStartTimeout: a worker that never says it is
// ready is stopped once its StartTimeout passes, and Run fails with a
// StartError that says so.
func TestWorkerNotReadyWithinStartTimeout(t *testing.T) {
	const timeout = 300 * time.Millisecond
	never := testWorker(t, "worker-never-ready", 1, nil)
	never.StartTimeout = timeout
	var mu sync.Mutex
	var events []Event
	m := &Master{Workers: []Worker{never, withEnv(testWorker(t, "worker-ready-after", 1, nil), "RELEASE_TEST_READY_AFTER=0s")},
		StopGrace: time.Second, Logger: quietLogger(),
		Events: func(e Event) { mu.Lock(); events = append(events, e); mu.Unlock() }}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	start := time.Now()
	err := m.Run(ctx)
	took := time.Since(start)
	se, ok := errors.AsType[*StartError](err)
	if !ok || se.Worker != "worker-never-ready" || !strings.Contains(se.Reason, "not ready within 300ms (StartTimeout)") {
		t.Fatalf("Run = %v, want a StartError for worker-never-ready saying it was not ready within 300ms", err)
	}
	if ExitCode(err) != ExitStartFailed {
		t.Errorf("ExitCode = %d, want %d", ExitCode(err), ExitStartFailed)
	}
	if took < timeout || took > timeout+m.StopGrace+10*time.Second {
		t.Errorf("Run returned after %v, want between %v and %v", took, timeout, timeout+m.StopGrace+10*time.Second)
	}
	mu.Lock()
	defer mu.Unlock()
	var stop StopReason
	for _, e := range events {
		if e.Kind == Exited && e.PID == se.PID {
			stop = e.Stop
		}
	}
	if stop != StopStartFailed {
		t.Errorf("the worker's Exited event gives the reason %q, want %q", stop, StopStartFailed)
	}
	if alive(se.PID) {
		t.Errorf("worker %d is still alive", se.PID)
	}
	t.Logf("Run failed after %v (StartTimeout %v): %v", took.Round(time.Millisecond), timeout, err)
}
