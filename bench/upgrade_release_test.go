package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// releaseImpl is examples/echod, upgraded by releasectl.
var releaseImpl = impl{pkg: "../examples/echod", check: checkReleasectl, start: startRelease}

// checkReleasectl builds releasectl and skips if it has no upgrade command.
func checkReleasectl(b *testing.B, tools string) {
	build(b, "../cmd/releasectl", filepath.Join(tools, "releasectl"))
	_, err := releasectl(b.Context(), filepath.Join(tools, "releasectl"), filepath.Join(tools, "none"), "upgrade")
	if errors.Is(err, errNoUpgrade) {
		b.Skipf("%v: the release side of the comparison needs it", err)
	}
}

// releaseServer is an echod with 2 workers and its control socket.
type releaseServer struct {
	ctl, socket, address string
	cmd                  *exec.Cmd
	exited               chan error
}

func startRelease(b *testing.B, ctx context.Context, tools, dir, bin string) upgradee {
	s := &releaseServer{ctl: filepath.Join(tools, "releasectl"), socket: filepath.Join(dir, "ctl")}
	conf := filepath.Join(dir, "echod.conf")
	os.WriteFile(conf, []byte(`listen = "127.0.0.1:0" workers = 2 log_level = warning control = "`+
		s.socket+`" lock = "`+filepath.Join(dir, "pid")+`"`), 0o644)
	var out *lineLog
	s.cmd, out, s.exited = startProcess(b, bin, "-config", conf)
	line, err := out.wait(ctx, 0, func(line string) bool { return strings.Contains(line, "listening on ") })
	if err != nil {
		s.stop()
		b.Fatal(err)
	}
	_, rest, _ := strings.Cut(line, "listening on ")
	s.address, _, _ = strings.Cut(rest, " ")
	if err := s.controlReady(ctx); err != nil {
		s.stop()
		b.Fatal(err)
	}
	return s
}

// controlReady waits for echod's control socket, bound a moment after it
// says where it listens.
func (s *releaseServer) controlReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, upgradeTimeout)
	defer cancel()
	for {
		_, err := s.status(ctx)
		if err == nil || ctx.Err() != nil {
			return err
		}
		pause(ctx, 20*time.Millisecond)
	}
}

func (s *releaseServer) addr() string                { return s.address }
func (s *releaseServer) ready(context.Context) error { return nil }
func (s *releaseServer) retries() int                { return 0 }

func (s *releaseServer) upgrade(ctx context.Context, v string) error {
	if _, err := releasectl(ctx, s.ctl, s.socket, "-timeout", upgradeTimeout.String(), "upgrade"); err != nil {
		return err
	}
	st, err := s.status(ctx)
	if err == nil && st.Version != "" && !slices.Contains(strings.Fields(st.Version), v) {
		err = fmt.Errorf("serving %q after the upgrade to %s", st.Version, v)
	}
	return err
}

func (s *releaseServer) pid(ctx context.Context) (int, error) {
	st, err := s.status(ctx)
	return st.PID, err
}

// releaseStatus is what the benchmark reads of `releasectl -json status`.
type releaseStatus struct {
	PID     int    `json:"pid"`     // the master's
	Version string `json:"version"` // its banner, where echod reports one
}

func (s *releaseServer) status(ctx context.Context) (releaseStatus, error) {
	out, err := releasectl(ctx, s.ctl, s.socket, "-json", "status")
	var resp struct {
		Data releaseStatus `json:"data"`
	}
	if err == nil {
		err = json.Unmarshal(out, &resp)
	}
	if err == nil && resp.Data.PID == 0 {
		err = fmt.Errorf("status without a PID: %s", out)
	}
	return resp.Data, err
}

func (s *releaseServer) stop() {
	s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		<-s.exited
	}
}

// releasectl runs it, returning its stdout; an error has its stderr, and
// is errNoUpgrade when it says the command is unknown.
func releasectl(ctx context.Context, ctl, socket string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, upgradeTimeout+10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, ctl, append([]string{"-socket", socket}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	for line := range strings.Lines(stderr.String()) {
		if err != nil && strings.Contains(line, "unknown command") {
			return out, fmt.Errorf("releasectl %s: %w (%s)", strings.Join(args, " "), errNoUpgrade, strings.TrimSpace(line))
		}
	}
	if err != nil {
		return out, fmt.Errorf("releasectl %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}
