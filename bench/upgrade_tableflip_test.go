package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// tableflipImpl is bench/cmd/tableflip-echo, upgraded by SIGHUP.
var tableflipImpl = impl{pkg: "./cmd/tableflip-echo", start: startTableflip}

// tableflipServer is a tableflip-echo and the processes its upgrades
// started, which all write to one pipe: what they say there is how the
// benchmark follows them.
type tableflipServer struct {
	out       *lineLog
	pidFile   string
	address   string
	cur       int  // the serving process
	hasParent bool // cur was started by an upgrade
	refused   int  // SIGHUPs refused because the parent had not exited
	first     *exec.Cmd
	exited    chan error
}

func startTableflip(b *testing.B, ctx context.Context, _, dir, bin string) upgradee {
	s := &tableflipServer{pidFile: filepath.Join(dir, "pid")}
	s.first, s.out, s.exited = startProcess(b, bin, "-pid-file", s.pidFile, "-drain", tableflipDrain.String())
	s.cur = s.first.Process.Pid
	line, err := s.out.wait(ctx, 0, says("v0", 0, "listening on "))
	if err != nil {
		s.stop()
		b.Fatal(err)
	}
	_, s.address, _ = strings.Cut(line, "listening on ")
	if _, err := s.out.wait(ctx, 0, says("v0", s.cur, "ready")); err != nil {
		s.stop()
		b.Fatal(err)
	}
	return s
}

// says matches a line of tableflip-echo: version v (any if ""), process
// pid (any if 0), saying something that begins with what.
func says(v string, pid int, what string) func(string) bool {
	return func(line string) bool {
		ev, ok := parseSays(line)
		return ok && (v == "" || ev.version == v) && (pid == 0 || ev.pid == pid) &&
			strings.HasPrefix(ev.what, what)
	}
}

type saying struct {
	version string
	pid     int
	what    string
}

func parseSays(line string) (saying, bool) {
	var s saying
	head, what, ok := strings.Cut(line, ": ")
	if !ok {
		return s, false
	}
	_, err := fmt.Sscanf(head, "tableflip-echo %s pid %d", &s.version, &s.pid)
	s.what = what
	return s, err == nil
}

func (s *tableflipServer) addr() string { return s.address }

// ready waits for the process before cur to exit: tableflip refuses to
// upgrade until then.
func (s *tableflipServer) ready(ctx context.Context) error {
	if !s.hasParent {
		return nil
	}
	_, err := s.out.wait(ctx, 0, says("", s.cur, "parent exited"))
	return err
}

// upgrade sends SIGHUP until the old process starts one (tableflip may
// refuse a moment after the parent exited, which it notices concurrently),
// and waits for the new process to be ready and in the PID file.
func (s *tableflipServer) upgrade(ctx context.Context, v string) error {
	ctx, cancel := context.WithTimeout(ctx, upgradeTimeout)
	defer cancel()
	old := s.cur
	for {
		from := s.out.mark()
		if err := syscall.Kill(old, syscall.SIGHUP); err != nil {
			return err
		}
		line, err := s.out.wait(ctx, from, func(line string) bool {
			ev, _ := parseSays(line)
			return ev.pid == old && strings.HasPrefix(ev.what, "upgrade failed") ||
				ev.version == v && ev.pid != old && ev.what == "ready"
		})
		if err != nil {
			return err
		}
		ev, _ := parseSays(line)
		switch {
		case ev.what == "upgrade failed: parent hasn't exited":
			s.refused++
			pause(ctx, 10*time.Millisecond)
			continue
		case ev.pid == old:
			return errors.New(line)
		}
		if pid, err := s.pid(ctx); err != nil || pid != ev.pid {
			return fmt.Errorf("PID file says %d (%v), the new process is %d", pid, err, ev.pid)
		}
		s.cur, s.hasParent = ev.pid, true
		return nil
	}
}

func (s *tableflipServer) retries() int { return s.refused }

func (s *tableflipServer) pid(context.Context) (int, error) {
	data, err := os.ReadFile(s.pidFile)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(string(data)))
}

// stop ends the serving process and waits for every process to close the
// output; past a deadline it kills those that have not said they exit.
func (s *tableflipServer) stop() {
	syscall.Kill(s.cur, syscall.SIGTERM)
	ctx, cancel := context.WithTimeout(context.Background(), 2*tableflipDrain+10*time.Second)
	defer cancel()
	s.out.wait(ctx, 0, func(string) bool { return false })
	if ctx.Err() != nil {
		s.killAll()
	}
	s.first.Process.Kill()
	<-s.exited
}

// killAll kills the processes that started and never said they exit.
func (s *tableflipServer) killAll() {
	s.out.mu.Lock()
	lines := s.out.lines
	s.out.mu.Unlock()
	live := map[int]bool{}
	for _, line := range lines {
		if ev, ok := parseSays(line); ok {
			live[ev.pid] = live[ev.pid] || strings.HasPrefix(ev.what, "listening on ")
			if strings.HasPrefix(ev.what, "exiting") {
				live[ev.pid] = false
			}
		}
	}
	for pid, ok := range live {
		if ok && pid > 0 {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}
