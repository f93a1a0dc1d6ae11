package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// helperEnv names the helper a re-run of this test binary should be;
// specEnv carries the spec it applies, in the text form.
const (
	helperEnv = "SANDBOX_TEST_HELPER"
	specEnv   = "SANDBOX_TEST_SPEC"
)

// helpers are the roles a child process started by a test can take. Each
// returns the exit status.
var helpers = map[string]func() int{
	"attempt": helperAttempt,
	"threads": helperThreads,
	"runtime": helperRuntime,
	"loop":    helperLoop,
	"listing": helperListing,
	"osexec":  helperOSExec,
	"sleep":   func() int { time.Sleep(time.Minute); return 0 },
}

func TestMain(m *testing.M) {
	if name := os.Getenv(helperEnv); name != "" {
		os.Exit(helpers[name]())
	}
	os.Exit(m.Run())
}

// childResult is how a helper ended.
type childResult struct {
	out    []byte // its standard output
	stderr []byte
	status syscall.WaitStatus
}

// String describes how the child ended, with the end of its stderr.
func (r childResult) String() string {
	s := fmt.Sprintf("exit %d", r.status.ExitStatus())
	if r.status.Signaled() {
		s = "killed by " + r.status.Signal().String()
	}
	if len(r.stderr) > 0 {
		s += "; stderr: " + string(r.stderr[max(0, len(r.stderr)-2000):])
	}
	return s
}

// runHelper runs this test binary as the named helper with spec and extra
// environment variables, within a minute, and returns how it ended.
func runHelper(t testing.TB, name, spec string, env ...string) childResult {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, exe, "-test.run=^$")
	cmd.Env = append(append(os.Environ(), helperEnv+"="+name, specEnv+"="+spec, "GORACE=atexit_sleep_ms=0"), env...)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	err = cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("helper %s: %v", name, err)
	}
	if ctx.Err() != nil {
		t.Fatalf("helper %s did not end within a minute", name)
	}
	return childResult{out.Bytes(), stderr.Bytes(), cmd.ProcessState.Sys().(syscall.WaitStatus)}
}

// applyFromEnv applies the spec in the environment, or exits with a
// message: 3 for a parse error, 4 for an Apply error. With
// SANDBOX_TEST_BYTES set it takes the master-to-shim route: the program
// resolved for the kernel, encoded, decoded, then applied.
func applyFromEnv() *Report {
	s, err := Parse(os.Getenv(specEnv))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	var rep *Report
	if os.Getenv("SANDBOX_TEST_BYTES") != "" {
		rep, err = applyViaBytes(s)
	} else {
		rep, err = Apply(s)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "apply:", err)
		os.Exit(4)
	}
	return rep
}

// writeJSON writes v to stdout, which the baseline lets every spec write.
func writeJSON(v any) int {
	if err := json.NewEncoder(os.Stdout).Encode(v); err != nil {
		return 5
	}
	return 0
}

// applyViaBytes compiles s, resolves it for the kernel, encodes and
// decodes it, and applies the result.
func applyViaBytes(s Spec) (*Report, error) {
	p, err := Compile(s)
	if err != nil {
		return nil, err
	}
	if p, _, err = p.ForKernel(); err != nil {
		return nil, err
	}
	b, err := p.MarshalBinary()
	if err != nil {
		return nil, err
	}
	var q Program
	if err := q.UnmarshalBinary(b); err != nil {
		return nil, err
	}
	return q.Apply()
}
