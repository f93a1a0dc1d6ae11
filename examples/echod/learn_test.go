package main

import (
	"bufio"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// runEchod runs echod with the setup's config plus extra lines, serves
// one echo exchange through its worker, stops it, and returns its log
// lines and the worker's PID, or fails.
func runEchod(t *testing.T, su setup, extra string) (logs []string, pid int) {
	t.Helper()
	b, _ := os.ReadFile(su.conf)
	conf := strings.Replace(string(b), "log_level = warning", "log_level = info", 1) + "\n" + extra + "\n"
	os.WriteFile(su.conf, []byte(conf), 0o644)
	cmd := exec.Command(su.echod, "-config", su.conf)
	out, _ := cmd.StdoutPipe()
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	lines := make(chan []string, 1)
	go func() {
		var ls []string
		for sc := bufio.NewScanner(stderr); sc.Scan(); {
			ls = append(ls, sc.Text())
		}
		lines <- ls
	}()
	addr := listeningOn(t, out)
	go io.Copy(io.Discard, out)
	ctl := su.releasectl(t)
	pid = waitWorkers(t, ctl, 1, nil)[0]
	if got := echo(t, addr, "hello\nsandbox\n"); got != "HELLO\nSANDBOX\n" {
		t.Fatalf("echod answered %q", got)
	}
	checkSandboxed(t, []int{pid}, true)
	ctl("stop")
	select {
	case logs = <-lines:
	case <-time.After(30 * time.Second):
		t.Fatal("echod did not end within 30 s of its stop")
	}
	return logs, pid
}

// learnedPolicy is the policy of the "sandbox learned" log line.
func learnedPolicy(logs []string) (string, bool) {
	for _, l := range logs {
		if !strings.Contains(l, "sandbox learned") {
			continue
		}
		_, v, ok := strings.Cut(l, "policy=")
		if !ok {
			continue
		}
		if p, err := strconv.QuotedPrefix(v); err == nil {
			v, _ = strconv.Unquote(p)
		} else {
			v, _, _ = strings.Cut(v, " ")
		}
		return v, true
	}
	return "", false
}

// TestSandboxLearnedPolicyServes: echod's worker under "action learn"
// serves an exchange and, once stopped, echod logs the tightest policy
// it would have passed with; that policy, applied as echod's sandbox,
// serves the same exchange without a single refused call.
func TestSandboxLearnedPolicyServes(t *testing.T) {
	su := newSetup(t, 1)
	logs, _ := runEchod(t, su, `sandbox_spec = "action learn"`)
	policy, ok := learnedPolicy(logs)
	if !ok {
		t.Fatalf("no sandbox learned line among echod's logs:\n%s", strings.Join(logs, "\n"))
	}
	learned := 0
	for _, l := range logs {
		if strings.Contains(l, "sandbox violation") {
			learned++
		}
	}
	su2 := newSetup(t, 1)
	logs2, pid := runEchod(t, su2, "sandbox_spec = "+strconv.Quote(policy))
	for _, l := range logs2 {
		if strings.Contains(l, "sandbox violation") || strings.Contains(l, "failed") {
			t.Errorf("under the learned policy %q: %s", policy, l)
		}
	}
	t.Logf("learned from %d distinct calls: %q; applied, worker %d served the exchange with 0 refusals", learned, policy, pid)
}

// TestSandboxDefaultIsQuiet: echod's workers under their default sandbox
// start and serve an exchange without a single reported violation: what
// the Go runtime and the C library read on their own at a start is
// refused without a warning in echod's log.
func TestSandboxDefaultIsQuiet(t *testing.T) {
	su := newSetup(t, 1)
	logs, pid := runEchod(t, su, "")
	n := 0
	for _, l := range logs {
		if strings.Contains(l, "sandbox violation") {
			n++
			t.Errorf("under the default sandbox: %s", l)
		}
	}
	t.Logf("worker %d served the exchange; %d violations reported", pid, n)
}
