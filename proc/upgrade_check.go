package proc

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"time"
)

// Before an upgrade replaces the master's image, the new executable is
// rehearsed: run as a child with RELEASE_UPGRADE_CHECK set, the program
// goes through its start as it would after the exec (its flags, its
// configuration, its Binds) up to Master.Run, which checks its Master
// (workers' executables, sandboxes, listeners) and exits 0 without
// starting anything. A binary that does not run, exits early, fails its
// configuration or hangs before Run fails the check, and the running
// master goes on as before.

// upgradeCheckEnv marks the rehearsal.
const upgradeCheckEnv = "RELEASE_UPGRADE_CHECK"

// DefaultUpgradeCheckTimeout is Master.UpgradeCheck's default: how long
// the rehearsal of a new executable may take.
const DefaultUpgradeCheckTimeout = 15 * time.Second

// checking reports whether this process is the rehearsal of an upgrade.
func checking() bool { return os.Getenv(upgradeCheckEnv) == "1" }

// checkListener is what Bind gives the rehearsal: no socket, since the
// running master holds them, but the address it would have.
func checkListener(name, network, addr string) *Listener {
	var a net.Addr
	switch network {
	case "unix", "unixpacket", "unixgram":
		a = &net.UnixAddr{Name: addr, Net: network}
	case "udp", "udp4", "udp6":
		a, _ = net.ResolveUDPAddr(network, addr)
	default:
		a, _ = net.ResolveTCPAddr(network, addr)
	}
	if a == nil {
		a = &net.TCPAddr{}
	}
	return &Listener{name: name, network: network, addr: a, source: "check"}
}

// rehearse runs the new executable (exe, open) in check mode with the
// master's arguments and environment, and returns why it failed, if it
// did, in its own words (the end of its stderr).
func rehearse(ctx context.Context, exe *os.File, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "/proc/self/fd/3", os.Args[1:]...)
	cmd.Args[0] = os.Args[0]
	cmd.ExtraFiles = []*os.File{exe}
	var env []string
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); k != "NOTIFY_SOCKET" && k != upgradeEnv && !strings.HasPrefix(k, "LISTEN_") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, upgradeCheckEnv+"=1")
	var stderr tail
	cmd.Stderr = &stderr
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("%w: the new executable did not finish its check within %v (does it hang before Master.Run?)", ErrUpgrade, timeout)
	case err != nil:
		return fmt.Errorf("%w: the new executable failed its check (%v): %s", ErrUpgrade, err, stderr.text())
	}
	return nil
}

// tail keeps the last 2 KiB written to it.
type tail struct{ b []byte }

func (t *tail) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > 2048 {
		t.b = t.b[len(t.b)-2048:]
	}
	return len(p), nil
}

func (t *tail) text() string {
	s := string(bytes.TrimSpace(t.b))
	if s == "" {
		return "it said nothing on stderr"
	}
	return s
}
