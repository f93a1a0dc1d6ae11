package proc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/release-daemon/release/internal/testenv"
)

func init() {
	helpers["master-with-user"] = helperMasterWithUser
}

// userReport is what the master-with-user helper saw.
type userReport struct {
	EUID      int
	Err       string
	NotRoot   bool // errors.Is(err, ErrNotRoot)
	Starts    int  // Started and StartFailed events
	ElapsedMS int64
}

// helperMasterWithUser runs, as whoever it is, a Master whose Worker has a
// User, and reports how Run ended.
func helperMasterWithUser() int {
	exe, _ := os.Executable()
	starts := make(chan struct{}, 64)
	m := &Master{Workers: []Worker{{Name: "as-nobody", Path: exe, Args: []string{"-test.run=^$"}, User: "nobody",
		Env: []string{helperEnv + "=worker-upper"}}}, Logger: quietLogger(),
		Events: func(e Event) {
			if e.Kind == Started || e.Kind == StartFailed {
				select {
				case starts <- struct{}{}:
				default:
				}
			}
		}}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	start := time.Now()
	err := m.Run(ctx)
	rep := userReport{EUID: os.Geteuid(), NotRoot: errors.Is(err, ErrNotRoot), Starts: len(starts),
		ElapsedMS: time.Since(start).Milliseconds()}
	if err != nil {
		rep.Err = err.Error()
	}
	if writeReportTo(os.Stdout, rep) != nil {
		return 1
	}
	return 0
}

// TestWorkerUserAsPlainUser: a Master that is not root, given a Worker
// with a User, fails at Run with ErrNotRoot before it starts anything,
// rather than failing every start up to the restart limit. As root, the
// master runs as the test user, as a plain user would.
func TestWorkerUserAsPlainUser(t *testing.T) {
	var cmd *exec.Cmd
	if os.Geteuid() == 0 {
		testenv.TestUser(t)
		exe := copyExecutable(t) // where the test user may run it
		cmd = helperCommand(t, "master-with-user")
		cmd.Path, cmd.Args[0] = exe, exe
		cmd.Dir = "/"
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: testenv.UserID, Gid: testenv.UserID}}
	} else {
		cmd = helperCommand(t, "master-with-user")
	}
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := runWithin(cmd, 30*time.Second); err != nil {
		t.Fatalf("the helper: %v; %s", err, stderr.String())
	}
	var rep userReport
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("the helper's report %q: %v", out.String(), err)
	}
	if rep.EUID == 0 {
		t.Fatal("the helper ran as root")
	}
	if !rep.NotRoot || rep.Starts != 0 {
		t.Fatalf("a Master as uid %d with Worker.User: Run = %q after %d starts, want ErrNotRoot before any", rep.EUID, rep.Err, rep.Starts)
	}
	t.Logf("uid %d: Run failed after %d starts in %d ms: %s", rep.EUID, rep.Starts, rep.ElapsedMS, rep.Err)
}

// TestWorkerNeedsRootCheck: the check behind it, for either euid.
func TestWorkerNeedsRootCheck(t *testing.T) {
	for _, c := range []struct {
		w    Worker
		euid int
		want error
	}{
		{Worker{User: "nobody"}, 1000, ErrNotRoot},
		{Worker{Chroot: "/var/empty"}, 1000, ErrNotRoot},
		{Worker{User: "nobody"}, 0, nil},
		{Worker{Chroot: "/var/empty"}, 0, nil},
		{Worker{}, 1000, nil},
	} {
		if err := checkWorkerNeedsRoot(&c.w, c.euid); !errors.Is(err, c.want) || (c.want == nil) != (err == nil) {
			t.Errorf("User %q, Chroot %q, euid %d: %v, want %v", c.w.User, c.w.Chroot, c.euid, err, c.want)
		}
	}
}
