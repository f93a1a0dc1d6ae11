package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/release-daemon/release/internal/ctlwire"
	"github.com/release-daemon/release/internal/loadgen"
)

// upgradeRig is echod running from a path that upgrades replace, with
// builds of other versions ready beside it.
type upgradeRig struct {
	setup
	cmd  *exec.Cmd
	addr string
	dir  string
}

func startUpgradeRig(t *testing.T) *upgradeRig {
	su := newSetup(t, 2)
	rig := &upgradeRig{setup: su, dir: filepath.Dir(su.echod)}
	rig.buildAs(t, "v0", su.echod)
	conf, err := os.ReadFile(su.conf)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(su.conf, append(conf, "\nupgrade_check = \"5s\"\n"...), 0o644) // a hanging build fails sooner
	rig.cmd = exec.Command(su.echod, "-config", su.conf)
	logs, err := os.Create(filepath.Join(rig.dir, "echod.log"))
	if err != nil {
		t.Fatal(err)
	}
	rig.cmd.Stderr = logs
	t.Cleanup(func() {
		logs.Close()
		if t.Failed() { // the master's own account of what went wrong
			b, _ := os.ReadFile(logs.Name())
			t.Logf("echod's log:\n%s", b[max(0, len(b)-6000):])
		}
	})
	out, _ := rig.cmd.StdoutPipe()
	if err := rig.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rig.cmd.Process.Kill(); rig.cmd.Wait() })
	rig.addr = listeningOn(t, out)
	waitWorkers(t, su.releasectl(t), 2, nil)
	return rig
}

// buildAs builds echod with version v (and any other -X setting) at path.
func (rig *upgradeRig) buildAs(t *testing.T, v, path string, x ...string) {
	t.Helper()
	flags := "-X main.version=" + v
	for _, kv := range x {
		flags += " -X 'main." + kv + "'"
	}
	if msg, err := exec.Command("go", "build", "-ldflags", flags, "-o", path, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, msg)
	}
}

// install puts the file at src where echod runs from, as a deploy does.
func (rig *upgradeRig) install(t *testing.T, src string) {
	t.Helper()
	tmp := rig.echod + ".new"
	b, err := os.ReadFile(src)
	if err == nil {
		err = os.WriteFile(tmp, b, 0o755)
	}
	if err == nil {
		err = os.Rename(tmp, rig.echod)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// upgrade runs releasectl upgrade and returns its output and exit status.
func (rig *upgradeRig) upgrade(t *testing.T) (string, error) {
	t.Helper()
	out, err := exec.Command(rig.ctl, "-socket", rig.sock, "upgrade").CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

func (rig *upgradeRig) status(t *testing.T) ctlwire.Status {
	t.Helper()
	var st ctlwire.Status
	resp := rig.releasectl(t)("status")
	if err := json.Unmarshal(resp.Data, &st); err != nil {
		t.Fatalf("status: %+v, %v", resp, err)
	}
	return st
}

// fdSet lists the master's open descriptors, with what they are.
func fdSet(pid int) []string {
	dir := fmt.Sprintf("/proc/%d/fd/", pid)
	ents, _ := os.ReadDir(dir)
	var out []string
	for _, e := range ents {
		target, _ := os.Readlink(dir + e.Name())
		if i := strings.Index(target, ":["); i > 0 {
			target = target[:i] // socket:[inode]: the kind, not the inode, which changes with each worker
		}
		out = append(out, target)
	}
	sort.Strings(out)
	return out
}

// rssKiB is a process's resident memory, from /proc.
func rssKiB(pid int) int {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			return n
		}
	}
	return 0
}

// settledFDs returns the master's descriptors once they stay the same
// for 300 ms: the old generation's sockets go once it has drained.
func (rig *upgradeRig) settledFDs(pid, _ int) []string {
	fds := fdSet(pid)
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); {
		time.Sleep(300 * time.Millisecond)
		now := fdSet(pid)
		if slices.Equal(now, fds) {
			break
		}
		fds = now
	}
	return fds
}

