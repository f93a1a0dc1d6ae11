package proc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/release-daemon/release/csrc"
	"github.com/release-daemon/release/frame"
	"golang.org/x/sys/unix"
)

func init() {
	helpers["worker-sandboxed"] = helperWorkerSandboxed
	helpers["sandbox-stray"] = helperSandboxStray
}

// helperWorkerSandboxed answers each command frame with what the attempt
// gave, "ok" or the error, each attempt on a goroutine locked to a fresh
// thread; "exit" ends main cleanly.
func helperWorkerSandboxed() int {
	err := Me(context.Background(), MeOptions{AllowRoot: true, Logger: quietLogger()}, func(ctx context.Context, c *frame.Conn) error {
		Ready()
		for {
			p, err := c.Read()
			if err != nil {
				return err
			}
			cmd, arg, _ := strings.Cut(string(p), " ")
			if cmd == "exit" {
				return nil
			}
			if err := c.Write([]byte(onFreshThread(func() error { return sandboxAttempt(cmd, arg) }))); err != nil {
				return err
			}
		}
	})
	if err == nil || errors.Is(err, io.EOF) {
		return 0
	}
	return 1
}

// onFreshThread runs f on a goroutine locked to a thread of its own,
// which exits with it, and says what f returned.
func onFreshThread(f func() error) string {
	out := make(chan string, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread exits after
		if err := f(); err != nil {
			out <- err.Error()
			return
		}
		out <- "ok"
	}()
	return <-out
}

// sandboxAttempt tries one thing a sandbox may refuse.
func sandboxAttempt(cmd, arg string) error {
	switch cmd {
	case "ping":
		return nil
	case "route": // who applied the sandbox
		if state, _ := csrc.Sandbox(); state == 1 {
			return errors.New("shim")
		}
		return errors.New("go")
	case "open":
		fd, err := unix.Open(arg, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err == nil {
			unix.Close(fd)
		}
		return err
	case "socket":
		fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err == nil {
			unix.Close(fd)
		}
		return err
	case "exec": // the test binary again: if it ran, this worker is gone
		return unix.Exec(arg, []string{arg, "-test.run=^$"}, []string{helperEnv + "=worker-crash"})
	}
	return violationAttempt(cmd, arg)
}

// sandboxCall sends cmd and returns the worker's answer.
func sandboxCall(ctx context.Context, c *frame.Conn, cmd string) (string, error) {
	if err := c.Write([]byte(cmd)); err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	p, err := c.ReadContext(ctx)
	return string(p), err
}

// seccompModes reads the Seccomp line of every thread of pid.
func seccompModes(pid int) ([]string, error) {
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/status", pid))
	if err != nil || len(tasks) == 0 {
		return nil, fmt.Errorf("no threads of %d: %v", pid, err)
	}
	var modes []string
	for _, t := range tasks {
		b, err := os.ReadFile(t)
		if err != nil {
			continue // a thread that exited since the glob
		}
		for l := range strings.Lines(string(b)) {
			if v, ok := strings.CutPrefix(l, "Seccomp:"); ok {
				modes = append(modes, strings.TrimSpace(v))
			}
		}
	}
	return modes, nil
}

// helperSandboxStray enters the sandbox as Me would, with a stray
// RELEASE_SANDBOX naming an ordinary file, and says what it got and
// whether that fd is still the file.
func helperSandboxStray() int {
	err := enterSandbox(quietLogger())
	buf := make([]byte, 64)
	n, _ := unix.Pread(sandboxFD, buf, 0)
	fmt.Printf("sandbox error: %t; fd 4 still the file: %t; %v\n", errors.Is(err, ErrSandbox),
		string(buf[:max(n, 0)]) == "RSBX not a program", err)
	return 0
}
