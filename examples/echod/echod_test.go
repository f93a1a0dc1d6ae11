package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/release-daemon/release/internal/ctlwire"
)

// setup is one test's echod: the binaries, and the settings file that
// points its control socket and lock file into a fresh directory.
type setup struct {
	echod, ctl, sock, lock, conf string
}

// releasectl returns a function that runs releasectl with -json, extra
// and its arguments on su's control socket, and fails the test unless the
// answer is OK. echod prints its address a moment before its Master binds
// the control socket: while there is none yet, it asks again, for up to
// 10 s.
func (su setup) releasectl(t *testing.T, extra ...string) func(...string) ctlwire.Response {
	return func(args ...string) ctlwire.Response {
		t.Helper()
		argv := append(append([]string{"-socket", su.sock, "-json"}, extra...), args...)
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			b, err := exec.Command(su.ctl, argv...).Output()
			var r ctlwire.Response
			if jerr := json.Unmarshal(b, &r); jerr == nil && err == nil && r.OK {
				return r
			}
			var stderr []byte
			if ee, ok := err.(*exec.ExitError); ok {
				stderr = ee.Stderr
			}
			if !strings.Contains(string(stderr), "no control socket") || time.Now().After(deadline) {
				t.Fatalf("releasectl %v: %q, %v; stderr %q", args, b, err, stderr)
			}
		}
	}
}

// newSetup builds echod and releasectl and writes a settings file with a
// free port, the given worker count, and paths in a short temporary
// directory (a socket path has a length limit).
func newSetup(t *testing.T, workers int) setup {
	t.Helper()
	dir, err := os.MkdirTemp("", "ed")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	s := setup{sock: filepath.Join(dir, "ctl"), lock: filepath.Join(dir, "pid"), conf: filepath.Join(dir, "echod.conf")}
	s.echod, s.ctl = build(t, dir)
	os.WriteFile(s.conf, []byte(`listen = "127.0.0.1:0"  workers = `+strconv.Itoa(workers)+
		`  control = "`+s.sock+`"  lock = "`+s.lock+`"  log_level = warning`), 0o644)
	return s
}

// build compiles echod and releasectl for the end-to-end test.
func build(t *testing.T, dir string) (echod, ctl string) {
	t.Helper()
	echod, ctl = filepath.Join(dir, "echod"), filepath.Join(dir, "releasectl")
	for out, pkg := range map[string]string{echod: ".", ctl: "../../cmd/releasectl"} {
		if msg, err := exec.Command("go", "build", "-o", out, pkg).CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", pkg, err, msg)
		}
	}
	return echod, ctl
}

// TestEndToEnd starts echod in the foreground, talks to it over TCP and
// with releasectl, kills a worker and sees it replaced, broadcasts,
// reloads, stops it, and checks nothing is left behind.
func TestEndToEnd(t *testing.T) {
	su := newSetup(t, 2)
	sock, lock := su.sock, su.lock
	cmd := exec.Command(su.echod, "-config", su.conf)
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	addr := listeningOn(t, out)
	ctl := su.releasectl(t)
	first := waitWorkers(t, ctl, 2, nil)
	if got := echo(t, addr, "hello\nworld\n"); got != "HELLO\nWORLD\n" {
		t.Fatalf("echod answered %q", got)
	}
	checkWorkerUser(t, first)
	checkSandboxed(t, first, true)
	syscall.Kill(first[0], syscall.SIGKILL)
	second := waitWorkers(t, ctl, 2, first[:1])
	if r := ctl("broadcast", "hello workers"); string(r.Data) != `{"sent":2}` {
		t.Errorf("broadcast: %s", r.Data)
	}
	ctl("reload")
	waitWorkers(t, ctl, 2, second)
	ctl("stop")
	if err := waitExit(cmd, 20*time.Second); err != nil {
		t.Fatalf("echod after stop: %v", err)
	}
	for _, p := range []string{sock, lock} {
		if _, err := os.Lstat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s is left after stop", p)
		}
	}
	for _, pid := range append(first, second...) {
		if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); err == nil {
			t.Errorf("worker %d is left after stop", pid)
		}
	}
}

// listeningOn reads echod's first line for the address it listens on.
func listeningOn(t *testing.T, out io.Reader) string {
	t.Helper()
	line, err := bufio.NewReader(out).ReadString('\n')
	_, rest, ok := strings.Cut(line, "listening on ")
	if err != nil || !ok {
		t.Fatalf("echod said %q, %v", line, err)
	}
	addr, _, _ := strings.Cut(rest, " ")
	return addr
}

