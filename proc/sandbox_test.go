package proc

import (
	"context"
	"errors"
	"fmt"
	"golang.org/x/sys/unix"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/release-daemon/release/csrc"
	"github.com/release-daemon/release/proc/sandbox"
)

// TestSandboxBadSpecFailsRun: a Worker whose Sandbox does not parse
// fails Run before any worker starts, naming the worker and the clause.
func TestSandboxBadSpecFailsRun(t *testing.T) {
	w := testWorker(t, "worker-upper", 1, nil)
	w.Name, w.Sandbox = "boxed", "stdio frobnicate"
	m := &Master{Workers: []Worker{w}, Logger: quietLogger()}
	_, done := runMaster(t, m)
	select {
	case err := <-done:
		if !errors.Is(err, sandbox.ErrSpec) || !strings.Contains(err.Error(), `worker "boxed"`) {
			t.Fatalf("Run with a bad spec: %v; want sandbox.ErrSpec naming the worker", err)
		}
		t.Logf("Run refused the spec: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("Run with a bad spec did not return within 20 s")
	}
}

// sandboxResult is what the test's handler saw of one sandboxed worker.
type sandboxResult struct {
	pid     int
	answers []string // to the commands, in order
	modes   []string // the Seccomp line of each of its threads
	later   string   // the answer to a ping after some heartbeats
	err     error
}

// runSandboxed runs two lives of a sandboxed worker under spec (the first
// exits cleanly after the commands, the second is its restart) and
// returns what each answered.
func runSandboxed(t *testing.T, spec string, cmds []string) []sandboxResult {
	t.Helper()
	const heartbeat = 100 * time.Millisecond
	results := make(chan sandboxResult, 4)
	var lives atomic.Int32
	handler := func(ctx context.Context, p Peer) error {
		r := sandboxResult{pid: p.PID}
		for _, cmd := range cmds {
			ans, err := sandboxCall(ctx, p.Conn, cmd)
			if err != nil {
				r.err = fmt.Errorf("%s: %w", cmd, err)
				break
			}
			r.answers = append(r.answers, ans)
		}
		r.modes, _ = seccompModes(p.PID)
		if r.err == nil {
			time.Sleep(6 * heartbeat) // a worker that did not answer them is hung by now
			r.later, r.err = sandboxCall(ctx, p.Conn, "ping")
		}
		results <- r
		if lives.Add(1) == 1 {
			p.Conn.Write([]byte("exit"))
		}
		<-ctx.Done()
		return nil
	}
	w := testWorker(t, "worker-sandboxed", 1, handler)
	w.Sandbox, w.Heartbeat = spec, heartbeat
	m := &Master{Workers: []Worker{w}, Logger: quietLogger(), StopGrace: time.Second,
		Restart: RestartPolicy{Burst: 5, Interval: time.Minute}}
	stop, _ := runMaster(t, m)
	defer stop()
	var got []sandboxResult
	for range 2 {
		select {
		case r := <-results:
			got = append(got, r)
		case <-time.After(30 * time.Second):
			t.Fatalf("%d of 2 sandboxed workers answered within 30 s", len(got))
		}
	}
	return got
}

// checkSandboxed compares each life's answers with want, and checks that
// every thread of it was under the filter.
func checkSandboxed(t *testing.T, got []sandboxResult, cmds, want []string) {
	t.Helper()
	if got[0].pid == got[1].pid {
		t.Errorf("the same worker %d answered twice: no restart after its clean exit", got[0].pid)
	}
	for _, r := range got {
		if r.err != nil {
			t.Errorf("worker %d: %v (answers %q)", r.pid, r.err, r.answers)
			continue
		}
		for i, cmd := range cmds {
			if r.answers[i] != want[i] {
				t.Errorf("worker %d: %s: %q, want %q", r.pid, cmd, r.answers[i], want[i])
			}
		}
		if r.later != "ok" {
			t.Errorf("worker %d after heartbeats: %q", r.pid, r.later)
		}
		filtered := 0
		for _, m := range r.modes {
			if m == "2" {
				filtered++
			}
		}
		if filtered != len(r.modes) || filtered < 2 {
			t.Errorf("worker %d: Seccomp modes of its threads %q, want all 2", r.pid, r.modes)
		}
		t.Logf("worker %d: %d/%d threads Seccomp: 2; answers %q", r.pid, filtered, len(r.modes), r.answers)
	}
}

// TestSandboxedWorkerStdio: a worker under "stdio" cannot open a file
// (EACCES), make an internet socket or exec (EPERM), on a fresh thread
// too; every thread is filtered; it still answers frames and heartbeats,
// exits cleanly and is restarted, sandboxed again.
func TestSandboxedWorkerStdio(t *testing.T) {
	exe, _ := os.Executable()
	file := filepath.Join(t.TempDir(), "readable")
	os.WriteFile(file, []byte("x"), 0o644)
	cmds := []string{"route", "open " + file, "socket", "exec " + exe}
	want := []string{sandboxRoute(), unix.EACCES.Error(), unix.EPERM.Error(), unix.EPERM.Error()}
	checkSandboxed(t, runSandboxed(t, "stdio", cmds), cmds, want)
}

// TestSandboxedWorkerUnveil: under "stdio rpath" with one directory
// unveiled for reading, a worker opens a file there and not the test
// binary, from a thread started after the sandbox.
func TestSandboxedWorkerUnveil(t *testing.T) {
	exe, _ := os.Executable()
	dir := t.TempDir()
	file := filepath.Join(dir, "readable")
	os.WriteFile(file, []byte("x"), 0o644)
	cmds := []string{"route", "open " + file, "open " + exe, "socket"}
	want := []string{sandboxRoute(), "ok", unix.EACCES.Error(), unix.EPERM.Error()}
	checkSandboxed(t, runSandboxed(t, "stdio rpath; unveil "+dir+" r", cmds), cmds, want)
}

// sandboxRoute is who should apply a worker's sandbox in this build: the
// C shim before the runtime with cgo, Me without.
func sandboxRoute() string {
	if csrc.Enabled {
		return "shim"
	}
	return "go"
}

// TestSandboxFailureFailsTheStart: a sandbox the worker cannot enter (an
// unveiled path that does not exist) is a failed start in the worker's
// words, and main never runs.
func TestSandboxFailureFailsTheStart(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing")
	w := testWorker(t, "worker-sandboxed", 1, nil)
	w.Sandbox = "stdio; unveil " + missing + " r"
	m := &Master{Workers: []Worker{w}, Logger: quietLogger(), StopGrace: time.Second}
	_, done := runMaster(t, m)
	select {
	case err := <-done:
		se, ok := errors.AsType[*StartError](err)
		if !ok || !strings.Contains(se.Reason, "sandbox not applied") || !strings.Contains(se.Reason, missing) {
			t.Fatalf("Run = %v; want a StartError saying the sandbox failed on %s", err, missing)
		}
		t.Logf("the start failed: %s", se.Reason)
	case <-time.After(20 * time.Second):
		t.Fatal("a worker that cannot enter its sandbox did not fail Run's start within 20 s")
	}
}

// TestSandboxStrayVariable: RELEASE_SANDBOX naming an fd that is not a
// Master's sealed memfd (here an ordinary file) is refused, and the fd
// is left open for whoever owns it.
func TestSandboxStrayVariable(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "stray")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.WriteString("RSBX not a program")
	cmd := helperCommand(t, "sandbox-stray", sandboxEnv+"=4")
	cmd.ExtraFiles = []*os.File{nil, f}
	out, err := cmd.Output()
	if err != nil || !strings.HasPrefix(string(out), "sandbox error: true; fd 4 still the file: true;") {
		t.Fatalf("a stray %s: %q, %v; want ErrSandbox and fd 4 left alone", sandboxEnv, out, err)
	}
	t.Logf("%s", strings.TrimSpace(string(out)))
}
