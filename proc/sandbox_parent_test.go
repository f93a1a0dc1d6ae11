package proc

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/release-daemon/release/internal/testenv"
)

func init() {
	helpers["master-sandboxed-dropper"] = helperMasterSandboxedDropper
}

// helperMasterSandboxedDropper runs one worker under the sandbox
// RELEASE_TEST_SPEC that drops root with setresuid itself, which clears
// its parent-death signal, prints its PID once it has, and runs until
// killed.
func helperMasterSandboxedDropper() int {
	pid := make(chan int, 1)
	w := Worker{Name: "raw", Path: os.Getenv("RELEASE_TEST_EXE"), Args: []string{"-test.run=^$"},
		Sandbox: os.Getenv("RELEASE_TEST_SPEC"),
		Env:     []string{helperEnv + "=worker-drop", "RELEASE_TEST_WAY=raw", "GORACE=atexit_sleep_ms=0"},
		Handler: func(ctx context.Context, p Peer) error {
			if b, err := p.Conn.Read(); err != nil || string(b) != "dropped" {
				fmt.Fprintf(os.Stderr, "worker: %q, %v\n", b, err)
				return err
			}
			pid <- p.PID
			<-ctx.Done()
			return nil
		}}
	m := &Master{Workers: []Worker{w}, Logger: quietLogger()}
	go m.Run(context.Background())
	fmt.Println(<-pid)
	select {}
}

// TestKilledMasterTakesSandboxedWorker: a sandboxed worker that dropped
// root with setresuid (no parent-death signal left) still dies within
// 2 s of its master's SIGKILL, in 5 runs out of 5: Me's watch of its
// parent through a pidfd works under the filter, whose runtime baseline
// has pidfd_open. In a cgo build the shim applies the filter before Me
// opens the pidfd.
func TestKilledMasterTakesSandboxedWorker(t *testing.T) {
	testenv.TestUser(t)
	exe, _ := os.Executable()
	const runs = 5
	clean, worst := 0, time.Duration(0)
	for run := range runs {
		cmd := helperCommand(t, "master-sandboxed-dropper", "RELEASE_TEST_EXE="+exe, "RELEASE_TEST_SPEC=stdio id")
		cmd.Stderr = os.Stderr
		out, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		got := make(chan int, 1)
		go func() {
			var pid int
			fmt.Fscan(out, &pid)
			got <- pid
		}()
		var pid int
		select {
		case pid = <-got:
		case <-time.After(30 * time.Second):
		}
		cmd.Process.Kill()
		cmd.Wait()
		if pid == 0 {
			t.Fatalf("run %d: the master printed no worker PID within 30 s", run)
		}
		start := time.Now()
		for alive(pid) && time.Since(start) < 2*time.Second {
			time.Sleep(5 * time.Millisecond)
		}
		worst = max(worst, time.Since(start))
		if alive(pid) {
			status, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
			seccomp := ""
			for l := range strings.Lines(string(status)) {
				if strings.HasPrefix(l, "Seccomp:") {
					seccomp = strings.TrimSpace(l)
				}
			}
			t.Errorf("run %d: sandboxed worker %d (%s) alive 2 s after its master's SIGKILL", run, pid, seccomp)
			syscall.Kill(pid, syscall.SIGKILL)
		} else {
			clean++
		}
		reap(pid)
	}
	t.Logf("sandboxed workers gone within 2 s of their master's SIGKILL: %d/%d, slowest %v", clean, runs, worst.Round(time.Millisecond))
}
