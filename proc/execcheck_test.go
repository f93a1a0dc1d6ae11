package proc

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/release-daemon/release/internal/testenv"
)

// TestRootMasterRefusesUnsafeExecutables: as root, a worker executable
// that another user could change is refused before anything starts, with
// the file and the reason named; a symbolic link to a safe one starts.
func TestRootMasterRefusesUnsafeExecutables(t *testing.T) {
	testenv.TestUser(t)
	cases := []struct {
		name    string
		prepare func(t *testing.T, exe string) (path, culprit string)
		why     string // "" means it starts
	}{
		{"file writable by others", func(t *testing.T, exe string) (string, string) {
			must(t, os.Chmod(exe, 0o757))
			return exe, exe
		}, "writable by group or others"},
		{"file writable by group", func(t *testing.T, exe string) (string, string) {
			must(t, os.Chmod(exe, 0o775))
			return exe, exe
		}, "writable by group or others"},
		{"file owned by another user", func(t *testing.T, exe string) (string, string) {
			must(t, os.Chown(exe, testenv.UserID, testenv.UserID))
			return exe, exe
		}, "owned by uid 4242"},
		{"directory writable by others", func(t *testing.T, exe string) (string, string) {
			must(t, os.Chmod(filepath.Dir(exe), 0o777))
			return exe, filepath.Dir(exe)
		}, "writable by group or others"},
		{"directory owned by another user", func(t *testing.T, exe string) (string, string) {
			must(t, os.Chown(filepath.Dir(exe), testenv.UserID, testenv.UserID))
			return exe, filepath.Dir(exe)
		}, "owned by uid 4242"},
		{"symlink to an unsafe file", func(t *testing.T, exe string) (string, string) {
			must(t, os.Chmod(exe, 0o777))
			link := filepath.Join(filepath.Dir(exe), "link")
			must(t, os.Symlink(filepath.Base(exe), link))
			return link, exe
		}, "writable by group or others"},
		{"symlink to a root-owned file", func(t *testing.T, exe string) (string, string) {
			link := filepath.Join(filepath.Dir(exe), "link")
			must(t, os.Symlink(exe, link))
			return link, ""
		}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path, culprit := tc.prepare(t, copyExecutable(t))
			pids := make(chan int, 1)
			w := testWorker(t, "worker-upper", 1, upperHandler(pids))
			w.Path = path
			if tc.why == "" {
				stop, _ := runMaster(t, &Master{Workers: []Worker{w}, Logger: quietLogger()})
				waitPIDs(t, pids, 1)
				if err := stop(); err != nil {
					t.Fatal(err)
				}
				return
			}
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second) // a hang is a failure
			defer cancel()
			err := (&Master{Workers: []Worker{w}, Logger: quietLogger()}).Run(ctx)
			if !errors.Is(err, ErrUnsafeExecutable) || !strings.Contains(err.Error(), culprit+" ") || !strings.Contains(err.Error(), tc.why) {
				t.Fatalf("Run: %v; want ErrUnsafeExecutable naming %s and saying %q", err, culprit, tc.why)
			}
			t.Logf("refused: %v", err)
		})
	}
}

// TestRootMasterChecksBeforeEveryStart: a binary that became writable by
// others after Run began is not started again when its worker dies.
func TestRootMasterChecksBeforeEveryStart(t *testing.T) {
	testenv.TestUser(t)
	exe := copyExecutable(t)
	pids := make(chan int, 1)
	w := testWorker(t, "worker-upper", 1, upperHandler(pids))
	w.Path = exe
	var started, refused atomic.Int32
	logs := &syncBuffer{}
	m := &Master{Workers: []Worker{w}, Logger: slog.New(slog.NewTextHandler(logs, nil)),
		Events: func(e Event) {
			switch {
			case e.Kind == Started:
				started.Add(1)
			case e.Kind == StartFailed && errors.Is(e.Err, ErrUnsafeExecutable):
				refused.Add(1)
			}
		}}
	done := make(chan error, 1)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go func() { done <- m.Run(ctx) }()
	pid := waitPIDs(t, pids, 1)[0]
	must(t, os.Chmod(exe, 0o777))
	must(t, syscall.Kill(pid, syscall.SIGKILL))
	select {
	case err := <-done:
		if !errors.Is(err, ErrRestartLimit) {
			t.Fatalf("Run: %v; want the restart limit, every start refused", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the master kept going for 20 s with an unsafe executable")
	}
	if n := started.Load(); n != 1 {
		t.Errorf("%d workers started; want only the first, before the file changed", n)
	}
	if refused.Load() == 0 {
		t.Error("no StartFailed event with ErrUnsafeExecutable")
	}
	t.Logf(`{"test":"unsafe executable at restart","figures":{"started":%d,"refused_starts":%d}}`, started.Load(), refused.Load())
	if !strings.Contains(logs.String(), exe+" is writable by group or others") {
		t.Errorf("the log does not say why the worker did not start:\n%s", logs)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
