// Package sdnotify speaks systemd's service notification protocol, the
// part a supervisor needs: state lines (READY=1, RELOADING=1 with the
// monotonic time it began, STOPPING=1, STATUS=, WATCHDOG=1,
// EXTEND_TIMEOUT_USEC=) sent as one datagram to the socket named by
// NOTIFY_SOCKET, and the watchdog interval systemd asks for in
// WATCHDOG_USEC. Without NOTIFY_SOCKET every call does nothing, so a
// program calls them whether or not systemd runs it.
//
// It needs no cgo and no libsystemd: the protocol is a unix datagram with
// newline-separated KEY=VALUE lines, to a path or, when the name starts
// with '@', an abstract socket.
package sdnotify

import (
	"errors"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// ErrBadState means a state with a line that is not KEY=VALUE, or a
// value with a newline in it, which would be read as another line.
var ErrBadState = errors.New("sdnotify: a state line must be KEY=VALUE")

// writeWait bounds a notification's send.
const writeWait = time.Second

// Socket is the notification socket's name from NOTIFY_SOCKET, or "".
func Socket() string { return os.Getenv("NOTIFY_SOCKET") }

// Notify sends state, one or more KEY=VALUE lines joined by newlines, to
// the notification socket as one datagram. It does nothing, and returns
// nil, when NOTIFY_SOCKET is not set. It gives up after a second when the
// socket's queue is full, as it is when no one reads it.
func Notify(state string) error {
	sock := Socket()
	if sock == "" {
		return nil
	}
	for line := range strings.SplitSeq(state, "\n") {
		if k, _, ok := strings.Cut(line, "="); !ok || k == "" {
			return ErrBadState
		}
	}
	c, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		return err
	}
	defer c.Close()
	// A full queue (a service manager that does not read) must not hold
	// the caller up for ever.
	c.SetWriteDeadline(time.Now().Add(writeWait))
	_, err = c.Write([]byte(state))
	return err
}

// Status is the STATUS= line for text: what `systemctl status` shows,
// newlines made spaces so it stays one line.
func Status(text string) string {
	return "STATUS=" + strings.ReplaceAll(text, "\n", " ")
}

// Reloading is the notification that a reload begins now: RELOADING=1
// with the time on CLOCK_MONOTONIC in microseconds, which systemd (from
// version 253, Type=notify-reload) needs to tell this reload from an
// earlier one.
func Reloading() string {
	return "RELOADING=1\nMONOTONIC_USEC=" + strconv.FormatInt(monotonicUsec(), 10)
}

// ExtendTimeout is the notification that asks for d more before the
// start, reload or stop in progress times out (EXTEND_TIMEOUT_USEC): the
// timeout becomes at least d from now.
func ExtendTimeout(d time.Duration) string {
	return "EXTEND_TIMEOUT_USEC=" + strconv.FormatInt(max(d.Microseconds(), 1), 10)
}

// Watchdog returns the interval within which systemd wants WATCHDOG=1
// (WatchdogSec=), from WATCHDOG_USEC, when the watchdog is on for this
// process: WATCHDOG_PID, if set, must be its PID. Send WATCHDOG=1 at half
// the interval, as systemd advises.
func Watchdog() (time.Duration, bool) {
	if pid := os.Getenv("WATCHDOG_PID"); pid != "" && pid != strconv.Itoa(os.Getpid()) {
		return 0, false
	}
	usec, err := strconv.ParseInt(os.Getenv("WATCHDOG_USEC"), 10, 64)
	if err != nil || usec <= 0 || usec > int64(time.Duration(1<<62)/time.Microsecond) {
		return 0, false
	}
	return time.Duration(usec) * time.Microsecond, Socket() != ""
}

func monotonicUsec() int64 {
	var ts unix.Timespec
	unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	return ts.Sec*1_000_000 + ts.Nsec/1_000
}
