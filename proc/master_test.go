package proc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/release-daemon/release/frame"
	"github.com/release-daemon/release/internal/testenv"
)

func init() {
	helpers["worker-upper"] = helperWorkerUpper
	helpers["worker-crash"] = func() int { return 1 }
	helpers["worker-exit2"] = func() int { return 2 }
	helpers["worker-env"] = helperWorkerEnv
	helpers["worker-files"] = helperWorkerFiles
	helpers["master"] = helperMaster
}

// helperMaster runs a Master of two upper-casing workers and prints their
// PIDs once both answer, then runs until killed.
func helperMaster() int {
	exe, _ := os.Executable()
	pids := make(chan int, 2)
	m := &Master{Workers: []Worker{{Name: "upper", Path: exe, Args: []string{"-test.run=^$"}, Count: 2,
		Env:     []string{helperEnv + "=worker-upper", "GORACE=atexit_sleep_ms=0"},
		Handler: upperHandler(pids)}}, Logger: quietLogger()}
	go m.Run(context.Background())
	fmt.Println(<-pids, <-pids)
	select {}
}

// helperWorkerUpper answers each frame with it upper-cased.
func helperWorkerUpper() int {
	err := Me(context.Background(), MeOptions{AllowRoot: true}, func(ctx context.Context, c *frame.Conn) error {
		Ready()
		for {
			p, err := c.Read()
			if err != nil {
				return err
			}
			if err := c.Write(bytes.ToUpper(p)); err != nil {
				return err
			}
		}
	})
	if errors.Is(err, io.EOF) {
		return 0
	}
	return 1
}

// helperWorkerFiles writes "from the worker" into each file it is sent.
func helperWorkerFiles() int {
	Me(context.Background(), MeOptions{AllowRoot: true, Frame: []frame.Option{frame.AcceptFiles}},
		func(ctx context.Context, c *frame.Conn) error {
			Ready()
			for {
				_, files, err := c.ReadFiles()
				if err != nil {
					return err
				}
				for _, f := range files {
					f.WriteString("from the worker")
					f.Close()
				}
			}
		})
	return 0
}

// helperWorkerEnv sends its environment, one variable per frame, then "".
func helperWorkerEnv() int {
	Me(context.Background(), MeOptions{AllowRoot: true}, func(ctx context.Context, c *frame.Conn) error {
		Ready()
		for _, kv := range os.Environ() {
			c.Write([]byte(kv))
		}
		c.Write(nil)
		_, err := c.Read() // until the master closes
		return err
	})
	return 0
}

// testWorker is a Worker that re-runs this test binary as the helper.
func testWorker(t *testing.T, helper string, count int, handler func(context.Context, Peer) error) Worker {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return Worker{Name: helper, Path: exe, Args: []string{"-test.run=^$"}, Count: count,
		Env: []string{helperEnv + "=" + helper, "GORACE=atexit_sleep_ms=0"}, Handler: handler,
		ReadyOnStart: neverReports[helper]}
}

// neverReports are the helpers that do not use Me, and so never say they
// are ready: their Workers count them ready once started, and they test
// what happens after.
var neverReports = map[string]bool{"worker-crash": true, "worker-exit2": true, "worker-flaky": true}

func quietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// runMaster runs m in the background; the returned func stops it and
// returns Run's result.
func runMaster(t *testing.T, m *Master) (stop func() error, done <-chan error) {
	ctx, cancel := context.WithCancel(t.Context())
	ch := make(chan error, 1)
	go func() { ch <- m.Run(ctx) }()
	return func() error {
		cancel()
		select {
		case err := <-ch:
			return err
		case <-time.After(30 * time.Second):
			t.Fatal("the master did not stop within 30 s")
			return nil
		}
	}, ch
}

// upperHandler asks a worker to upper-case "hello" and reports its PID.
func upperHandler(pids chan<- int) func(context.Context, Peer) error {
	return func(ctx context.Context, p Peer) error {
		if err := p.Conn.Write([]byte("hello")); err != nil {
			return err
		}
		got, err := p.Conn.Read()
		if err != nil || string(got) != "HELLO" {
			return fmt.Errorf("worker answered %q, %v", got, err)
		}
		pids <- p.PID
		<-ctx.Done()
		return nil
	}
}

func waitPIDs(t *testing.T, pids <-chan int, n int) []int {
	t.Helper()
	var got []int
	for range n {
		select {
		case pid := <-pids:
			got = append(got, pid)
		case <-time.After(20 * time.Second):
			t.Fatalf("only %d of %d workers answered within 20 s", len(got), n)
		}
	}
	return got
}

