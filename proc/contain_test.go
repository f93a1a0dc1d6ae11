package proc

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/release-daemon/release/frame"
)

func init() {
	helpers["worker-forker"] = helperWorkerForker
	helpers["double-forker"] = helperDoubleForker
	helpers["sleeper"] = func() int { time.Sleep(5 * time.Minute); return 0 }
}

// forkerExit is the worker-forker's exit code, which the test Master is
// told not to restart.
const forkerExit = 7

// helperWorkerForker leaves three descendants (a child in its process
// group, a child leading a group of its own, and a grandchild that forked
// twice and called setsid, whose parent is gone) and sends their PIDs to
// the master. With RELEASE_TEST_END=exit it then exits; otherwise it
// waits for the master to stop it.
func helperWorkerForker() int {
	Me(context.Background(), MeOptions{AllowRoot: true, Logger: quietLogger()}, func(ctx context.Context, c *frame.Conn) error {
		Ready()
		exe, _ := os.Executable()
		start := func(name string, sys *syscall.SysProcAttr) *exec.Cmd {
			cmd := exec.Command(exe, "-test.run=^$")
			cmd.Env = append(os.Environ(), helperEnv+"="+name)
			cmd.SysProcAttr = sys
			return cmd
		}
		child := start("sleeper", nil)
		leader := start("sleeper", &syscall.SysProcAttr{Setpgid: true})
		if err := child.Start(); err != nil {
			return err
		}
		if err := leader.Start(); err != nil {
			return err
		}
		out, err := start("double-forker", nil).Output()
		if err != nil {
			return err
		}
		msg := fmt.Sprintf("%d %d %s", child.Process.Pid, leader.Process.Pid, strings.TrimSpace(string(out)))
		if err := c.Write([]byte(msg)); err != nil {
			return err
		}
		if os.Getenv("RELEASE_TEST_END") == "exit" {
			os.Exit(forkerExit)
		}
		_, err = c.Read() // until the master goes
		return err
	})
	return 0
}

// helperDoubleForker starts a sleeper in a session of its own, prints its
// PID and exits, orphaning it.
func helperDoubleForker() int {
	exe, _ := os.Executable()
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=sleeper")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return 1
	}
	fmt.Println(cmd.Process.Pid)
	return 0
}

// containModes are the two ways a Master contains its workers' trees:
// cgroups where it can write them (root), and process groups with
// subreaping everywhere.
var containModes = []struct {
	name      string
	noCgroups bool
}{{"default", false}, {"no cgroups", true}}

// forkerMaster runs a Master of one worker-forker and returns its
// descendants' PIDs once it has sent them, and the worker's PID.
func forkerMaster(t *testing.T, noCgroups bool, end string, events func(Event)) (stop func() error, pids []int, worker int) {
	got := make(chan string, 1)
	w := testWorker(t, "worker-forker", 1, func(ctx context.Context, p Peer) error {
		b, err := p.Conn.Read()
		if err != nil {
			return err
		}
		got <- fmt.Sprint(p.PID, " ", string(b))
		<-ctx.Done()
		return nil
	})
	w.Env = append(w.Env, "RELEASE_TEST_END="+end)
	m := &Master{Workers: []Worker{w}, Logger: quietLogger(), NoCgroups: noCgroups, StopGrace: 2 * time.Second,
		Restart: RestartPolicy{DoNotRestart: forkerExit}, Events: events}
	stop, _ = runMaster(t, m)
	select {
	case s := <-got:
		for f := range strings.FieldsSeq(s) {
			n, _ := strconv.Atoi(f)
			pids = append(pids, n)
		}
	case <-time.After(20 * time.Second):
		stop()
		t.Fatal("the worker sent no descendants within 20 s")
	}
	if len(pids) != 4 {
		stop()
		t.Fatalf("the worker sent %v, want its PID and 3 descendants", pids)
	}
	return stop, pids[1:], pids[0]
}

// leftOf lists the PIDs that still exist, alive or zombie, and kills and
// reaps them so that a failing test leaves nothing behind.
func leftOf(pids []int) []string {
	var left []string
	for _, pid := range pids {
		if st, err := readStat(pid); err == nil {
			left = append(left, fmt.Sprintf("%d (%c)", pid, st.state))
			syscall.Kill(pid, syscall.SIGKILL)
			reap(pid)
		}
	}
	return left
}

// cgroupNote says whether the worker ran in a cgroup of the Run's.
func cgroupNote(worker int) string {
	path, err := cgroupOf(strconv.Itoa(worker))
	if err != nil || !strings.Contains(path, "/release.") {
		return "process group and subreaper"
	}
	return "cgroup " + path
}

// TestWorkerDescendantsDieWithIt: 1 s after a worker exits, nothing it
// started is left, a double-forked setsid grandchild included.
func TestWorkerDescendantsDieWithIt(t *testing.T) {
	for _, mode := range containModes {
		t.Run(mode.name, func(t *testing.T) {
			exited := make(chan time.Time, 1)
			stop, pids, worker := forkerMaster(t, mode.noCgroups, "exit", func(e Event) {
				if e.Kind == Exited {
					exited <- e.Time
				}
			})
			defer stop()
			note := cgroupNote(worker)
			select {
			case <-exited:
			case <-time.After(20 * time.Second):
				t.Fatal("the worker did not exit")
			}
			time.Sleep(time.Second)
			left := leftOf(pids)
			if len(left) > 0 {
				t.Errorf("1 s after the worker exited, its descendants %v of %v are left (contained by %s)", left, pids, note)
			}
			t.Logf(`{"test":"descendants after a worker's exit","figures":{"descendants":%d,"left_after_1s":%d,"containment":%q}}`,
				len(pids), len(left), note)
		})
	}
}

// TestRunLeavesNoDescendants: 1 s after Run returns, nothing any worker
// started is left.
func TestRunLeavesNoDescendants(t *testing.T) {
	for _, mode := range containModes {
		t.Run(mode.name, func(t *testing.T) {
			stop, pids, worker := forkerMaster(t, mode.noCgroups, "stay", nil)
			note := cgroupNote(worker)
			if err := stop(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(time.Second)
			left := leftOf(append(pids, worker))
			if len(left) > 0 {
				t.Errorf("1 s after Run returned, %v of %v are left (contained by %s)", left, pids, note)
			}
			t.Logf(`{"test":"descendants after Run returns","figures":{"descendants":%d,"left_after_1s":%d,"containment":%q}}`,
				len(pids), len(left), note)
		})
	}
}
