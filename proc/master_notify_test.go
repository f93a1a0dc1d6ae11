package proc

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// monotonicUsec is CLOCK_MONOTONIC in microseconds, as systemd counts it.
func monotonicUsec() int64 {
	var ts unix.Timespec
	unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	return ts.Sec*1_000_000 + ts.Nsec/1_000
}

// TestMasterReloadNotification: a SIGHUP is announced as RELOADING=1 with
// MONOTONIC_USEC, the time it began, which systemd's Type=notify-reload
// needs to end the reload, then READY=1 once the workers are replaced.
func TestMasterReloadNotification(t *testing.T) {
	sock, srv := datagramSocket(t)
	t.Setenv("NOTIFY_SOCKET", sock)
	m := &Master{Workers: []Worker{testWorker(t, "worker-upper", 2, nil)}, HandleSignals: true,
		StopGrace: 2 * time.Second, Logger: quietLogger()}
	stop, _ := runMaster(t, m)
	defer stop()
	read := func() string { return nextNotice(t, srv, 20*time.Second) }
	if got := read(); got != "READY=1" {
		t.Fatalf("systemd heard %q first, want READY=1", got)
	}
	before := monotonicUsec()
	syscall.Kill(os.Getpid(), syscall.SIGHUP)
	got := read()
	after := monotonicUsec()
	fields := map[string]string{}
	for line := range strings.Lines(got) {
		k, v, _ := strings.Cut(strings.TrimSuffix(line, "\n"), "=")
		fields[k] = v
	}
	usec, err := strconv.ParseInt(fields["MONOTONIC_USEC"], 10, 64)
	if fields["RELOADING"] != "1" || err != nil || usec < before || usec > after {
		t.Fatalf("systemd heard %q on SIGHUP, want RELOADING=1 and MONOTONIC_USEC in [%d, %d]", got, before, after)
	}
	if got := read(); got != "READY=1" {
		t.Fatalf("systemd heard %q after the reload, want READY=1", got)
	}
	t.Logf("RELOADING=1 with MONOTONIC_USEC=%d, %d µs after the signal was sent", usec, usec-before)
}
