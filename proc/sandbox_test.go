package proc

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/release-daemon/release/proc/sandbox"
)

// TestSandboxBadSpecFailsRun: a Worker whose Sandbox does not parse
// fails Run before any worker starts, naming the worker and the clause.
func TestSandboxBadSpecFailsRun(t *testing.T) {
	w := testWorker(t, "worker-upper", 1, nil)
	w.Name, w.Sandbox = "boxed", "stdio frobnicate"
	m := &Master{Workers: []Worker{w}, Logger: quietLogger()}
	_, done := runMaster(t, m)
	select {
	case err := <-done:
		if !errors.Is(err, sandbox.ErrSpec) || !strings.Contains(err.Error(), `worker "boxed"`) {
			t.Fatalf("Run with a bad spec: %v; want sandbox.ErrSpec naming the worker", err)
		}
		t.Logf("Run refused the spec: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("Run with a bad spec did not return within 20 s")
	}
}
