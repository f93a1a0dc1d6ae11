package fdpass_test

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"syscall"
	"testing"
)

const helperEnv = "RELEASE_TEST_HELPER"

// helpers are the roles a child started by a test takes; each gets the
// other end of a unix socketpair as fd 3.
var helpers = map[string]func(c *net.UnixConn) int{
	"write-hello":    helperWriteHello,
	"echo-listener":  helperEchoListener,
	"send-many":      helperSendMany,
	"send-three":     helperSendThree,
	"recv-at-limit":  helperRecvAtLimit,
	"send-and-close": helperSendAndClose,
}

func TestMain(m *testing.M) {
	if name := os.Getenv(helperEnv); name != "" {
		f := os.NewFile(3, "socket")
		c, err := net.FileConn(f)
		f.Close()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		os.Exit(helpers[name](c.(*net.UnixConn)))
	}
	os.Exit(m.Run())
}

// startHelper starts the named helper with one end of a socketpair and
// returns the other end; the helper is waited for when the test ends.
func startHelper(t *testing.T, name string) (*net.UnixConn, *exec.Cmd) {
	t.Helper()
	pair, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	ours, theirs := os.NewFile(uintptr(pair[0]), "ours"), os.NewFile(uintptr(pair[1]), "theirs")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+name, "GORACE=atexit_sleep_ms=0")
	cmd.ExtraFiles = []*os.File{theirs}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	theirs.Close()
	c, err := net.FileConn(ours)
	ours.Close()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(); cmd.Wait() })
	return c.(*net.UnixConn), cmd
}
