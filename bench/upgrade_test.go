package bench

import (
	"context"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/release-daemon/release/internal/loadgen"
)

// BenchmarkUpgrade is the proof under load, and its comparison:
// a server under loadgen's default load (32 persistent connections, each
// sending a line every 5 ms, and 50 new connections a second) is upgraded
// 20 times in a row, each time to a freshly built binary that differs by
// its -X main.version, renamed over the path it runs from.
//
// impl=release is examples/echod, upgraded by `releasectl upgrade` (its
// master re-executes itself and replaces its workers); impl=tableflip is
// bench/cmd/tableflip-echo, the same service on cloudflare/tableflip,
// upgraded by SIGHUP and ready when its PID file names the new process.
// tableflip cannot upgrade again while the old process drains, so each
// upgrade first waits for the one before to end: at its drain deadline,
// tableflipDrain, as the persistent clients never hang up, which cuts every
// connection the old process still serves. An upgrade's time is from the
// request to the new binary serving.
//
// The metrics are the clients' failures over the whole run, by kind, the
// replies they got right, the upgrades' p50/p99, how many of the 20 kept
// the master's PID (pid_kept), the wait before each upgrade could be asked
// for, and the requests refused and asked again (retries).
func BenchmarkUpgrade(b *testing.B) {
	b.Run("impl=tableflip", func(b *testing.B) { benchUpgrades(b, tableflipImpl) })
	b.Run("impl=release", func(b *testing.B) { benchUpgrades(b, releaseImpl) })
}

const (
	upgrades       = 20
	upgradeTimeout = 60 * time.Second // one upgrade, readiness included
	settle         = time.Second      // load before the first upgrade and after the last
	tableflipDrain = 2 * time.Second  // how long an old tableflip-echo serves its connections
)

// errNoUpgrade means a server that does not know the upgrade command yet.
var errNoUpgrade = errors.New("no upgrade command")

// upgradee is a server being upgraded.
type upgradee interface {
	addr() string
	ready(ctx context.Context) error                   // until an upgrade may be asked for
	upgrade(ctx context.Context, version string) error // to the binary now at its path
	pid(ctx context.Context) (int, error)              // its master's
	retries() int                                      // upgrade requests refused, then asked again
	stop()
}

// impl builds a server's versions and starts one.
type impl struct {
	pkg   string                                                                   // relative to bench
	check func(b *testing.B, tools string)                                         // tools holds the builds
	start func(b *testing.B, ctx context.Context, tools, dir, bin string) upgradee // runs bin in dir
}

func benchUpgrades(b *testing.B, im impl) {
	tools := b.TempDir()
	if im.check != nil {
		im.check(b, tools)
	}
	bins := buildVersions(b, im.pkg, tools, upgrades+1)
	var sum upgradeRun
	for b.Loop() {
		sum.add(runUpgrades(b, im, tools, bins))
	}
	sum.report(b)
}

// upgradeRun is what one run measured.
type upgradeRun struct {
	runs    int
	load    loadgen.Result
	took    []time.Duration // each upgrade's
	kept    int             // upgrades after which the master's PID was the same
	waited  time.Duration   // waiting for an upgrade to be possible, in all
	retries int
}

func runUpgrades(b *testing.B, im impl, tools string, bins []string) upgradeRun {
	ctx, cancel := context.WithTimeout(b.Context(), upgrades*2*upgradeTimeout)
	defer cancel()
	dir := b.TempDir()
	bin := filepath.Join(dir, "server")
	install(b, bins[0], bin)
	srv := im.start(b, ctx, tools, dir, bin)
	defer srv.stop()
	load := startLoad(ctx, srv.addr())
	defer load.stop()
	pause(ctx, settle)
	var r upgradeRun
	for i := 1; i <= upgrades; i++ {
		r.upgradeOnce(b, ctx, srv, bins[i], bin, version(i))
	}
	pause(ctx, settle)
	r.runs, r.load, r.retries = 1, load.stop(), srv.retries()
	b.Logf("%s: %v", b.Name(), r.load)
	return r
}

