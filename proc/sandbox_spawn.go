package proc

import (
	"fmt"
	"os"

	"github.com/release-daemon/release/proc/sandbox"
	"golang.org/x/sys/unix"
)

// sandboxEnv names the worker's fd holding its compiled sandbox program;
// the C shim, or else Me, reads it.
const sandboxEnv = "RELEASE_SANDBOX"

// sandboxFD is the worker's fd for the program, after the socket's 3.
const sandboxFD = 4

// checkSandbox parses a Worker's Sandbox spec, if any, and compiles it
// for the running kernel, so that Run fails before it starts anything.
// It returns what a best-effort spec will not have enforced here.
func checkSandbox(spec string) (missing []string, err error) {
	if spec == "" {
		return nil, nil
	}
	_, missing, err = compileSandbox(spec)
	return missing, err
}

// compileSandbox parses spec and compiles it for the running kernel.
func compileSandbox(spec string) (*sandbox.Program, []string, error) {
	s, err := sandbox.Parse(spec)
	if err != nil {
		return nil, nil, err
	}
	p, err := sandbox.CompileSupervised(s)
	if err != nil {
		return nil, nil, err
	}
	return p.ForKernel()
}

// sandboxFile compiles spec and returns a sealed memfd holding its
// encoding, close-on-exec: the dup2 of the worker's files clears that
// on the worker's copy only.
func sandboxFile(spec string) (*os.File, error) {
	p, _, err := compileSandbox(spec)
	if err != nil {
		return nil, err
	}
	b, err := p.MarshalBinary()
	if err != nil {
		return nil, err
	}
	fd, err := sealedMemfd("release-sandbox", b, unix.MFD_CLOEXEC)
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(fd), "sandbox program"), nil
}

// sandboxFiles adds the worker's sandbox program, if it has one, to its
// files as fd 4, and the socket on which it hands over its filter's
// listener as fd 5, with their variables; the returned link holds the
// master's copies (nil without a sandbox).
func sandboxFiles(w *Worker, files []*os.File, env []string) ([]*os.File, []string, *sandboxLink, error) {
	if w.Sandbox == "" {
		return files, env, nil, nil
	}
	f, err := sandboxFile(w.Sandbox)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("worker %q: sandbox: %w", w.Name, err)
	}
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		f.Close()
		return nil, nil, nil, os.NewSyscallError("socketpair", err)
	}
	l := &sandboxLink{prog: f, mine: os.NewFile(uintptr(fds[0]), "sandbox listener socket"),
		theirs: os.NewFile(uintptr(fds[1]), "sandbox listener socket")}
	env = append(env, fmt.Sprintf("%s=%d", sandboxEnv, sandboxFD), fmt.Sprintf("%s=%d", sandboxNotifyEnv, sandboxNotifyFD))
	return append(files, f, l.theirs), env, l, nil
}

// sandboxMiss is what a Worker's best-effort sandbox will lack here.
type sandboxMiss struct {
	worker  string
	missing []string
}
