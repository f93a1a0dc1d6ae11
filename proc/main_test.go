package proc

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"testing"

	"golang.org/x/sys/unix"
)

// helperEnv names the helper a re-run of this test binary should be.
const helperEnv = "RELEASE_TEST_HELPER"

// helpers are the roles a child process started by a test can take.
var helpers = map[string]func() int{
	"daemon":       helperDaemon,
	"daemon-fail":  helperDaemonFail,
	"daemon-die":   helperDaemonDie,
	"daemon-stray": helperDaemonStray,
	"lock-race":    helperLockRace,
	"drop":         helperDrop,

	"control-as-user": helperControlAsUser,
	"control-serve":   helperControlServe,
}

func TestMain(m *testing.M) {
	if name := os.Getenv(helperEnv); name != "" {
		os.Exit(helpers[name]())
	}
	// Daemons started by the tests are reparented to this process rather
	// than to init, so their parent is known and they can be reaped.
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		fmt.Fprintln(os.Stderr, "PR_SET_CHILD_SUBREAPER:", err)
		os.Exit(2)
	}
	os.Exit(m.Run())
}

// helperCommand returns a command that re-runs this test binary as the
// named helper, with extra environment variables.
func helperCommand(t testing.TB, name string, env ...string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	// A -race binary sleeps a second at exit by default, waiting for
	// reports from other goroutines; helpers exit often, so not here.
	cmd.Env = append(append(os.Environ(), helperEnv+"="+name, "GORACE=atexit_sleep_ms=0"), env...)
	return cmd
}

// writeReport writes v as JSON to the file named by RELEASE_TEST_OUT.
func writeReport(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return os.WriteFile(os.Getenv("RELEASE_TEST_OUT"), b, 0o644)
}

// writeReportTo writes v as JSON to w.
func writeReportTo(w io.Writer, v any) error { return json.NewEncoder(w).Encode(v) }

// readReport reads what a helper wrote with writeReport.
func readReport(t testing.TB, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the helper wrote no report: %v", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("the helper's report %q: %v", b, err)
	}
}