// upgradeOnce puts next at bin's path and upgrades srv to it.
func (r *upgradeRun) upgradeOnce(b *testing.B, ctx context.Context, srv upgradee, next, bin, v string) {
	before, err := srv.pid(ctx)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	if err := srv.ready(ctx); err != nil {
		b.Fatalf("before the upgrade to %s: %v", v, err)
	}
	r.waited += time.Since(start)
	install(b, next, bin)
	start = time.Now()
	err = srv.upgrade(ctx, v)
	if errors.Is(err, errNoUpgrade) {
		b.Skipf("%v: the release side of the comparison needs it", err)
	}
	if err != nil {
		b.Fatalf("upgrade to %s: %v", v, err)
	}
	r.took = append(r.took, time.Since(start))
	after, err := srv.pid(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if after == before {
		r.kept++
	}
}

func (r *upgradeRun) add(o upgradeRun) {
	r.runs += o.runs
	l := &r.load
	l.Refused, l.Resets, l.ServerCloses = l.Refused+o.load.Refused, l.Resets+o.load.Resets, l.ServerCloses+o.load.ServerCloses
	l.Lost, l.Wrong, l.Other = l.Lost+o.load.Lost, l.Wrong+o.load.Wrong, l.Other+o.load.Other
	l.OK, l.Opened = l.OK+o.load.OK, l.Opened+o.load.Opened
	r.took = append(r.took, o.took...)
	r.kept += o.kept
	r.waited += o.waited
	r.retries += o.retries
}

// report gives each count a run; the percentiles are over every upgrade.
func (r *upgradeRun) report(b *testing.B) {
	n := float64(max(r.runs, 1))
	per := func(v int, unit string) { b.ReportMetric(float64(v)/n, unit) }
	per(r.load.Refused, "refused")
	per(r.load.Resets, "resets")
	per(r.load.ServerCloses, "server_closes")
	per(r.load.Lost, "lost")
	per(r.load.Wrong, "wrong")
	per(r.load.Other, "other")
	per(r.load.OK, "replies")
	per(r.kept, "pid_kept")
	per(r.retries, "retries")
	b.ReportMetric(percentile(r.took, 50), "upgrade_p50_ms")
	b.ReportMetric(percentile(r.took, 99), "upgrade_p99_ms")
	b.ReportMetric(float64(r.waited.Milliseconds())/n/upgrades, "wait_ms/upgrade")
}

// percentile is the nearest-rank p-th percentile of ds, in milliseconds.
func percentile(ds []time.Duration, p float64) float64 {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(ds))
	i := int(math.Ceil(p/100*float64(len(s)))) - 1
	return float64(s[max(i, 0)].Microseconds()) / 1000
}

func version(i int) string { return "v" + strconv.Itoa(i) }

// buildVersions builds pkg n times, as v0 to v(n-1), into dir.
func buildVersions(b *testing.B, pkg, dir string, n int) []string {
	bins := make([]string, n)
	for i := range bins {
		bins[i] = filepath.Join(dir, filepath.Base(pkg)+"-"+version(i))
		build(b, pkg, bins[i], "-ldflags", "-X main.version="+version(i))
	}
	return bins
}

func build(b *testing.B, pkg, out string, flags ...string) {
	args := append(append([]string{"build", "-o", out}, flags...), pkg)
	if msg, err := exec.Command("go", args...).CombinedOutput(); err != nil {
		b.Fatalf("go build %s: %v\n%s", pkg, err, msg)
	}
}

// install puts a link to next at path, atomically.
func install(b *testing.B, next, path string) {
	tmp := path + ".new"
	os.Remove(tmp)
	if err := os.Link(next, tmp); err != nil {
		b.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		b.Fatal(err)
	}
}

// pause waits d, or less if ctx ends.
func pause(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