func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	return err == nil && !strings.Contains(string(b[bytes.LastIndexByte(b, ')'):]), ") Z ")
}

func TestMasterServesAndStopsWorkers(t *testing.T) {
	pids := make(chan int, 8)
	m := &Master{Workers: []Worker{testWorker(t, "worker-upper", 2, upperHandler(pids))}, Logger: quietLogger(), StopGrace: time.Second}
	stop, _ := runMaster(t, m)
	got := waitPIDs(t, pids, 2)
	if err := stop(); err != nil {
		t.Fatalf("Run after its context ended: %v, want nil", err)
	}
	for _, pid := range got {
		if alive(pid) {
			t.Errorf("worker %d is still alive after the master stopped", pid)
		}
	}
}

func TestKilledWorkerIsReplaced(t *testing.T) {
	pids := make(chan int, 8)
	m := &Master{Workers: []Worker{testWorker(t, "worker-upper", 1, upperHandler(pids))}, Logger: quietLogger()}
	stop, _ := runMaster(t, m)
	defer stop()
	first := waitPIDs(t, pids, 1)[0]
	start := time.Now()
	syscall.Kill(first, syscall.SIGKILL)
	second := waitPIDs(t, pids, 1)[0]
	if second == first {
		t.Fatal("the same worker answered twice")
	}
	t.Logf(`{"test":"kill -9 a worker","figures":{"replacement_serving_ms":%d}}`, time.Since(start).Milliseconds())
}

