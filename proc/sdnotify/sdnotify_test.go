package sdnotify

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// listen makes a datagram socket at name and points NOTIFY_SOCKET at it.
func listen(t *testing.T, name string) *net.UnixConn {
	t.Helper()
	c, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: name, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	t.Setenv("NOTIFY_SOCKET", name)
	return c
}

func next(t *testing.T, c *net.UnixConn) string {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 4096)
	n, err := c.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	return string(buf[:n])
}

func TestNotifyPathAndAbstract(t *testing.T) {
	for _, name := range []string{filepath.Join(t.TempDir(), "notify"), "@sdnotify-test-" + strconv.Itoa(os.Getpid())} {
		c := listen(t, name)
		for _, state := range []string{"READY=1", Status("2/2 workers\nready"), Reloading(), ExtendTimeout(1500 * time.Millisecond)} {
			if err := Notify(state); err != nil {
				t.Fatalf("%s: Notify(%q): %v", name, state, err)
			}
			if got := next(t, c); got != state {
				t.Errorf("%s: got %q, want %q", name, got, state)
			}
		}
	}
}

func TestNotifyRefusesBadLines(t *testing.T) {
	listen(t, filepath.Join(t.TempDir(), "notify"))
	for _, state := range []string{"", "READY", "STATUS=a\nb", "=1"} {
		if err := Notify(state); !errors.Is(err, ErrBadState) {
			t.Errorf("Notify(%q) = %v, want ErrBadState", state, err)
		}
	}
}

func TestNotifyWithoutSocket(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", "")
	if err := Notify("READY=1"); err != nil {
		t.Errorf("Notify without NOTIFY_SOCKET: %v", err)
	}
}

func TestMessages(t *testing.T) {
	r := Reloading()
	usec, err := strconv.ParseInt(strings.TrimPrefix(r, "RELOADING=1\nMONOTONIC_USEC="), 10, 64)
	if !strings.HasPrefix(r, "RELOADING=1\nMONOTONIC_USEC=") || err != nil || usec <= 0 {
		t.Errorf("Reloading() = %q", r)
	}
	if got := ExtendTimeout(90 * time.Second); got != "EXTEND_TIMEOUT_USEC=90000000" {
		t.Errorf("ExtendTimeout(90s) = %q", got)
	}
	if got := Status("a\nb"); got != "STATUS=a b" {
		t.Errorf("Status = %q", got)
	}
}

func TestWatchdog(t *testing.T) {
	t.Setenv("NOTIFY_SOCKET", "/run/notify")
	me := strconv.Itoa(os.Getpid())
	for _, c := range []struct {
		usec, pid string
		want      time.Duration
		ok        bool
	}{
		{"2000000", "", 2 * time.Second, true},
		{"2000000", me, 2 * time.Second, true},
		{"2000000", "1", 0, false}, // for another process
		{"", "", 0, false},
		{"0", "", 0, false},
		{"-5", "", 0, false},
		{"x", "", 0, false},
		{"99999999999999999999", "", 0, false},
	} {
		t.Setenv("WATCHDOG_USEC", c.usec)
		t.Setenv("WATCHDOG_PID", c.pid)
		if d, ok := Watchdog(); d != c.want || ok != c.ok {
			t.Errorf("WATCHDOG_USEC=%q WATCHDOG_PID=%q: %v, %v; want %v, %v", c.usec, c.pid, d, ok, c.want, c.ok)
		}
	}
}

// TestNotifyToAFullQueue: a notification socket no one reads fills up;
// Notify then fails within its second instead of blocking.
func TestNotifyToAFullQueue(t *testing.T) {
	listen(t, filepath.Join(t.TempDir(), "notify"))
	start := time.Now()
	var err error
	n := 0
	for ; n < 10000 && err == nil; n++ {
		err = Notify("WATCHDOG=1")
	}
	if err == nil {
		t.Skip("10000 notifications fit in the queue: nothing to test on this kernel")
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("Notify blocked %v on a full queue", took)
	}
	t.Logf("the queue was full after %d notifications; the next failed after its deadline: %v", n-1, err)
}
