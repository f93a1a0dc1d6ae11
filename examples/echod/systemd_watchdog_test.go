package main

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/release-daemon/release/internal/ctlwire"
	"golang.org/x/sys/unix"
)

// The watchdog's tests run echod-watchdog.service, whose WatchdogSec= is
// watchdogTimeout, and echod.conf's unhealthy_file set to sickFile when asked.
const (
	watchdogUnit    = "echod-watchdog"
	watchdogTimeout = 30 * time.Second
	sickFile        = "/tmp/echod.sick"
)

// unitState is what the watchdog's tests read of the unit at one moment,
// and when (host and container share CLOCK_MONOTONIC, which systemd's
// WatchdogTimestampMonotonic counts in).
type unitState struct {
	main, active, restarts, result string
	ping                           time.Duration // the last WATCHDOG=1 systemd heard
	at                             time.Duration // when this was read
}

// look reads the watchdog unit's state.
func (c *container) look() unitState {
	c.t.Helper()
	out := c.run("systemctl", "show", watchdogUnit, "-p", "MainPID", "-p", "ActiveState", "-p", "NRestarts",
		"-p", "Result", "-p", "WatchdogTimestampMonotonic")
	at := monotonic()
	p := map[string]string{}
	for line := range strings.Lines(out) {
		k, v, _ := strings.Cut(strings.TrimSpace(line), "=")
		p[k] = v
	}
	usec, _ := strconv.ParseInt(p["WatchdogTimestampMonotonic"], 10, 64)
	return unitState{main: p["MainPID"], active: p["ActiveState"], restarts: p["NRestarts"], result: p["Result"],
		ping: time.Duration(usec) * time.Microsecond, at: at}
}

func monotonic() time.Duration {
	var ts unix.Timespec
	unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	return time.Duration(ts.Nano())
}

// pings follows the WATCHDOG=1 systemd hears from one master, as its
// record of the last one moves from look to look: how often it moved, the
// last, and the longest systemd went without one, between two or from the
// last to a look. (Before the first, the record is the service's start.)
type pings struct {
	count   int
	last    time.Duration
	longest time.Duration
}

func (p *pings) saw(u unitState) {
	if u.ping != 0 && u.ping != p.last {
		if p.last != 0 {
			p.longest = max(p.longest, u.ping-p.last)
		}
		p.last = u.ping
		p.count++
	}
	if p.last != 0 {
		p.longest = max(p.longest, u.at-p.last)
	}
}

// same checks that systemd has not restarted echod since before.
func (c *container) same(before, now unitState) {
	c.t.Helper()
	if now.main != before.main || now.active != "active" || now.restarts != before.restarts {
		c.t.Fatalf("echod was restarted: MainPID %s, %s, NRestarts %s (before: %s, %s restarts)\n%s",
			now.main, now.active, now.restarts, before.main, before.restarts, c.unitStatus(watchdogUnit))
	}
}

// nextPing waits for systemd to hear a WATCHDOG=1 after the last look
// of p (or now, if p has seen none), and returns the state then.
func (c *container) nextPing(p *pings, before unitState) unitState {
	c.t.Helper()
	if p.last == 0 {
		p.saw(c.look())
	}
	last := p.last
	for deadline := time.Now().Add(watchdogTimeout); ; time.Sleep(200 * time.Millisecond) {
		u := c.look()
		c.same(before, u)
		p.saw(u)
		if p.last != last {
			return u
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("systemd heard no WATCHDOG=1 within %v\n%s", watchdogTimeout, c.unitStatus(watchdogUnit))
		}
	}
}

// journalCount counts the lines of the watchdog unit's journal that hold s.
func (c *container) journalCount(s string) int {
	c.t.Helper()
	n := 0
	for line := range strings.Lines(c.run("journalctl", "--no-pager", "-u", watchdogUnit, "-o", "cat")) {
		if strings.Contains(line, s) {
			n++
		}
	}
	return n
}

// healthyStatus waits until echod's n workers are ready and healthy.
func (c *container) healthyStatus(n int) ctlwire.Status {
	c.t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if out, err := c.runErr(10*time.Second, "releasectl", "status", "-json"); err == nil {
			if s := c.parseStatus(out); allHealthy(s, n) != nil {
				return s
			}
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("echod's %d workers are not all ready and healthy after 30 s\n%s", n, c.unitStatus(watchdogUnit))
		}
	}
}

