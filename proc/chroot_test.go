package proc

import (
	"context"
	"debug/elf"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/release-daemon/release/frame"
	"github.com/release-daemon/release/internal/testenv"
)

func init() { helpers["worker-cwd"] = helperWorkerCwd }

// helperWorkerCwd sends its working directory and whether a relative path
// reaches the host's /etc/passwd.
func helperWorkerCwd() int {
	Me(context.Background(), MeOptions{AllowRoot: true}, func(ctx context.Context, c *frame.Conn) error {
		Ready()
		cwd, err := os.Getwd()
		if err != nil {
			cwd = "error: " + err.Error()
		}
		_, err = os.Stat("../../../../../../etc/passwd")
		return c.Write([]byte(cwd + " " + map[bool]string{true: "host-reachable", false: "jailed"}[err == nil]))
	})
	return 0
}

// TestChrootedWorkerStartsInsideItsJail: a worker with Chroot starts with
// its working directory at the jail's root, so that a relative path cannot
// reach the host (Go chroots between fork and exec but changes directory
// only when asked), and a relative Path is looked up inside the jail.
func TestChrootedWorkerStartsInsideItsJail(t *testing.T) {
	testenv.RequireRoot(t)
	exe, _ := os.Executable()
	if f, err := elf.Open(exe); err != nil || hasInterp(f) {
		t.Skip("needs a statically linked test binary (CGO_ENABLED=0, or the container's) to run inside an empty jail")
	}
	jail, err := os.MkdirTemp("", "jail")
	must(t, err)
	t.Cleanup(func() { os.RemoveAll(jail) })
	must(t, os.Chmod(jail, 0o755))
	b, err := os.ReadFile(exe)
	must(t, err)
	must(t, os.WriteFile(filepath.Join(jail, "w"), b, 0o755))
	got := make(chan string, 1)
	w := testWorker(t, "worker-cwd", 1, func(ctx context.Context, p Peer) error {
		b, err := p.Conn.Read()
		if err == nil {
			got <- string(b)
		}
		<-ctx.Done()
		return nil
	})
	w.Path, w.Chroot = "w", jail // relative: inside the jail
	var logs syncBuffer
	stop, _ := runMaster(t, &Master{Workers: []Worker{w}, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	defer stop()
	select {
	case s := <-got:
		if s != "/ jailed" {
			t.Fatalf("the chrooted worker reports %q; want it in the jail's / with the host out of reach", s)
		}
		t.Logf("chrooted worker: %q", s)
	case <-time.After(20 * time.Second):
		t.Fatalf("the chrooted worker did not report; the master's log:\n%s", logs.String())
	}
}

func hasInterp(f *elf.File) bool {
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return true
		}
	}
	return false
}
