package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/release-daemon/release/internal/ctlwire"
)

// TestUnhealthyFile: while echod.conf's unhealthy_file exists, the
// workers answer the heartbeats unhealthy and the master replaces them,
// the replacements too; once it is gone, the workers are healthy and stay.
func TestUnhealthyFile(t *testing.T) {
	su := newSetup(t, 2)
	dir, err := os.MkdirTemp("", "ed-sick")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755) // the workers, as nobody, look the file up
	sick := filepath.Join(dir, "sick")
	conf, _ := os.ReadFile(su.conf)
	os.WriteFile(su.conf, append(conf, `  unhealthy_file = "`+sick+`"`...), 0o644)
	_, ctl := su.start(t, exec.Command(su.echod, "-config", su.conf))
	status := func() ctlwire.Status {
		t.Helper()
		var s ctlwire.Status
		json.Unmarshal(ctl("status").Data, &s)
		return s
	}
	first := waitWorkers(t, ctl, 2, nil)
	start := time.Now()
	os.WriteFile(sick, nil, 0o644)
	var unwell time.Duration // until the master first saw a worker unhealthy
	var replaced time.Duration
	seen := slices.Clone(first)
	for deadline := start.Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		s := status()
		var now []int
		for _, w := range s.Workers {
			if w.State == "ready" && !w.Healthy && unwell == 0 {
				unwell = time.Since(start)
			}
			if w.PID != 0 && !slices.Contains(seen, w.PID) {
				seen = append(seen, w.PID)
			}
			now = append(now, w.PID)
			if w.Reason != "" && !strings.HasPrefix(w.Reason, "hung") {
				t.Fatalf("a worker stopped for another reason than a hang: %+v", s)
			}
		}
		if replaced == 0 && !slices.ContainsFunc(first, func(p int) bool { return slices.Contains(now, p) }) {
			replaced = time.Since(start)
		}
		// Both first workers, and a replacement, have been replaced.
		if replaced != 0 && slices.ContainsFunc(seen[2:], func(p int) bool { return !slices.Contains(now, p) }) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("with %s there, after 30 s: status %+v, workers seen %v", sick, s, seen)
		}
	}
	os.Remove(sick)
	removed := time.Now()
	var healthy []int
	for deadline := removed.Add(30 * time.Second); healthy == nil; time.Sleep(50 * time.Millisecond) {
		healthy = allHealthy(status(), 2)
		if time.Now().After(deadline) {
			t.Fatalf("%s removed, but after 30 s: %+v", sick, status())
		}
	}
	took := time.Since(removed)
	time.Sleep(4 * time.Second) // more than the 3 heartbeats that condemn a worker
	if now := allHealthy(status(), 2); !slices.Equal(now, healthy) {
		t.Fatalf("%s removed: workers %v were healthy, 4 s later %+v", sick, healthy, status())
	}
	t.Logf("unhealthy_file created: first unhealthy report after %v, both workers replaced after %v, "+
		"%d workers seen; removed: healthy after %v, and still the same 4 s later",
		unwell.Round(time.Millisecond), replaced.Round(time.Millisecond), len(seen), took.Round(time.Millisecond))
}

// allHealthy returns the PIDs of the n workers of s if all are ready and
// healthy, or nil.
func allHealthy(s ctlwire.Status, n int) []int {
	var pids []int
	for _, w := range s.Workers {
		if w.State != "ready" || !w.Healthy {
			return nil
		}
		pids = append(pids, w.PID)
	}
	if len(pids) != n {
		return nil
	}
	return pids
}
