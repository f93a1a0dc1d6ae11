package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/release-daemon/release/internal/ctlwire"
)

// TestSystemd runs echod under a real systemd, PID 1 of a container
// (scripts/systemd-test.sh, `make systemd`): start gated on readiness,
// reloads that return once new workers serve (ExecReload= and
// Type=notify-reload), a clean stop, a killed master restarted without
// orphans, a broken setting that shows and is not retried, the daemonizing
// variant, socket activation, systemd's watchdog
// (systemd_watchdog_test.go), and an upgrade in place
// (systemd_upgrade_test.go).
func TestSystemd(t *testing.T) {
	rootfs := os.Getenv(rootfsEnv)
	if rootfs == "" {
		t.Skip(rootfsEnv + " is not set: run scripts/systemd-test.sh (make systemd) as root")
	}
	dir := stage(t)
	c := boot(t, rootfs, dir)
	c.run("sh", "-c", "cp /opt/echod/echod /opt/echod/releasectl /usr/local/bin/ && cp /opt/echod/echod.conf /etc/ && "+
		"cp /opt/echod/*.service /opt/echod/*.socket /etc/systemd/system/ && systemctl daemon-reload")
	steps := []struct {
		name string
		f    func(*testing.T, *container)
	}{
		{"NotifyStart", testNotifyStart}, {"Reload", testReload}, {"Stop", testStop},
		{"KilledMaster", testKilledMaster}, {"NotifyReload", testNotifyReload},
		{"BrokenConfig", testBrokenConfig}, {"Forking", testForking}, {"SocketActivation", testSocketActivation},
		{"WatchdogHealthy", testWatchdogHealthy}, {"WatchdogFrozenWorker", testWatchdogFrozenWorker},
		{"WatchdogUnhealthy", testWatchdogUnhealthy}, {"WatchdogFrozenMaster", testWatchdogFrozenMaster},
		{"Upgrade", testUpgrade},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			c.t = t
			defer func() { c.t = t }()
			c.run("sh", "-c", "systemctl stop echod.socket echod echod-notify-reload echod-forking echod-watchdog; "+
				"systemctl reset-failed; cp /opt/echod/echod.conf /etc/echod.conf; rm -f "+sickFile)
			s.f(t, c)
		})
	}
}

// stage builds echod (static, with cgo for -d) and releasectl, and gathers
// them with the units and settings in a directory for the container.
func stage(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "echod-systemd")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755) // the workers, as nobody, exec echod from it
	builds := [][]string{
		{"CGO_ENABLED=1", "-tags", "osusergo,netgo", "-ldflags", "-extldflags -static", "-o", filepath.Join(dir, "echod"), "."},
		{"CGO_ENABLED=1", "-tags", "osusergo,netgo", "-ldflags", "-extldflags -static -X main.version=v2", "-o", filepath.Join(dir, "echod.v2"), "."},
		{"CGO_ENABLED=0", "-o", filepath.Join(dir, "releasectl"), "../../cmd/releasectl"},
	}
	for _, b := range builds {
		cmd := exec.Command("go", append([]string{"build"}, b[1:]...)...)
		cmd.Env = append(os.Environ(), b[0])
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %q: %v\n%s", b, err, out)
		}
	}
	for _, f := range []string{"echod.conf", "echod.service", "echod-notify-reload.service", "echod-forking.service", "echod-watchdog.service", "echod.socket"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, f), b, 0o644)
	}
	return dir
}

// status asks the daemon in the container for its status.
func (c *container) status() ctlwire.Status {
	c.t.Helper()
	return c.parseStatus(c.run("releasectl", "status", "-json"))
}

// reloadStatus reloads unit and asks for the status the moment systemctl
// returns, in one shell, so that nothing slows the question down.
func (c *container) reloadStatus(unit string) ctlwire.Status {
	c.t.Helper()
	out, err := c.runErr(30*time.Second, "sh", "-c", "systemctl reload "+unit+" && exec releasectl status -json")
	if err != nil {
		c.t.Fatalf("systemctl reload %s: %v\n%s\n%s", unit, err, out, c.unitStatus(unit))
	}
	return c.parseStatus(out)
}

