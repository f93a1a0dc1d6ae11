package proc

import (
	"fmt"
	"log/slog"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/release-daemon/release/csrc"
	"github.com/release-daemon/release/proc/sandbox"
)

// enterSandbox enforces the sandbox the master gave this worker, if any
// (see [Worker].Sandbox), and logs what is enforced: in a cgo build the
// C shim applied it before the runtime started, and this only reads its
// verdict; otherwise (no cgo, or a shim that did not run) it applies the
// program from its fd with [sandbox.Program.Apply]. A part a best-effort
// spec could not enforce is logged at warning.
func enterSandbox(log *slog.Logger) error {
	switch state, msg := csrc.Sandbox(); state {
	case 1:
		log.Info("worker sandboxed", "by", "shim", "enforced", msg)
		return nil
	case -1:
		return fmt.Errorf("%w: %s", ErrSandbox, msg)
	}
	v, ok := os.LookupEnv(sandboxEnv)
	if !ok {
		return nil
	}
	os.Unsetenv(sandboxEnv)
	p, err := readSandbox(v)
	if err != nil {
		return err
	}
	rep, err := p.Apply()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrSandbox, err)
	}
	if rep.Listener >= 0 {
		if err := handListener(rep.Listener); err != nil {
			return err
		}
	}
	if len(rep.Missing) > 0 {
		log.Warn("worker sandboxed, in part", "by", "go", "enforced", rep.String(),
			"missing", strings.Join(rep.Missing, ", "))
		return nil
	}
	log.Info("worker sandboxed", "by", "go", "enforced", rep.String())
	return nil
}

// readSandbox reads and decodes the program on the fd the variable names.
func readSandbox(v string) (*sandbox.Program, error) {
	if fd, err := strconv.Atoi(v); err != nil || fd != sandboxFD {
		return nil, fmt.Errorf("%w: %s=%q", ErrSandbox, sandboxEnv, v)
	}
	// Only the sealed memfd a Master makes: a stray variable naming
	// another fd leaves that fd alone.
	b, err := readSealed(sandboxFD, math.MaxInt64)
	if err != nil {
		return nil, fmt.Errorf("%w: fd %d: %w", ErrSandbox, sandboxFD, err)
	}
	var p sandbox.Program
	if err := p.UnmarshalBinary(b); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSandbox, err)
	}
	return &p, nil
}
