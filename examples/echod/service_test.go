package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/release-daemon/release/internal/ctlwire"
)

// start runs echod in the foreground with su's settings and returns it,
// the address it listens on, and a releasectl caller.
func (su setup) start(t *testing.T, cmd *exec.Cmd) (string, func(...string) ctlwire.Response) {
	t.Helper()
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr := listeningOn(t, out)
	return addr, su.releasectl(t, "-timeout", "60s")
}

// TestStopExitsZero: a stop that was asked for, SIGTERM (systemctl stop)
// or releasectl stop, ends echod with status 0; a service manager counts
// anything else as a failure.
func TestStopExitsZero(t *testing.T) {
	su := newSetup(t, 2)
	for _, how := range []string{"SIGTERM", "releasectl stop"} {
		cmd := exec.Command(su.echod, "-config", su.conf)
		_, ctl := su.start(t, cmd)
		waitWorkers(t, ctl, 2, nil)
		if how == "SIGTERM" {
			cmd.Process.Signal(syscall.SIGTERM)
		} else {
			ctl("stop")
		}
		err := waitExit(cmd, 20*time.Second)
		if err != nil {
			t.Fatalf("echod after %s: %v, want exit status 0", how, err)
		}
		t.Logf("after %s: exit status %d", how, cmd.ProcessState.ExitCode())
	}
}

// TestConfigErrorExit78: a bad setting or flag ends echod with EX_CONFIG
// (78), which the units name in RestartPreventExitStatus=, and the error
// line carries the error priority prefix "<3>" that journald reads.
func TestConfigErrorExit78(t *testing.T) {
	su := newSetup(t, 2)
	bad := filepath.Join(filepath.Dir(su.conf), "bad.conf")
	os.WriteFile(bad, []byte("workers = 0\n"), 0o644)
	for _, args := range [][]string{{"-config", bad}, {"-config", bad + ".missing"}, {"-no-such-flag"}} {
		var stderr bytes.Buffer
		cmd := exec.Command(su.echod, args...)
		cmd.Stderr = &stderr
		err := cmd.Run()
		ee, ok := errors.AsType[*exec.ExitError](err)
		if !ok || ee.ExitCode() != 78 {
			t.Fatalf("echod %q: %v, want exit status 78 (EX_CONFIG); stderr %q", args, err, stderr.String())
		}
		if line, _, _ := strings.Cut(stderr.String(), "\n"); !strings.HasPrefix(line, "<3>echod: ") {
			t.Fatalf("echod %q: first stderr line %q, want it at error priority (<3>echod: ...)", args, line)
		}
		t.Logf("echod %q: exit %d, %q", args, ee.ExitCode(), strings.SplitN(stderr.String(), "\n", 2)[0])
	}
}

// TestReloadAnswersOnceNewWorkersServe: `releasectl reload` (the units'
// ExecReload=) returns only once every worker is new and serves: at once
// after it, status lists only new workers, and a request is answered and
// counted by one of them. 20 reloads in a row.
func TestReloadAnswersOnceNewWorkersServe(t *testing.T) {
	su := newSetup(t, 2)
	addr, ctl := su.start(t, exec.Command(su.echod, "-config", su.conf))
	before := waitWorkers(t, ctl, 2, nil)
	const reloads = 20
	for i := range reloads {
		ctl("reload")
		var s ctlwire.Status
		json.Unmarshal(ctl("status").Data, &s)
		var now []int
		for _, w := range s.Workers {
			if slices.Contains(before, w.PID) {
				t.Fatalf("reload %d/%d answered while worker %d from before still ran (status %+v)", i+1, reloads, w.PID, s)
			}
			now = append(now, w.PID)
		}
		if len(now) != 2 {
			t.Fatalf("reload %d/%d answered with %d workers: %+v", i+1, reloads, len(now), s)
		}
		if got := echo(t, addr, "again\n"); got != "AGAIN\n" {
			t.Fatalf("reload %d/%d: echod answered %q", i+1, reloads, got)
		}
		servedBy(t, ctl, now)
		before = now
	}
	t.Logf("%d/%d reloads answered after both workers were new and serving", reloads, reloads)
}

// servedBy waits for the request just made to be counted by one of pids.
func servedBy(t *testing.T, ctl func(...string) ctlwire.Response, pids []int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var s ctlwire.Status
		json.Unmarshal(ctl("status").Data, &s)
		for _, w := range s.Workers {
			if w.Requests > 0 && slices.Contains(pids, w.PID) {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no worker of %v counted the request: %+v", pids, s)
		}
	}
}

// TestSocketActivation: with LISTEN_PID and LISTEN_FDS set, echod serves
// the socket it was passed (fd 3), not the address in its settings.
func TestSocketActivation(t *testing.T) {
	su := newSetup(t, 2)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	passed := ln.Addr().String()
	f, _ := ln.(*net.TCPListener).File()
	ln.Close()
	defer f.Close()
	// sh's exec keeps its PID, which LISTEN_PID must name.
	cmd := exec.Command("/bin/sh", "-c", `LISTEN_PID=$$ LISTEN_FDS=1 LISTEN_FDNAMES=echod exec "$0" -config "$1"`, su.echod, su.conf)
	cmd.ExtraFiles = []*os.File{f}
	addr, ctl := su.start(t, cmd)
	f.Close()
	if addr != passed {
		t.Fatalf("echod listens on %s, not on the socket it was passed (%s)", addr, passed)
	}
	waitWorkers(t, ctl, 2, nil)
	if got := echo(t, passed, "passed\n"); got != "PASSED\n" {
		t.Fatalf("echod answered %q on the passed socket", got)
	}
	t.Logf("echod served the passed socket %s", passed)
}
