package proc

import (
	"bufio"
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/release-daemon/release/frame"
)

func init() {
	helpers["impostor"] = helperImpostor
	helpers["worker-me"] = helperWorkerMe
}

// helperImpostor listens on RELEASE_TEST_SOCK and holds whoever connects.
func helperImpostor() int {
	ln, err := net.Listen("unix", os.Getenv("RELEASE_TEST_SOCK"))
	if err != nil {
		return 1
	}
	os.Stdout.WriteString("listening\n")
	c, err := ln.Accept()
	if err == nil {
		defer c.Close()
		time.Sleep(time.Minute)
	}
	return 0
}

// helperWorkerMe runs Me and prints what it returned.
func helperWorkerMe() int {
	err := Me(context.Background(), MeOptions{AllowRoot: true, Logger: quietLogger()},
		func(context.Context, *frame.Conn) error { os.Stdout.WriteString("main ran\n"); return nil })
	if err != nil {
		os.Stdout.WriteString(err.Error() + "\n")
		if errors.Is(err, ErrNotWorker) {
			return 3
		}
		return 1
	}
	return 0
}

// TestMeRefusesAnImpostor: a worker binary whose fd 3 leads to another
// process than its parent stops before any user code.
func TestMeRefusesAnImpostor(t *testing.T) {
	dir, _ := os.MkdirTemp("", "im")
	defer os.RemoveAll(dir)
	sock := filepath.Join(dir, "s")
	imp := helperCommand(t, "impostor", "RELEASE_TEST_SOCK="+sock)
	out, _ := imp.StdoutPipe()
	if err := imp.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { imp.Process.Kill(); imp.Wait() }()
	bufio.NewReader(out).ReadString('\n')
	nc, err := net.Dial("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	f, _ := nc.(*net.UnixConn).File()
	nc.Close()
	defer f.Close()
	worker := helperCommand(t, "worker-me", workerEnv+"=3")
	worker.ExtraFiles = []*os.File{f}
	got, err := worker.Output()
	if ee, ok := errors.AsType[*exec.ExitError](err); !ok || ee.ExitCode() != 3 || strings.Contains(string(got), "main ran") {
		t.Fatalf("a worker wired to an impostor: %v, said %q; want ErrNotWorker before main", err, got)
	}
	if !strings.Contains(string(got), "not the parent") {
		t.Errorf("the refusal does not say why: %q", got)
	}
}
