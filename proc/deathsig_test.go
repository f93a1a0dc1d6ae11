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

	"github.com/release-daemon/release/frame"
	"github.com/release-daemon/release/internal/testenv"
)

func init() {
	helpers["master-droppers"] = helperMasterDroppers
	helpers["worker-drop"] = helperWorkerDrop
}

// dropWays are the ways a worker can lose root: the Master sets its
// credentials at spawn, Me drops to MeOptions.User, main calls
// DropPrivileges, or main calls setresuid itself.
var dropWays = []string{"spawn", "me", "self", "raw"}

// helperMasterDroppers runs one worker per drop way and prints way=PID
// for each once it has dropped root, then runs until killed.
func helperMasterDroppers() int {
	exe := os.Getenv("RELEASE_TEST_EXE")
	pids := make(chan string, len(dropWays))
	var workers []Worker
	for _, way := range dropWays {
		w := Worker{Name: way, Path: exe, Args: []string{"-test.run=^$"},
			Env: []string{helperEnv + "=worker-drop", "RELEASE_TEST_WAY=" + way, "GORACE=atexit_sleep_ms=0"},
			Handler: func(ctx context.Context, p Peer) error {
				if b, err := p.Conn.Read(); err != nil || string(b) != "dropped" {
					fmt.Fprintf(os.Stderr, "worker %s: %q, %v\n", way, b, err)
					return err
				}
				pids <- fmt.Sprintf("%s=%d", way, p.PID)
				<-ctx.Done()
				return nil
			}}
		if way == "spawn" {
			w.User = testenv.UserName
		}
		workers = append(workers, w)
	}
	m := &Master{Workers: workers, Logger: quietLogger()}
	go m.Run(context.Background())
	for range dropWays {
		fmt.Print(<-pids, " ")
	}
	fmt.Println()
	select {}
}

// helperWorkerDrop loses root the way RELEASE_TEST_WAY says, tells the
// master, and then never reads again: only the parent-death signal or
// Me's watch can end it.
func helperWorkerDrop() int {
	way := os.Getenv("RELEASE_TEST_WAY")
	opts := MeOptions{AllowRoot: way != "spawn", Logger: quietLogger()}
	if way == "me" {
		opts.User = testenv.UserName
	}
	err := Me(context.Background(), opts, func(ctx context.Context, c *frame.Conn) error {
		Ready()
		switch way {
		case "self":
			if err := DropPrivileges(testenv.UserName, NoChroot); err != nil {
				return err
			}
		case "raw":
			if err := syscall.Setgroups(nil); err != nil {
				return err
			}
			if err := syscall.Setresgid(testenv.UserID, testenv.UserID, testenv.UserID); err != nil {
				return err
			}
			if err := syscall.Setresuid(testenv.UserID, testenv.UserID, testenv.UserID); err != nil {
				return err
			}
		}
		if os.Geteuid() != testenv.UserID {
			return fmt.Errorf("still uid %d", os.Geteuid())
		}
		if err := c.Write([]byte("dropped")); err != nil {
			return err
		}
		for {
			time.Sleep(time.Hour)
		}
	})
	fmt.Fprintln(os.Stderr, "worker", way, err)
	return 1
}

// TestKilledMasterTakesWorkersThatDroppedRoot: whichever way a worker
// lost root, SIGKILL of its master leaves no worker alive 2 s later, in
// 20 runs out of 20.
func TestKilledMasterTakesWorkersThatDroppedRoot(t *testing.T) {
	testenv.TestUser(t)
	exe := copyExecutable(t) // where the test user may run it
	const runs = 20
	clean, worst := 0, time.Duration(0)
	survivors := map[string]int{}
	for run := range runs {
		pids := startDroppers(t, exe)
		start := time.Now()
		for way, pid := range pids {
			for alive(pid) && time.Since(start) < 2*time.Second {
				time.Sleep(5 * time.Millisecond)
			}
			if alive(pid) {
				survivors[way]++
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		worst = max(worst, time.Since(start))
		if len(survivors) == 0 {
			clean++
		}
		for _, pid := range pids {
			reap(pid)
		}
		if len(survivors) != 0 {
			t.Errorf("run %d: workers alive 2 s after their master's SIGKILL, by drop way: %v", run, survivors)
			clear(survivors)
		}
	}
	t.Logf(`{"test":"SIGKILL the master of workers that dropped root","figures":{"clean_runs":"%d/%d","ways":%q,"slowest_run_ms":%d}}`,
		clean, runs, strings.Join(dropWays, ","), worst.Milliseconds())
}

// startDroppers starts the droppers' master, waits for its workers' PIDs
// by drop way, and SIGKILLs it.
func startDroppers(t *testing.T, exe string) map[string]int {
	t.Helper()
	cmd := helperCommand(t, "master-droppers", "RELEASE_TEST_EXE="+exe)
	cmd.Stderr = os.Stderr
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pids := map[string]int{}
	read := make(chan error, 1)
	go func() {
		var err error
		for range dropWays {
			var pair string
			if _, err = fmt.Fscan(out, &pair); err != nil {
				break
			}
			way, pid, _ := strings.Cut(pair, "=")
			pids[way], _ = strconv.Atoi(pid)
		}
		read <- err
	}()
	var err error
	select {
	case err = <-read:
	case <-time.After(30 * time.Second):
		err = fmt.Errorf("timed out")
	}
	cmd.Process.Kill()
	cmd.Wait()
	if err != nil {
		t.Fatalf("the master printed no worker PIDs: %v", err)
	}
	return pids
}

// reap collects pid once it has died: dead workers are reparented to the
// test process, a subreaper.
func reap(pid int) {
	for range 200 {
		if wpid, _ := syscall.Wait4(pid, nil, syscall.WNOHANG, nil); wpid == pid || !exists(pid) {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func exists(pid int) bool {
	_, err := os.Stat("/proc/" + strconv.Itoa(pid))
	return err == nil
}
