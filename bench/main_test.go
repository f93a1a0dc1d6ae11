package bench

import (
	"log/slog"
	"os"
	"os/exec"
	"syscall"
	"testing"
)

const helperEnv = "RELEASE_BENCH_HELPER"

// helpers are the servers a benchmark starts as a second process: this
// binary again, with one end of a socketpair as fd 3.
var helpers = map[string]func(fd int) int{
	"frame-echo":   frameEchoServer,
	"raw-echo":     rawEchoServer,
	"netconn-echo": netConnEchoServer,
	"netrpc-echo":  netrpcEchoServer,
}

func TestMain(m *testing.M) {
	if name := os.Getenv(helperEnv); name != "" {
		if h, ok := helpers[name]; ok {
			os.Exit(h(3))
		}
		os.Exit(0) // a bare start, for comparisons
	}
	os.Exit(m.Run())
}

// startServer starts the named helper and returns this side's fd of the
// socketpair; the helper is killed when the benchmark ends.
func startServer(b *testing.B, name string) int {
	b.Helper()
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		b.Fatal(err)
	}
	theirs := os.NewFile(uintptr(fds[1]), "server")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+name)
	cmd.ExtraFiles = []*os.File{theirs}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	theirs.Close()
	b.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return fds[0]
}

func quietLog() *slog.Logger { return slog.New(slog.DiscardHandler) }

func execCommand(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), helperEnv+"=none")
	return cmd
}