func TestCrashingWorkerHitsTheLimit(t *testing.T) {
	m := &Master{Workers: []Worker{testWorker(t, "worker-crash", 1, nil)},
		Restart: RestartPolicy{Burst: 5, Interval: 10 * time.Second}, Logger: quietLogger()}
	_, done := runMaster(t, m)
	select {
	case err := <-done:
		if !errors.Is(err, ErrRestartLimit) {
			t.Fatalf("Run = %v, want ErrRestartLimit", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("a worker crashing at start did not stop the master within 20 s")
	}
}

func TestFailWorkerKeepsTheOthers(t *testing.T) {
	pids := make(chan int, 8)
	m := &Master{Workers: []Worker{
		testWorker(t, "worker-crash", 1, nil),
		testWorker(t, "worker-upper", 1, upperHandler(pids)),
	}, Restart: RestartPolicy{Burst: 3, Interval: 10 * time.Second, OnLimit: FailWorker}, Logger: quietLogger()}
	stop, done := runMaster(t, m)
	pid := waitPIDs(t, pids, 1)[0]
	select {
	case err := <-done:
		t.Fatalf("the master stopped: %v", err)
	case <-time.After(2 * time.Second): // the crashing worker has failed by now
	}
	if !alive(pid) {
		t.Fatal("the healthy worker died with the failing one")
	}
	stop()
}

func TestWorkerEnvironment(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", "/run/systemd/notify")
	t.Setenv("LISTEN_FDS", "1")
	t.Setenv("SECRET_TOKEN", "do-not-pass")
	t.Setenv("TZ", "Europe/Paris")
	envs := make(chan []string, 1)
	m := &Master{Workers: []Worker{testWorker(t, "worker-env", 1, func(ctx context.Context, p Peer) error {
		var env []string
		for {
			kv, err := p.Conn.ReadCopy()
			if err != nil || len(kv) == 0 {
				break
			}
			env = append(env, string(kv))
		}
		envs <- env
		<-ctx.Done()
		return nil
	})}, Logger: quietLogger()}
	stop, _ := runMaster(t, m)
	defer stop()
	var env []string
	select {
	case env = <-envs:
	case <-time.After(20 * time.Second):
		t.Fatal("the worker sent no environment")
	}
	got := strings.Join(env, "\n")
	for _, banned := range []string{"NOTIFY_SOCKET", "LISTEN_FDS", "SECRET_TOKEN", workerEnv} {
		if strings.Contains(got, banned+"=") {
			t.Errorf("the worker's environment has %s", banned)
		}
	}
	if !strings.Contains(got, "TZ=Europe/Paris") {
		t.Errorf("the worker's environment lacks the kept TZ:\n%s", got)
	}
}

// TestMasterKilledTakesItsWorkers: SIGKILL to the master leaves no worker
// alive (the parent-death signal, armed from the spawning thread).
func TestMasterKilledTakesItsWorkers(t *testing.T) {
	cmd := helperCommand(t, "master")
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var a, b int
	if _, err := fmt.Fscan(out, &a, &b); err != nil {
		cmd.Process.Kill()
		t.Fatalf("the master helper printed no worker PIDs: %v", err)
	}
	start := time.Now()
	cmd.Process.Kill()
	cmd.Wait()
	for _, pid := range []int{a, b} {
		for alive(pid) {
			if time.Since(start) > 5*time.Second {
				t.Fatalf("worker %d outlived its SIGKILLed master by 5 s", pid)
			}
			time.Sleep(10 * time.Millisecond)
		}
		syscall.Wait4(pid, nil, syscall.WNOHANG, nil) // reparented to this subreaper
	}
	t.Logf(`{"test":"SIGKILL the master","figures":{"last_worker_gone_ms":%d}}`, time.Since(start).Milliseconds())
}

// TestMasterRefusesBadWorkers: every problem is reported before anything
// starts, all at once.
func TestMasterRefusesBadWorkers(t *testing.T) {
	exe, _ := os.Executable()
	notExec := t.TempDir() + "/plain"
	os.WriteFile(notExec, []byte("#!/bin/sh\n"), 0o644)
	openJail := t.TempDir()
	os.Chmod(openJail, 0o777)
	m := &Master{Workers: []Worker{
		{Name: "ghost", Path: "/nonexistent/worker"},
		{Name: "plain", Path: notExec},
		{Name: "as-root", Path: exe, User: "root"},
		{Name: "open-jail", Path: "/", Chroot: openJail},
	}, Logger: quietLogger()}
	err := m.Run(t.Context())
	for _, want := range []error{os.ErrNotExist, os.ErrPermission, ErrRootTarget, ErrUnsafeJail} {
		if !errors.Is(err, want) {
			t.Errorf("Run's error %v does not report %v", err, want)
		}
	}
}

func TestMeOutsideAMaster(t *testing.T) {
	if err := Me(t.Context(), MeOptions{}, nil); !errors.Is(err, ErrNotWorker) {
		t.Fatalf("Me in a process no master started: %v", err)
	}
}

// TestWorkerRunsAsItsUser: as root, a Worker with User runs as that user
// on every thread from its start, with no groups of root's, no
// capabilities, and no-new-privileges on every thread.
func TestWorkerRunsAsItsUser(t *testing.T) {
	u := testenv.TestUser(t)
	exe := copyExecutable(t)
	pids := make(chan int, 2)
	w := testWorker(t, "worker-upper", 1, upperHandler(pids))
	w.Path, w.User = exe, testenv.UserName
	m := &Master{Workers: []Worker{w}, Logger: quietLogger()}
	stop, _ := runMaster(t, m)
	defer stop()
	pid := waitPIDs(t, pids, 1)[0]
	ids := func(id string) string { return id + " " + id + " " + id + " " + id }
	tasks := taskStatuses(pid)
	if len(tasks) < 2 {
		t.Fatalf("only %d threads in the worker", len(tasks))
	}
	for tid, st := range tasks {
		if st["Uid"] != ids(u.Uid) || st["Gid"] != ids(u.Gid) || st["Groups"] != u.Gid {
			t.Errorf("worker thread %s: Uid %q Gid %q Groups %q", tid, st["Uid"], st["Gid"], st["Groups"])
		}
		if st["CapEff"] != "0000000000000000" || st["NoNewPrivs"] != "1" {
			t.Errorf("worker thread %s: CapEff %s NoNewPrivs %q", tid, st["CapEff"], st["NoNewPrivs"])
		}
	}
}

// copyExecutable copies this test binary where any user may run it.
func copyExecutable(t *testing.T) string {
	t.Helper()
	exe, _ := os.Executable()
	b, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "relw")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	path := dir + "/worker.test"
	if err := os.WriteFile(path, b, 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestWorkerGetsFiles(t *testing.T) {
	got := make(chan string, 1)
	w := testWorker(t, "worker-files", 1, func(ctx context.Context, p Peer) error {
		r, wr, _ := os.Pipe()
		defer r.Close()
		err := p.Conn.WriteFiles([]byte("a pipe"), wr)
		wr.Close()
		if err != nil {
			return err
		}
		b, _ := io.ReadAll(r)
		got <- string(b)
		<-ctx.Done()
		return nil
	})
	w.AcceptFiles = true
	stop, _ := runMaster(t, &Master{Workers: []Worker{w}, Logger: quietLogger()})
	defer stop()
	select {
	case s := <-got:
		if s != "from the worker" {
			t.Fatalf("the worker wrote %q through the passed pipe", s)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("nothing came back through the passed pipe")
	}
}
