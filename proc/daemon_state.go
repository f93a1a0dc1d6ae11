package proc

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// markerEnv is the variable Daemon sets to ask for a daemon; csrc reads it.
const markerEnv = "RELEASE_DAEMON"

// marker is the parsed value of markerEnv: "1:R:W:L:M", format version 1,
// the read and write ends of the readiness pipe (R is -1 without cgo, where
// the parent is the Go process itself), the lock fd or -1, the umask in octal.
type marker struct {
	readFD, writeFD, lockFD int
	umask                   uint32
}

func (m marker) String() string {
	return fmt.Sprintf("1:%d:%d:%d:%o", m.readFD, m.writeFD, m.lockFD, m.umask)
}

// parseMarker parses a marker and checks that its fds are what it says: a
// stray or stale variable does nothing.
func parseMarker(s string) (marker, bool) {
	parts := strings.Split(s, ":")
	if len(parts) != 5 || parts[0] != "1" {
		return marker{}, false
	}
	var n [3]int
	for i := range n {
		v, err := strconv.Atoi(parts[i+1])
		if err != nil || v < -1 {
			return marker{}, false
		}
		n[i] = v
	}
	mask, err := strconv.ParseUint(parts[4], 8, 32)
	m := marker{readFD: n[0], writeFD: n[1], lockFD: n[2], umask: uint32(mask)}
	ok := err == nil && mask <= 0o777 && isPipeEnd(m.writeFD, syscall.O_WRONLY) &&
		(m.readFD == -1 || isPipeEnd(m.readFD, syscall.O_RDONLY)) &&
		(m.lockFD == -1 || (m.lockFD > 2 && m.lockFD != m.readFD && m.lockFD != m.writeFD))
	return m, ok
}

// isPipeEnd reports whether fd is an open pipe end opened with mode.
func isPipeEnd(fd, mode int) bool {
	var st syscall.Stat_t
	if fd < 3 || syscall.Fstat(fd, &st) != nil || st.Mode&syscall.S_IFMT != syscall.S_IFIFO {
		return false
	}
	fl, err := fcntl(fd, syscall.F_GETFL, 0)
	return err == nil && fl&syscall.O_ACCMODE == mode
}

// withMarker returns env with markerEnv set to m, and no other copy of it.
func withMarker(env []string, m marker) []string {
	out := make([]string, 0, len(env)+1)
	for _, kv := range env {
		if !strings.HasPrefix(kv, markerEnv+"=") {
			out = append(out, kv)
		}
	}
	return append(out, markerEnv+"="+m.String())
}

// startState reads what this process inherited: from the shim (cgo) or from
// the marker (the fallback's child). A marker the shim should have acted on
// but did not means internal linking: Daemon then fails with ErrNoShim
// rather than re-executing forever.
func startState() *daemonState {
	s := &daemonState{readyFD: -1, lockFD: -1}
	if fd, lock := shimFDs(); fd >= 0 {
		s.daemon, s.readyFD, s.lockFD = true, fd, lock
		return s
	}
	m, ok := parseMarker(os.Getenv(markerEnv))
	if !ok {
		return s
	}
	os.Unsetenv(markerEnv) // children must not daemonize again
	if m.readFD >= 0 {
		s.err = ErrNoShim
		return s
	}
	s.daemon, s.readyFD, s.lockFD = true, m.writeFD, m.lockFD
	return s
}

func fcntl(fd, cmd, arg int) (int, error) {
	r, _, errno := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), uintptr(cmd), uintptr(arg))
	if errno != 0 {
		return -1, errno
	}
	return int(r), nil
}