func (c *container) parseStatus(out string) ctlwire.Status {
	c.t.Helper()
	var r ctlwire.Response
	var s ctlwire.Status
	if json.Unmarshal([]byte(out), &r) != nil || json.Unmarshal(r.Data, &s) != nil {
		c.t.Fatalf("releasectl status -json: %q", out)
	}
	return s
}

func workerPIDs(s ctlwire.Status) []int {
	var pids []int
	for _, w := range s.Workers {
		if w.PID != 0 {
			pids = append(pids, w.PID)
		}
	}
	return pids
}

// testNotifyStart: systemctl start returns only once echod answers.
func testNotifyStart(t *testing.T, c *container) {
	start := time.Now()
	c.run("systemctl", "start", "echod")
	took := time.Since(start)
	if err := c.echo("ready"); err != nil {
		t.Fatalf("systemctl start returned, but echod did not answer at once: %v", err)
	}
	s := c.status()
	if main := c.show("echod", "MainPID"); main != strconv.Itoa(s.PID) || len(s.Workers) != 2 {
		t.Fatalf("MainPID %s, status %+v: want the master's PID and 2 workers", main, s)
	}
	for _, pid := range workerPIDs(s) { // Delegate=yes: each worker in a cgroup of its own
		cg := c.run("cat", "/proc/"+strconv.Itoa(pid)+"/cgroup")
		if !strings.Contains(cg, "/echod.service/release."+strconv.Itoa(s.PID)+"-") {
			t.Errorf("worker %d is not in a cgroup of its own below the service's: %q", pid, cg)
		}
	}
	t.Logf("systemctl start took %v; echod answered at once, master %d, workers %v, each in its own cgroup", took.Round(time.Millisecond), s.PID, workerPIDs(s))
}

// testReload: after each of 40 systemctl reloads (ExecReload=releasectl reload)
// every worker is new, and a request made at once is served by one.
//
// A reload command that returns before the rolling restart ends (kill
// -HUP as ExecReload=) slips through only sometimes: systemd 257 also waits
// for READY=1 when RELOADING=1 comes before that command exits. 32 workers
// make a rolling restart long, and 40 reloads catch it (one in 14 did).
func testReload(t *testing.T, c *container) {
	c.run("sed", "-i", "s/^workers = .*/workers = 32/", "/etc/echod.conf")
	c.run("systemctl", "start", "echod")
	const reloads = 40
	before := workerPIDs(c.status())
	var slowest time.Duration
	for i := range reloads {
		start := time.Now()
		s := c.reloadStatus("echod")
		slowest = max(slowest, time.Since(start))
		now := c.checkNew(i+1, reloads, 32, before, s)
		if err := c.echo("after reload"); err != nil {
			t.Fatalf("reload %d/%d: %v", i+1, reloads, err)
		}
		c.servedBy(now)
		before = now
	}
	t.Logf("%d/%d reloads returned with new workers serving; slowest %v", reloads, reloads, slowest.Round(time.Millisecond))
}

// checkNew checks that s lists want workers and none of before.
func (c *container) checkNew(i, n, want int, before []int, s ctlwire.Status) []int {
	c.t.Helper()
	now := workerPIDs(s)
	for _, p := range now {
		if slices.Contains(before, p) {
			c.t.Fatalf("reload %d/%d returned while worker %d from before still ran: %+v", i, n, p, s)
		}
	}
	if len(now) != want {
		c.t.Fatalf("reload %d/%d returned with %d workers: %+v", i, n, len(now), s)
	}
	return now
}

// servedBy waits for a worker of pids to have counted a request.
func (c *container) servedBy(pids []int) {
	c.t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		s := c.status()
		for _, w := range s.Workers {
			if w.Requests > 0 && slices.Contains(pids, w.PID) {
				return
			}
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("no worker of %v counted the request: %+v", pids, s)
		}
	}
}

