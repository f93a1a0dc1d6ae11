package proc

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestVerifyTasksReadsEveryThread: the check reads every thread, and one
// value no thread has fails the drop with the thread and the key named.
func TestVerifyTasksReadsEveryThread(t *testing.T) {
	tasks := openTasks()
	if tasks == nil {
		t.Skip("no /proc/self/task to read")
	}
	defer tasks.Close()
	err := verifyTasks(tasks, map[string]string{"NoNewPrivs": "1"}) // this test process never sets it
	if !errors.Is(err, ErrDropFailed) || !strings.Contains(err.Error(), "NoNewPrivs") {
		t.Fatalf("verifyTasks with a flag no thread has: %v", err)
	}
	u := strconv.Itoa(os.Getuid())
	if err := verifyTasks(tasks, map[string]string{"Uid": strings.Join([]string{u, u, u, u}, " ")}); err != nil {
		t.Fatalf("verifyTasks with what every thread has: %v", err)
	}
	if err := verifyTasks(tasks, map[string]string{"Uid": "nobody's"}); !errors.Is(err, ErrDropFailed) {
		t.Fatalf("verifyTasks with what no thread has: %v", err)
	}
}