// restarted waits until systemd has restarted echod after before, and
// returns the state then; p follows the old master's WATCHDOG=1 meanwhile.
func (c *container) restarted(before unitState, p *pings, within time.Duration) unitState {
	c.t.Helper()
	for deadline := time.Now().Add(within); ; time.Sleep(100 * time.Millisecond) {
		u := c.look()
		if u.active == "active" && u.main != "0" && u.main != before.main {
			return u
		}
		if u.main == before.main {
			p.saw(u)
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("systemd did not restart echod within %v\n%s", within, c.unitStatus(watchdogUnit))
		}
	}
}

// testWatchdogHealthy: with every worker healthy, the master feeds the
// watchdog for a minute, and systemd restarts nothing.
func testWatchdogHealthy(t *testing.T, c *container) {
	c.run("systemctl", "start", watchdogUnit)
	if got := c.show(watchdogUnit, "WatchdogUSec"); got != watchdogTimeout.String() {
		t.Fatalf("WatchdogUSec %q, want %v", got, watchdogTimeout)
	}
	before := c.look()
	var p pings
	looks := 0
	for end := time.Now().Add(time.Minute); time.Now().Before(end); time.Sleep(500 * time.Millisecond) {
		u := c.look()
		c.same(before, u)
		p.saw(u)
		looks++
	}
	if p.count < 3 || p.longest > watchdogTimeout-5*time.Second {
		t.Fatalf("in a minute, systemd heard WATCHDOG=1 %d times and went up to %v without (WatchdogSec %v)",
			p.count, p.longest.Round(time.Millisecond), watchdogTimeout)
	}
	t.Logf("a minute with healthy workers: MainPID %s throughout, NRestarts %s; systemd's last WATCHDOG=1 moved on %d times "+
		"in %d looks, and it went at most %v without one, the start included (WatchdogSec %v)",
		before.main, before.restarts, p.count, looks, p.longest.Round(time.Millisecond), watchdogTimeout)
}

// testWatchdogFrozenWorker: a worker stopped with SIGSTOP is the
// master's to replace, and it does so in time: systemd hears WATCHDOG=1
// again with time to spare and does not restart echod. The worker is
// frozen 12.5 s after a WATCHDOG=1, so that its spell (from its first
// missed heartbeat, 1 to 2 s later, to its replacement's first healthy
// answer) spans the moment the next would be due were they sent at half
// WatchdogSec, as sd_watchdog_enabled(3) suggests: the one after that
// would come only as WatchdogSec ran out.
func testWatchdogFrozenWorker(t *testing.T, c *container) {
	c.run("systemctl", "start", watchdogUnit)
	before := c.look()
	victim := c.healthyStatus(2).Workers[0]
	timeouts := c.journalCount("Watchdog timeout")
	var p pings
	u := c.nextPing(&p, before)
	for freeze := u.ping + 12500*time.Millisecond; monotonic() < freeze; time.Sleep(200 * time.Millisecond) {
		u := c.look()
		c.same(before, u)
		p.saw(u)
	}
	c.run("sh", "-c", "kill -STOP "+strconv.Itoa(victim.PID))
	frozen := time.Now()
	var replaced time.Duration
	for deadline := frozen.Add(watchdogTimeout - 5*time.Second); replaced == 0; time.Sleep(100 * time.Millisecond) {
		u := c.look()
		c.same(before, u)
		p.saw(u)
		s := c.status()
		if slices.ContainsFunc(s.Workers, func(w ctlwire.WorkerStatus) bool {
			return w.Slot == victim.Slot && w.PID != victim.PID && w.State == "ready" && w.Healthy
		}) {
			replaced = time.Since(frozen)
		} else if time.Now().After(deadline) {
			t.Fatalf("worker %d frozen %v ago is not replaced by a healthy one: %+v", victim.PID, time.Since(frozen), s)
		}
	}
	recovered := monotonic()
	for p.last < recovered {
		c.nextPing(&p, before)
	}
	after := c.look()
	c.same(before, after)
	if _, err := c.runErr(10*time.Second, "sh", "-c", "kill -0 "+strconv.Itoa(victim.PID)); err == nil {
		t.Errorf("the frozen worker %d still runs", victim.PID)
	}
	if n := c.journalCount("Watchdog timeout"); n != timeouts || after.result != "success" {
		t.Fatalf("%d watchdog timeouts in the journal (%d before), Result %s", n, timeouts, after.result)
	}
	if p.longest > watchdogTimeout-5*time.Second {
		t.Fatalf("systemd went %v without WATCHDOG=1 (WatchdogSec %v): echod was not restarted only by luck",
			p.longest.Round(time.Millisecond), watchdogTimeout)
	}
	t.Logf("worker %d frozen: replaced by a healthy one after %v; systemd went at most %v without WATCHDOG=1 "+
		"(WatchdogSec %v), MainPID %s and NRestarts %s unchanged, Result %s", victim.PID, replaced.Round(time.Millisecond),
		p.longest.Round(time.Millisecond), watchdogTimeout, after.main, after.restarts, after.result)
}

