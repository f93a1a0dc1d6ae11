package proc

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"

	"github.com/release-daemon/release/csrc"
)

// markerEnv is the variable Daemon sets to ask for a daemon; csrc reads it.
// lockPathEnv carries the lock file's path beside it, for the daemon's
// LockFile (the fd alone may name the temporary file it was created as).
const (
	markerEnv   = "RELEASE_DAEMON"
	lockPathEnv = "RELEASE_DAEMON_LOCK"
)

// marker is the parsed value of markerEnv, "2:W:L:M:O:E": format version
// 2, the write end of the readiness pipe, the lock fd or -1, the umask in
// octal, and the read ends of the pipes the daemon's stdout and stderr are.
type marker struct {
	writeFD, lockFD, outFD, errFD int
	umask                         uint32
}

func (m marker) String() string {
	return fmt.Sprintf("2:%d:%d:%o:%d:%d", m.writeFD, m.lockFD, m.umask, m.outFD, m.errFD)
}

// parseMarker parses a marker and checks that its fds are what it says: a
// stray or stale variable does nothing.
func parseMarker(s string) (marker, bool) {
	parts := strings.Split(s, ":")
	if len(parts) != 6 || parts[0] != "2" {
		return marker{}, false
	}
	var fds [4]int
	for i, p := range []string{parts[1], parts[2], parts[4], parts[5]} {
		n, err := strconv.Atoi(p)
		if err != nil {
			return marker{}, false
		}
		fds[i] = n
	}
	mask, err := strconv.ParseUint(parts[3], 8, 32)
	m := marker{writeFD: fds[0], lockFD: fds[1], outFD: fds[2], errFD: fds[3], umask: uint32(mask)}
	ok := err == nil && mask <= 0o777 && isPipeEnd(m.writeFD, syscall.O_WRONLY) &&
		isPipeEnd(m.outFD, syscall.O_RDONLY) && isPipeEnd(m.errFD, syscall.O_RDONLY) &&
		(m.lockFD == -1 || m.lockFD > 2) && distinctFDs(fds[:])
	return m, ok
}

// distinctFDs reports whether the fds, -1s aside, differ.
func distinctFDs(fds []int) bool {
	for i, a := range fds {
		for _, b := range fds[i+1:] {
			if a != -1 && a == b {
				return false
			}
		}
	}
	return true
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

// withMarker returns env with markerEnv set to m and lockPathEnv to
// lockPath, and no other copy of either.
func withMarker(env []string, m marker, lockPath string) []string {
	out := make([]string, 0, len(env)+2)
	for _, kv := range env {
		if !strings.HasPrefix(kv, markerEnv+"=") && !strings.HasPrefix(kv, lockPathEnv+"=") {
			out = append(out, kv)
		}
	}
	return append(out, markerEnv+"="+m.String(), lockPathEnv+"="+lockPath)
}

// startState reads what this process inherited: from the shim (cgo) or from
// the marker (the fallback's child). With cgo, a valid marker that is still
// set means the shim did not run (internal linking): Daemon then reports
// ErrNoShim to the starting process rather than run half-detached.
func startState() *daemonState {
	s := &daemonState{readyFD: -1, lockFD: -1, outFD: -1, errFD: -1,
		lockPath: os.Getenv(lockPathEnv), syslogPath: "/dev/log"}
	os.Unsetenv(lockPathEnv)
	if fd, lock, out, errs := shimFDs(); fd >= 0 {
		s.daemon, s.readyFD, s.lockFD, s.outFD, s.errFD = true, fd, lock, out, errs
		return s
	}
	m, ok := parseMarker(os.Getenv(markerEnv))
	if !ok {
		return s
	}
	os.Unsetenv(markerEnv) // children must not daemonize again
	s.daemon, s.readyFD, s.lockFD, s.outFD, s.errFD = true, m.writeFD, m.lockFD, m.outFD, m.errFD
	if csrc.Enabled {
		s.err = ErrNoShim
	}
	return s
}

func fcntl(fd, cmd, arg int) (int, error) {
	r, _, errno := syscall.Syscall(syscall.SYS_FCNTL, uintptr(fd), uintptr(cmd), uintptr(arg))
	if errno != 0 {
		return -1, errno
	}
	return int(r), nil
}
