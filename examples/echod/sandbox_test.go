package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// seccompModes is the Seccomp line of every thread of pid.
func seccompModes(pid int) []string {
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/status", pid))
	var modes []string
	for _, task := range tasks {
		b, err := os.ReadFile(task)
		if err != nil {
			continue // a thread that exited since the glob
		}
		for l := range strings.Lines(string(b)) {
			if v, ok := strings.CutPrefix(l, "Seccomp:"); ok {
				modes = append(modes, strings.TrimSpace(v))
			}
		}
	}
	return modes
}

// checkSandboxed: every thread of each worker is under a seccomp filter
// (mode 2), or none is (mode 0) when want is false.
func checkSandboxed(t *testing.T, pids []int, want bool) {
	t.Helper()
	mode := map[bool]string{true: "2", false: "0"}[want]
	for _, pid := range pids {
		modes := seccompModes(pid)
		n := 0
		for _, m := range modes {
			if m == mode {
				n++
			}
		}
		if n == 0 || n != len(modes) {
			t.Errorf("worker %d: Seccomp of its threads %q, want all %s", pid, modes, mode)
		}
		t.Logf("worker %d: %d/%d threads Seccomp: %s", pid, n, len(modes), mode)
	}
}

// TestSandboxOff: sandbox = false in echod.conf runs the workers without
// a filter, and they still serve.
func TestSandboxOff(t *testing.T) {
	su := newSetup(t, 1)
	b, _ := os.ReadFile(su.conf)
	os.WriteFile(su.conf, append(b, "\nsandbox = false\n"...), 0o644)
	cmd := exec.Command(su.echod, "-config", su.conf)
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	addr := listeningOn(t, out)
	ctl := su.releasectl(t)
	pids := waitWorkers(t, ctl, 1, nil)
	if got := echo(t, addr, "hello\n"); got != "HELLO\n" {
		t.Fatalf("echod answered %q", got)
	}
	checkSandboxed(t, pids, false)
	ctl("stop")
}