// testStop: systemctl stop leaves the unit inactive, not failed, with
// no process left.
func testStop(t *testing.T, c *container) {
	c.run("systemctl", "start", "echod")
	c.run("systemctl", "stop", "echod")
	c.checkStopped("echod")
}

// checkStopped checks that unit stopped cleanly and no echod runs.
func (c *container) checkStopped(unit string) {
	c.t.Helper()
	state, result := c.show(unit, "ActiveState"), c.show(unit, "Result")
	main, code := c.show(unit, "MainPID"), c.show(unit, "ExecMainStatus")
	if state != "inactive" || result != "success" || main != "0" {
		c.t.Fatalf("%s after stop: %s, result %s, MainPID %s, exit status %s; want inactive, success, 0\n%s",
			unit, state, result, main, code, c.unitStatus(unit))
	}
	if left := c.processes("echod"); len(left) > 0 {
		c.t.Fatalf("%s stopped, but echod processes are left: %v", unit, left)
	}
	c.t.Logf("%s: %s, result %s, exit status %s, MainPID 0, no echod process left", unit, state, result, code)
}

// unitStatus is systemctl status's report, for failures.
func (c *container) unitStatus(unit string) string {
	out, _ := c.runErr(30*time.Second, "systemctl", "status", "--no-pager", "-l", "-n", "0", unit)
	log, _ := c.runErr(30*time.Second, "journalctl", "--no-pager", "-u", unit, "-n", "20", "-o", "cat")
	return out + "\n" + log
}

// testKilledMaster: a master killed with SIGKILL is restarted
// (Restart=on-failure), and its workers do not stay behind.
func testKilledMaster(t *testing.T, c *container) {
	c.run("systemctl", "start", "echod")
	old := c.status()
	c.run("systemctl", "kill", "--kill-whom=main", "--signal=SIGKILL", "echod")
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		main := c.show("echod", "MainPID")
		if c.show("echod", "ActiveState") == "active" && main != "0" && main != strconv.Itoa(old.PID) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("echod was not restarted after its master was killed\n%s", c.unitStatus("echod"))
		}
	}
	if err := c.echo("restarted"); err != nil {
		t.Fatal(err)
	}
	now := c.status()
	for _, p := range workerPIDs(now) {
		if slices.Contains(workerPIDs(old), p) {
			t.Fatalf("worker %d of the killed master still runs: %+v", p, now)
		}
	}
	if n := len(c.processes("echod")); n != 3 {
		t.Fatalf("%d echod processes after the restart, want 3 (a master, 2 workers)", n)
	}
	t.Logf("master %d killed, restarted as %d (NRestarts %s); 3 echod processes, none of the old workers",
		old.PID, now.PID, c.show("echod", "NRestarts"))
}

// testNotifyReload: with Type=notify-reload, systemctl reload returns once
// the workers are replaced, without waiting for its timeout.
func testNotifyReload(t *testing.T, c *container) {
	c.run("systemctl", "start", "echod-notify-reload")
	before := workerPIDs(c.status())
	const reloads = 5
	var slowest time.Duration
	for i := range reloads {
		start := time.Now()
		s := c.reloadStatus("echod-notify-reload")
		slowest = max(slowest, time.Since(start))
		now := c.checkNew(i+1, reloads, 2, before, s)
		if err := c.echo("notify reload"); err != nil {
			t.Fatal(err)
		}
		before = now
	}
	c.run("systemctl", "stop", "echod-notify-reload")
	c.checkStopped("echod-notify-reload")
	t.Logf("%d/%d Type=notify-reload reloads done, slowest %v", reloads, reloads, slowest.Round(time.Millisecond))
}

