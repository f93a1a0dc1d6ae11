package proc

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// holderPID names the process holding the flock on f, for a LockedError.
// The kernel's /proc/locks knows which live process took the lock even in
// the instant before it has written its PID; the file's first line covers
// the rest (a daemon's lock, taken by the process that started it, names
// that process in /proc/locks and the daemon in the file). It is only for
// the message: the lock itself never depends on it.
func holderPID(f *os.File) int {
	if pid := lockerFromProc(f); pid > 0 && syscall.Kill(pid, 0) != syscall.ESRCH {
		return pid
	}
	buf := make([]byte, 32)
	n, _ := f.ReadAt(buf, 0)
	line, _, _ := bytes.Cut(buf[:n], []byte("\n"))
	pid, err := strconv.Atoi(string(line))
	if err != nil || pid <= 0 {
		return 0
	}
	return pid
}

// lockerFromProc finds the PID of the FLOCK entry on f's inode in
// /proc/locks, or returns 0.
func lockerFromProc(f *os.File) int {
	fi, err := f.Stat()
	if err != nil {
		return 0
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0
	}
	dev := uint64(st.Dev)
	// The device is printed as major:minor in hex, the inode in decimal.
	want := fmt.Sprintf("%02x:%02x:%d", (dev>>8)&0xfff|(dev>>32)&^0xfff, dev&0xff|(dev>>12)&^0xff, st.Ino)
	locks, err := os.Open("/proc/locks")
	if err != nil {
		return 0
	}
	defer locks.Close()
	sc := bufio.NewScanner(locks)
	for sc.Scan() {
		// "1: FLOCK  ADVISORY  WRITE 4242 08:01:1234 0 EOF"
		fields := strings.Fields(sc.Text())
		if len(fields) >= 6 && fields[1] == "FLOCK" && fields[5] == want {
			pid, _ := strconv.Atoi(fields[4])
			return pid
		}
	}
	return 0
}