// TestUpgradeUnderLoad: echod under a steady load of 32 persistent
// connections (a line every 5 ms each) and 50 new connections a second,
// upgraded 6 times in a row to a build of another version: no client sees
// a refusal, a reset, a close or a lost or wrong reply; the master keeps
// its PID, and has the same descriptors after the last upgrade as after
// the first (the first image also had a few close-on-exec ones of the
// program's start, which no exec carries). The full 20 upgrades, with the
// figures, are bench's BenchmarkUpgrade.
func TestUpgradeUnderLoad(t *testing.T) {
	const upgrades = 6
	rig := startUpgradeRig(t)
	before := rig.status(t)
	var fds []string // after the first upgrade
	var rss int      // KiB, after the first upgrade
	builds := make([]string, upgrades)
	for i := range builds {
		builds[i] = filepath.Join(rig.dir, fmt.Sprintf("echod.v%d", i+1))
		rig.buildAs(t, fmt.Sprintf("v%d", i+1), builds[i])
	}
	ctx, stop := context.WithCancel(t.Context())
	loaded := make(chan loadgen.Result, 1)
	go func() {
		res, err := loadgen.Run(ctx, loadgen.Config{Addr: rig.addr})
		if err != nil {
			t.Error(err)
		}
		loaded <- res
	}()
	time.Sleep(500 * time.Millisecond)
	var took []time.Duration
	for i, b := range builds {
		rig.install(t, b)
		start := time.Now()
		out, err := rig.upgrade(t)
		took = append(took, time.Since(start))
		if err != nil {
			t.Fatalf("upgrade %d: %v: %s", i+1, err, out)
		}
		st := rig.status(t)
		if st.PID != before.PID || st.Version != fmt.Sprintf("v%d", i+1) || st.Generation != i+1 {
			t.Fatalf("after upgrade %d: master %d version %q generation %d; want master %d, v%d, %d",
				i+1, st.PID, st.Version, st.Generation, before.PID, i+1, i+1)
		}
		if i == 0 {
			fds = rig.settledFDs(before.PID, 2)
			rss = rssKiB(before.PID)
		}
		time.Sleep(200 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	stop()
	res := <-loaded
	if res.Failures() > 0 || res.OK == 0 {
		t.Errorf("clients over %d upgrades: %v", upgrades, res)
	}
	if after := rig.settledFDs(before.PID, 2); !slices.Equal(after, fds) {
		t.Errorf("the master's descriptors after %d upgrades:\n%v\nafter the first:\n%v", upgrades, after, fds)
	}
	// Each image starts afresh: memory does not pile up across the execs.
	if now := rssKiB(before.PID); rss == 0 || now > 2*rss {
		t.Errorf("the master's resident memory: %d KiB after the first upgrade, %d KiB after %d", rss, now, upgrades)
	} else {
		t.Logf("the master's resident memory: %d KiB after the first upgrade, %d KiB after the last", rss, now)
	}
	slices.Sort(took)
	t.Logf("%d upgrades under load, master %d throughout: %v; upgrade took %v (median) to %v (max); %d descriptors before and after",
		upgrades, before.PID, res, took[len(took)/2].Round(time.Millisecond), took[len(took)-1].Round(time.Millisecond), len(fds))
}

// TestBadUpgradesChangeNothing: a new executable that exits at once, or
// hangs before it serves, fails its check; one whose workers cannot start
// is rolled back, the master going back to the old executable. Each time
// releasectl says why and exits 1, the old version serves on with the
// same master, and no client under load sees anything.
func TestBadUpgradesChangeNothing(t *testing.T) {
	rig := startUpgradeRig(t)
	before := rig.status(t)
	ctx, stop := context.WithCancel(t.Context())
	loaded := make(chan loadgen.Result, 1)
	go func() {
		res, _ := loadgen.Run(ctx, loadgen.Config{Addr: rig.addr, Conns: 16, Rate: 20})
		loaded <- res
	}()
	good := filepath.Join(rig.dir, "echod.good")
	rig.buildAs(t, "v0", good)
	exits := filepath.Join(rig.dir, "exits")
	os.WriteFile(exits, []byte("#!/bin/sh\necho 'cannot start: no such thing' >&2\nexit 3\n"), 0o755)
	broken := filepath.Join(rig.dir, "echod.broken-workers")
	rig.buildAs(t, "v-broken", broken, "workerFault=the new workers cannot start")
	cases := []struct{ name, file, want string }{
		{"exits at once", exits, "cannot start: no such thing"},
		{"workers fail their start", broken, "the new workers cannot start"},
	}
	if !testing.Short() {
		hangs := filepath.Join(rig.dir, "hangs")
		os.WriteFile(hangs, []byte("#!/bin/sh\nexec sleep 600\n"), 0o755)
		cases = append(cases, struct{ name, file, want string }{"hangs", hangs, "did not finish its check within 5s"})
	}
	for _, c := range cases {
		rig.install(t, c.file)
		out, err := rig.upgrade(t)
		if err == nil || !strings.Contains(out, c.want) {
			t.Errorf("%s: releasectl upgrade: %v, %q; want a failure saying %q", c.name, err, out, c.want)
		}
		st := rig.status(t)
		if st.PID != before.PID || st.Version != "v0" || len(st.Workers) != 2 {
			t.Errorf("%s: after the failed upgrade: master %d, version %q, %d workers", c.name, st.PID, st.Version, len(st.Workers))
		}
		rig.install(t, good)
		t.Logf("%s: %s", c.name, out)
	}
	time.Sleep(300 * time.Millisecond)
	stop()
	if res := <-loaded; res.Failures() > 0 || res.OK == 0 {
		t.Errorf("clients over the failed upgrades: %v", res)
	} else {
		t.Logf("clients: %v", res)
	}
}