// testBrokenConfig: a bad setting fails the start with exit status 78,
// which is not retried, and the error shows in systemctl status, logged
// at error priority.
func testBrokenConfig(t *testing.T, c *container) {
	c.run("sh", "-c", "echo 'workers = 0' >/etc/echod.conf")
	if out, err := c.runErr(time.Minute, "systemctl", "start", "echod"); err == nil {
		t.Fatalf("systemctl start succeeded with a broken config: %s", out)
	}
	time.Sleep(3 * time.Second) // time for restarts, were any to come
	const want = "workers: invalid value"
	var st string
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(st, want); time.Sleep(200 * time.Millisecond) {
		if st = c.unitStatus("echod"); time.Now().After(deadline) {
			t.Fatalf("systemctl status does not show %q:\n%s", want, st)
		}
	}
	state, code, restarts := c.show("echod", "ActiveState"), c.show("echod", "ExecMainStatus"), c.show("echod", "NRestarts")
	if state != "failed" || code != "78" || restarts != "0" {
		t.Fatalf("echod with a broken config: %s, exit status %s, %s restarts; want failed, 78, 0\n%s", state, code, restarts, st)
	}
	errs := c.run("journalctl", "--no-pager", "-u", "echod", "-p", "err", "-o", "cat")
	if !strings.Contains(errs, want) {
		t.Fatalf("the config error is not in the journal at error priority:\n%s", errs)
	}
	t.Logf("broken config: %s, exit status %s, %s restarts; systemctl status shows %q", state, code, restarts, want)
}

// testForking: echod -d under Type=forking with PIDFile=: systemd's
// MainPID is the daemon's master.
func testForking(t *testing.T, c *container) {
	if out, err := c.runErr(time.Minute, "systemctl", "start", "echod-forking"); err != nil {
		st := c.unitStatus("echod-forking")
		if c.bindsTwice() {
			t.Skipf("echod -d binds its port twice (in the starting process, and again in the daemon, which "+
				"then fails with EADDRINUSE; being fixed apart): with port 0 it starts, with 7070 not: %v\n%s", err, st)
		}
		t.Fatalf("systemctl start echod-forking: %v\n%s\n%s", err, out, st)
	}
	if err := c.echo("forked"); err != nil {
		t.Fatal(err)
	}
	s := c.status()
	if main := c.show("echod-forking", "MainPID"); main != strconv.Itoa(s.PID) {
		t.Fatalf("MainPID is %s, the daemon's master is %d", main, s.PID)
	}
	c.run("systemctl", "stop", "echod-forking")
	c.checkStopped("echod-forking")
	t.Logf("Type=forking: MainPID %d is the daemon's master", s.PID)
}

// testSocketActivation: with echod.socket, systemd holds the port, starts
// echod at the first connection and passes it the socket.
func testSocketActivation(t *testing.T, c *container) {
	c.run("systemctl", "start", "echod.socket")
	if state := c.show("echod", "ActiveState"); state != "inactive" {
		t.Fatalf("echod is %s before any connection", state)
	}
	if err := c.echo("activated"); err != nil {
		t.Fatalf("the first connection: %v\n%s", err, c.unitStatus("echod"))
	}
	s := c.status()
	if main := c.show("echod", "MainPID"); main != strconv.Itoa(s.PID) {
		t.Fatalf("MainPID %s, master %d", main, s.PID)
	}
	c.run("systemctl", "stop", "echod.socket", "echod")
	c.checkStopped("echod")
	t.Logf("socket activation: echod %d started by the first connection and served it", s.PID)
}

// bindsTwice reports whether `echod -d` starts when its settings ask for
// any free port, which a daemon binding the port a second time (while the
// starting process holds the first) survives, and a fixed port does not.
func (c *container) bindsTwice() bool {
	c.run("sh", "-c", `printf 'listen = "127.0.0.1:0"\ncontrol = "/tmp/p0.sock"\nlock = "/tmp/p0.pid"\n' >/tmp/p0.conf`)
	if _, err := c.runErr(time.Minute, "echod", "-d", "-config", "/tmp/p0.conf"); err != nil {
		return false
	}
	c.run("releasectl", "-socket", "/tmp/p0.sock", "stop")
	return true
}
