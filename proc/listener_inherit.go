package proc

import (
	"os"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// The sockets a process inherits for its Listeners: from systemd's socket
// activation (LISTEN_PID, LISTEN_FDS, LISTEN_FDNAMES, read once and
// removed from the environment, their descriptors made close-on-exec),
// and from the previous image of a master re-executed by an upgrade.

// listenFDsStart is the first descriptor systemd passes (SD_LISTEN_FDS_START).
const listenFDsStart = 3

var activated struct {
	once sync.Once
	mu   sync.Mutex
	fds  []int    // systemd's, in order; -1 once taken
	name []string // their names, as LISTEN_FDNAMES gives them
}

// systemdSockets reads what systemd passed, once.
func systemdSockets() {
	activated.once.Do(func() {
		pid, _ := strconv.Atoi(os.Getenv("LISTEN_PID"))
		n, _ := strconv.Atoi(os.Getenv("LISTEN_FDS"))
		names := strings.Split(os.Getenv("LISTEN_FDNAMES"), ":")
		for _, k := range []string{"LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"} {
			os.Unsetenv(k)
		}
		if pid != os.Getpid() || n < 1 || n > 1<<16 {
			return
		}
		for i := range n {
			fd := listenFDsStart + i
			unix.CloseOnExec(fd)
			activated.fds = append(activated.fds, fd)
			name := ""
			if i < len(names) {
				name = names[i]
			}
			activated.name = append(activated.name, name)
		}
	})
}

// inheritedListener returns the socket called name that this process
// inherited, and from where, or nil.
func inheritedListener(name string) (*os.File, string) {
	if f := upgradeListener(name); f != nil {
		return f, "upgrade"
	}
	systemdSockets()
	activated.mu.Lock()
	defer activated.mu.Unlock()
	pick := -1
	for i, n := range activated.name {
		if activated.fds[i] >= 0 && (n == name || n == name+".socket") {
			pick = i
			break
		}
	}
	if pick < 0 && len(activated.fds) == 1 && activated.fds[0] >= 0 {
		pick = 0 // the only one, whatever systemd named it
	}
	if pick < 0 {
		return nil, ""
	}
	fd := activated.fds[pick]
	activated.fds[pick] = -1
	return os.NewFile(uintptr(fd), "systemd socket "+name), "systemd"
}
