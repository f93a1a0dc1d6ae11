package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
)

// listenFDsStart is the first file descriptor systemd passes (SD_LISTEN_FDS_START).
const listenFDsStart = 3

// listenOn returns the listening socket systemd passed to this process
// (socket activation: LISTEN_PID is this process and LISTEN_FDS at least
// 1; with several, the one LISTEN_FDNAMES names "echod"), or else binds
// addr. The file is what the workers get; fromSystemd says which it was.
func listenOn(addr string) (f *os.File, at net.Addr, fromSystemd bool, err error) {
	f, err = systemdListener()
	if err != nil || f == nil {
		if f, err = bind(addr); err != nil {
			return nil, nil, false, err
		}
	} else {
		fromSystemd = true
	}
	ln, err := net.FileListener(f) // a duplicate, to learn the address
	if err != nil {
		f.Close()
		return nil, nil, false, fmt.Errorf("listening socket: %w", err)
	}
	defer ln.Close()
	return f, ln.Addr(), fromSystemd, nil
}

// bind listens on addr and returns the socket as a file.
func bind(addr string) (*os.File, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	defer ln.Close()
	return ln.(*net.TCPListener).File()
}

// systemdListener takes the socket systemd passed, if any; none is (nil,
// nil). The passed descriptors become close-on-exec, and the LISTEN_*
// variables are removed, so no child sees them.
func systemdListener() (*os.File, error) {
	pid, _ := strconv.Atoi(os.Getenv("LISTEN_PID"))
	n, _ := strconv.Atoi(os.Getenv("LISTEN_FDS"))
	names := strings.Split(os.Getenv("LISTEN_FDNAMES"), ":")
	for _, k := range []string{"LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"} {
		os.Unsetenv(k)
	}
	if pid != os.Getpid() || n < 1 {
		return nil, nil
	}
	for fd := listenFDsStart; fd < listenFDsStart+n; fd++ {
		syscall.CloseOnExec(fd)
	}
	pick := listenFDsStart
	if n > 1 {
		i := slices.Index(names, "echod")
		if i < 0 || i >= n {
			return nil, errors.New("systemd passed several sockets and none is named echod (FileDescriptorName=echod)")
		}
		pick += i
	}
	return os.NewFile(uintptr(pick), "systemd socket"), nil
}