// testWatchdogUnhealthy: workers that stay unhealthy, replacements
// included (unhealthy_file), leave the watchdog unfed, and systemd
// restarts echod when WatchdogSec= runs out.
func testWatchdogUnhealthy(t *testing.T, c *container) {
	c.run("sed", "-i", `s|^unhealthy_file = .*|unhealthy_file = "`+sickFile+`"|`, "/etc/echod.conf")
	c.run("systemctl", "start", watchdogUnit)
	before := c.look()
	c.healthyStatus(2)
	const hangs = "worker hung: stopping it"
	timeouts, hung := c.journalCount("Watchdog timeout"), c.journalCount(hangs)
	var p pings
	c.nextPing(&p, before)
	c.run("touch", sickFile)
	sick := monotonic()
	after := c.restarted(before, &p, watchdogTimeout+30*time.Second)
	c.run("rm", sickFile)
	replaced := c.journalCount(hangs) - hung
	if got := c.journalCount("Watchdog timeout"); got != timeouts+1 {
		t.Fatalf("echod restarted, but the journal has %d watchdog timeouts, %d before\n%s", got, timeouts, c.unitStatus(watchdogUnit))
	}
	if n, _ := strconv.Atoi(before.restarts); after.restarts != strconv.Itoa(n+1) {
		t.Fatalf("NRestarts %s, was %s", after.restarts, before.restarts)
	}
	if replaced < 2 {
		t.Errorf("the master replaced %d hung workers before systemd's watchdog ran out, want both at least", replaced)
	}
	c.healthyStatus(2)
	if err := c.echo("after the watchdog"); err != nil {
		t.Fatal(err)
	}
	t.Logf("unhealthy_file created: systemd heard WATCHDOG=1 for %v more, the master replaced %d hung workers, "+
		"and systemd restarted echod (MainPID %s → %s, NRestarts %s) %v after the file came, %v after that last "+
		"WATCHDOG=1 (WatchdogSec %v)", (p.last - sick).Round(time.Millisecond), replaced, before.main, after.main,
		after.restarts, (after.at - sick).Round(time.Millisecond), (after.at - p.last).Round(time.Millisecond), watchdogTimeout)
}

// testWatchdogFrozenMaster: a master stopped with SIGSTOP sends nothing;
// systemd's watchdog runs out and echod is restarted, with none of the
// old workers left.
func testWatchdogFrozenMaster(t *testing.T, c *container) {
	c.run("systemctl", "start", watchdogUnit)
	before := c.look()
	old := c.healthyStatus(2)
	timeouts := c.journalCount("Watchdog timeout")
	var p pings
	c.nextPing(&p, before)
	c.run("sh", "-c", "kill -STOP "+before.main)
	frozen := monotonic()
	after := c.restarted(before, &p, watchdogTimeout+60*time.Second)
	if got := c.journalCount("Watchdog timeout"); got != timeouts+1 {
		t.Fatalf("echod restarted, but the journal has %d watchdog timeouts, %d before\n%s", got, timeouts, c.unitStatus(watchdogUnit))
	}
	if n, _ := strconv.Atoi(before.restarts); after.restarts != strconv.Itoa(n+1) {
		t.Fatalf("NRestarts %s, was %s", after.restarts, before.restarts)
	}
	now := c.healthyStatus(2)
	for _, pid := range workerPIDs(old) {
		if _, err := c.runErr(10*time.Second, "sh", "-c", "kill -0 "+strconv.Itoa(pid)); err == nil {
			t.Errorf("worker %d of the frozen master still runs: %+v", pid, now)
		}
	}
	if n := len(c.processes("echod")); n != 3 {
		t.Fatalf("%d echod processes after the restart, want 3 (a master, 2 workers)", n)
	}
	if err := c.echo("after the watchdog"); err != nil {
		t.Fatal(err)
	}
	t.Logf("master %s frozen: systemd restarted echod as %s %v later, %v after its last WATCHDOG=1 "+
		"(WatchdogSec %v), NRestarts %s; 3 echod processes, none of the old workers",
		before.main, after.main, (after.at - frozen).Round(time.Millisecond),
		(after.at - p.last).Round(time.Millisecond), watchdogTimeout, after.restarts)
}
