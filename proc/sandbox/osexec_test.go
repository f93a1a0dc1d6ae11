package sandbox

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// helperOSExec applies the spec and runs a shell through os/exec (its
// clone3 probe, the clone fallback, pidfds, /dev/null for the missing
// standard files, execve, wait), printing the shell's exit status.
func helperOSExec() int {
	applyFromEnv()
	err := exec.Command("/bin/sh", "-c", "exit 3").Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		fmt.Fprintln(os.Stderr, "run:", err)
		return 1
	}
	fmt.Println(ee.ExitCode())
	return 0
}

// TestOSExec checks that os/exec works under the promises the package
// documentation gives it, with action kill, and that without proc it
// fails.
func TestOSExec(t *testing.T) {
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("no /bin/sh to execute")
	}
	r := runHelper(t, "osexec", "stdio rpath wpath proc exec prot_exec; action kill")
	if !r.status.Exited() || r.status.ExitStatus() != 0 || string(r.out) != "3\n" {
		t.Fatalf("with proc and exec: %v, output %q; want the shell's 3", r, r.out)
	}
	r2 := runHelper(t, "osexec", "stdio rpath wpath exec prot_exec")
	if !r2.status.Exited() || r2.status.ExitStatus() != 1 {
		t.Fatalf("without proc: %v, output %q; want a failed start", r2, r2.out)
	}
	t.Logf("with proc and exec: the shell's status %s; without proc: %s", r.out[:1], r2.stderr)
}
