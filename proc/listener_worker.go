package proc

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// listenersEnv lists a worker's listeners, "name=fd,name=fd".
const listenersEnv = "RELEASE_LISTENERS"

var passed struct {
	once sync.Once
	mu   sync.Mutex
	fds  map[string]int
}

// passedListeners reads, once, which listeners the master passed this
// worker, removes the variable and makes their descriptors close-on-exec,
// so that a program the worker runs does not inherit them.
func passedListeners() {
	passed.once.Do(func() {
		passed.fds = map[string]int{}
		v, ok := os.LookupEnv(listenersEnv)
		if !ok {
			return
		}
		os.Unsetenv(listenersEnv)
		for item := range strings.SplitSeq(v, ",") {
			name, num, _ := strings.Cut(item, "=")
			fd, err := strconv.Atoi(num)
			if err != nil || fd < 3 || checkListenerName(name) != nil {
				continue
			}
			if !isSocket(fd) {
				continue // not the master's
			}
			unix.CloseOnExec(fd)
			passed.fds[name] = fd
		}
	})
}

// takeListener takes the descriptor of the listener name, once.
func takeListener(name string) (*os.File, error) {
	passedListeners()
	passed.mu.Lock()
	defer passed.mu.Unlock()
	fd, ok := passed.fds[name]
	if !ok {
		return nil, fmt.Errorf("%w: %q (not passed to this worker, or taken already)", ErrNoListener, name)
	}
	delete(passed.fds, name)
	return os.NewFile(uintptr(fd), "listener "+name), nil
}

// Listen returns the stream socket called name that the master passed
// this worker (see [Master].Listeners), ready to Accept. Each name can be
// taken once; closing the returned listener closes only this worker's
// copy, and ends an Accept in progress. It accepts through the netpoller
// without ever making the socket, which the master and the other workers
// share, blocking (as net.FileListener would for a moment).
func Listen(name string) (net.Listener, error) {
	f, err := takeListener(name)
	if err != nil {
		return nil, err
	}
	fd, err := unix.FcntlInt(uintptr(fdOf(f)), unix.F_DUPFD_CLOEXEC, 3)
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("%w: %q: %w", ErrNoListener, name, err)
	}
	ln, err := newFDListener(fd)
	if err != nil {
		return nil, fmt.Errorf("%w: %q: %w", ErrNoListener, name, err)
	}
	return ln, nil
}

// ListenPacket returns the datagram socket called name that the master
// passed this worker, as Listen does for stream sockets.
func ListenPacket(name string) (net.PacketConn, error) {
	f, err := takeListener(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	pc, err := net.FilePacketConn(f)
	if err != nil {
		return nil, fmt.Errorf("%w: %q: %w", ErrNoListener, name, err)
	}
	return pc, nil
}

// isSocket reports whether fd is open on a socket: a descriptor an
// environment variable names is taken only if it is one.
func isSocket(fd int) bool {
	var st unix.Stat_t
	return unix.Fstat(fd, &st) == nil && st.Mode&unix.S_IFMT == unix.S_IFSOCK
}