// waitWorkers polls status until n workers are ready, none of them in
// gone.
func waitWorkers(t *testing.T, ctl func(...string) ctlwire.Response, n int, gone []int) []int {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var s ctlwire.Status
		json.Unmarshal(ctl("status").Data, &s)
		var pids []int
		for _, w := range s.Workers {
			if w.State == "ready" && !slices.Contains(gone, w.PID) {
				pids = append(pids, w.PID)
			}
		}
		if len(pids) == n && len(s.Workers) == n {
			return pids
		}
		if time.Now().After(deadline) {
			t.Fatalf("status %+v: want %d workers other than %v", s, n, gone)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func echo(t *testing.T, addr, lines string) string {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	c.Write([]byte(lines))
	got := make([]byte, len(lines))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	return string(got)
}

// checkWorkerUser: as root, the workers run as nobody.
func checkWorkerUser(t *testing.T, pids []int) {
	t.Helper()
	if os.Geteuid() != 0 {
		return
	}
	for _, pid := range pids {
		b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
		for line := range strings.Lines(string(b)) {
			if strings.HasPrefix(line, "Uid:") && !strings.Contains(line, "65534") {
				t.Errorf("worker %d: %s", pid, strings.TrimSpace(line))
			}
		}
	}
}

func waitExit(cmd *exec.Cmd, d time.Duration) error {
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		cmd.Process.Kill()
		return errors.New("did not exit in time")
	}
}

// TestDaemonMode: `echod -d` with the shipped settings (a fixed port)
// returns once the workers are up, having printed the address the daemon
// listens on, with the daemon's PID in the lock file; a second `echod -d`
// fails with the lock's error, one on the same port with the bind error,
// both on the terminal; `releasectl stop` ends the daemon and its workers
// cleanly.
func TestDaemonMode(t *testing.T) {
	su := newSetup(t, 2)
	ctlBin, sock, lock := su.ctl, su.sock, su.lock
	conf, addr := shippedConfig(t, sock, lock)
	code, stdout, stderr := startEchod(t, su.echod, conf)
	t.Logf("echod -d: exit %d, stdout %q", code, stdout)
	if code != 0 {
		t.Fatalf("echod -d exited %d; stderr:\n%s", code, stderr)
	}
	if !strings.HasPrefix(stdout, "echod: listening on "+addr+" ") {
		t.Errorf("echod -d printed %q, want the configured address %s", stdout, addr)
	}
	b, _ := os.ReadFile(lock)
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || syscall.Kill(pid, 0) != nil {
		t.Fatalf("the lock file holds %q: no running daemon", b)
	}
	t.Cleanup(func() {
		if running(pid) { // the test failed before it stopped the daemon
			syscall.Kill(pid, syscall.SIGTERM)
		}
	})
	if got := echo(t, listeningOn(t, strings.NewReader(stdout)), "daemon\n"); got != "DAEMON\n" {
		t.Errorf("the daemon answered %q", got)
	}
	if code, _, stderr := startEchod(t, su.echod, conf); code != 1 || !strings.Contains(stderr, "held by another process (pid "+strconv.Itoa(pid)+")") {
		t.Errorf("a second echod -d: exit %d, stderr %q; want 1 and the lock's holder", code, stderr)
	}
	other := strings.NewReplacer(sock, sock+"2", lock, lock+"2").Replace(readFile(t, conf))
	os.WriteFile(conf+"2", []byte(other), 0o644)
	if code, _, stderr := startEchod(t, su.echod, conf+"2"); code != 1 || !strings.Contains(stderr, "address already in use") {
		t.Errorf("echod -d on a bound port: exit %d, stderr %q; want 1 and the daemon's bind error", code, stderr)
	}
	if out, err := exec.Command(ctlBin, "-socket", sock, "status").CombinedOutput(); err != nil || !strings.Contains(string(out), "worker") {
		t.Fatalf("releasectl status: %v\n%s", err, out)
	}
	workers := childrenOf(pid)
	if len(workers) != 2 {
		t.Errorf("the daemon has children %v, want its 2 workers", workers)
	}
	if out, err := exec.Command(ctlBin, "-socket", sock, "stop").CombinedOutput(); err != nil {
		t.Fatalf("releasectl stop: %v\n%s", err, out)
	}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		_, err := os.Lstat(lock)
		if errors.Is(err, os.ErrNotExist) && !running(pid) && !slices.ContainsFunc(workers, running) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the daemon did not stop, remove its lock file and end its workers %v", workers)
		}
	}
}

// childrenOf lists the live processes whose parent is pid.
func childrenOf(pid int) []int {
	ents, _ := os.ReadDir("/proc")
	var kids []int
	for _, e := range ents {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// After the command's closing parenthesis: state, then the parent.
		f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
		if len(f) > 1 && f[1] == strconv.Itoa(pid) && running(child) {
			kids = append(kids, child)
		}
	}
	return kids
}

// shippedConfig writes echod.conf beside this file into the test's
// directory with its control socket and lock file there and its port
// replaced by a free one, and returns the copy's name relative to that
// directory, where echod runs, and the address it names.
func shippedConfig(t *testing.T, sock, lock string) (name, addr string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr = ln.Addr().String()
	ln.Close()
	var out strings.Builder
	for line := range strings.Lines(readFile(t, "echod.conf")) {
		key, _, _ := strings.Cut(line, "=")
		switch strings.TrimSpace(key) {
		case "listen":
			line = `listen = "` + addr + "\"\n"
		case "control":
			line = `control = "` + sock + "\"\n"
		case "lock":
			line = `lock = "` + lock + "\"\n"
		}
		out.WriteString(line)
	}
	name = filepath.Join(filepath.Dir(lock), "shipped.conf")
	if err := os.WriteFile(name, []byte(out.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return name, addr
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// startEchod runs `echod -d -config conf` from conf's directory, naming
// conf relatively (the daemon runs main again there), within 20 s.
func startEchod(t *testing.T, echod, conf string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(echod, "-d", "-config", filepath.Base(conf))
	cmd.Dir = filepath.Dir(conf)
	var out, errs strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if err := waitExit(cmd, 20*time.Second); err != nil {
		ee, ok := errors.AsType[*exec.ExitError](err)
		if !ok {
			t.Fatalf("echod -d: %v", err)
		}
		code = ee.ExitCode()
	}
	return code, out.String(), errs.String()
}

// running reports whether pid is a live process (not gone, not a zombie
// waiting for whoever its parent now is).
func running(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	return err == nil && !strings.Contains(string(b[strings.LastIndexByte(string(b), ')'):]), ") Z ")
}
