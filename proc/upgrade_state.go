package proc

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"sync"

	"golang.org/x/sys/unix"
)

// The state record: what a master's image hands the next across the exec
// of an upgrade (or a rollback). It is JSON in a sealed memfd whose
// descriptor RELEASE_UPGRADE names; every descriptor it lists crosses the
// exec without close-on-exec, and the new image marks them close-on-exec
// again as it takes them. Descriptors are named, as systemd's
// LISTEN_FDNAMES names its sockets: a listener by its name, a worker's by
// its Worker and slot.

// upgradeEnv names the state record's descriptor.
const upgradeEnv = "RELEASE_UPGRADE"

// stateFormat is the record's version; an image refuses another.
const stateFormat = 1

// maxStateSize bounds the record a new image reads.
const maxStateSize = 16 << 20

type upgradeState struct {
	Format     int             `json:"format"`
	Generation int             `json:"generation"` // of the workers listed
	Listeners  []stateListener `json:"listeners,omitempty"`
	Control    *stateFile      `json:"control,omitempty"` // the control socket's listener
	Lock       *stateFile      `json:"lock,omitempty"`    // the lock file, locked
	Contain    *stateContain   `json:"contain,omitempty"`
	Workers    []stateWorker   `json:"workers,omitempty"`
	Upgrade    stateUpgrade    `json:"upgrade"`
}

type stateListener struct {
	Name    string `json:"name"`
	Network string `json:"network"`
	FD      int    `json:"fd"`
	Unlink  string `json:"unlink,omitempty"`
}

type stateFile struct {
	Path string `json:"path"`
	FD   int    `json:"fd"`
}

// stateContain is the Run's containment: its token and cgroup directory,
// whose flocked descriptor crosses too, so that the directory is not
// taken for a dead master's.
type stateContain struct {
	Token  string `json:"token"`
	Seq    int    `json:"seq"`
	Cgroup string `json:"cgroup,omitempty"`
	LockFD int    `json:"lock_fd,omitempty"`
}

type stateWorker struct {
	Worker  string `json:"worker"` // the Worker's name
	Slot    int    `json:"slot"`
	PID     int    `json:"pid"`
	Conn    int    `json:"conn"` // the master's end of its socket
	Hand    int    `json:"hand"` // the master's end of its hand-over socket
	Pending []byte `json:"pending,omitempty"`
	// HandPending is what the master had read of the hand-over socket.
	HandPending []byte `json:"hand_pending,omitempty"`
	Ready       bool   `json:"ready"`
	CanHand     bool   `json:"can_hand,omitempty"`
	Seq         int    `json:"seq"`              // its tree
	Cgroup      string `json:"cgroup,omitempty"` // its tree's cgroup
	Old         bool   `json:"old,omitempty"`    // of a generation being replaced: to stop
}

// stateUpgrade is the upgrade in progress, or the outcome of the last.
type stateUpgrade struct {
	ID     uint64 `json:"id"`
	Phase  string `json:"phase"`            // "replace": start the next generation; "rollback": the new one failed
	OldExe int    `json:"old_exe"`          // the previous image's executable, for a rollback
	Err    string `json:"err,omitempty"`    // why a rollback happened
	Asked  int64  `json:"asked"`            // when it was asked for, Unix nanoseconds
	Result string `json:"result,omitempty"` // "ok" or the error, once known
}

// decodeState parses and checks a state record: every descriptor a
// distinct number from 3 up, names a listener or a worker can have, a
// known phase. It never trusts the record further than that: the caller
// checks each descriptor's kind as it takes it.
func decodeState(b []byte) (*upgradeState, error) {
	var st upgradeState
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUpgradeState, err)
	}
	if st.Format != stateFormat {
		return nil, fmt.Errorf("%w: format %d, want %d", ErrUpgradeState, st.Format, stateFormat)
	}
	if st.Generation < 0 {
		return nil, fmt.Errorf("%w: generation %d", ErrUpgradeState, st.Generation)
	}
	fds := map[int]bool{}
	fd := func(what string, n int) error {
		if n < 3 || n > 1<<20 || fds[n] {
			return fmt.Errorf("%w: %s: descriptor %d", ErrUpgradeState, what, n)
		}
		fds[n] = true
		return nil
	}
	for _, l := range st.Listeners {
		if err := checkListenerName(l.Name); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrUpgradeState, err)
		}
		if _, err := socketKind(l.Network); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrUpgradeState, err)
		}
		if err := fd("listener "+l.Name, l.FD); err != nil {
			return nil, err
		}
	}
	for _, f := range []*stateFile{st.Control, st.Lock} {
		if f != nil {
			if err := fd(f.Path, f.FD); err != nil {
				return nil, err
			}
		}
	}
	if c := st.Contain; c != nil && c.Cgroup != "" {
		if err := fd("cgroup lock", c.LockFD); err != nil {
			return nil, err
		}
	}
	for _, w := range st.Workers {
		what := fmt.Sprintf("worker %q slot %d", w.Worker, w.Slot)
		if w.PID < 2 || w.Slot < 0 || w.Slot > 1<<16 || w.Seq < 0 {
			return nil, fmt.Errorf("%w: %s: pid %d", ErrUpgradeState, what, w.PID)
		}
		if err := fd(what, w.Conn); err != nil {
			return nil, err
		}
		if err := fd(what, w.Hand); err != nil {
			return nil, err
		}
	}
	switch st.Upgrade.Phase {
	case "replace", "rollback":
	default:
		return nil, fmt.Errorf("%w: phase %q", ErrUpgradeState, st.Upgrade.Phase)
	}
	if st.Upgrade.Phase == "replace" {
		if err := fd("old executable", st.Upgrade.OldExe); err != nil {
			return nil, err
		}
	}
	return &st, nil
}

// inheritedState is the record this process was started with, read once.
var inheritedState struct {
	once sync.Once
	st   *upgradeState
	err  error
	mu   sync.Mutex
	took map[string]bool // listeners taken by Bind
}

// upgradeStateOf reads the record RELEASE_UPGRADE names, once; nil when
// this process is not a master re-executed by an upgrade.
func upgradeStateOf() (*upgradeState, error) {
	inheritedState.once.Do(func() {
		v, ok := os.LookupEnv(upgradeEnv)
		if !ok {
			return
		}
		os.Unsetenv(upgradeEnv)
		inheritedState.st, inheritedState.err = readState(v)
		inheritedState.took = map[string]bool{}
	})
	return inheritedState.st, inheritedState.err
}

// readState reads the record from the sealed memfd v names, and marks
// every descriptor it lists close-on-exec.
func readState(v string) (*upgradeState, error) {
	fd, err := strconv.Atoi(v)
	if err != nil || fd < 3 {
		return nil, fmt.Errorf("%w: %s=%q", ErrUpgradeState, upgradeEnv, v)
	}
	b, err := readSealed(fd, maxStateSize+1)
	if err != nil {
		return nil, fmt.Errorf("%w: fd %d: %w", ErrUpgradeState, fd, err)
	}
	if len(b) > maxStateSize {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrUpgradeState, maxStateSize)
	}
	st, err := decodeState(b)
	if err != nil {
		return nil, err
	}
	for _, n := range st.fds() {
		unix.CloseOnExec(n)
	}
	return st, nil
}

// fds lists every descriptor the record names.
func (st *upgradeState) fds() []int {
	var out []int
	for _, l := range st.Listeners {
		out = append(out, l.FD)
	}
	for _, f := range []*stateFile{st.Control, st.Lock} {
		if f != nil {
			out = append(out, f.FD)
		}
	}
	if c := st.Contain; c != nil && c.Cgroup != "" {
		out = append(out, c.LockFD)
	}
	for _, w := range st.Workers {
		out = append(out, w.Conn, w.Hand)
	}
	if st.Upgrade.Phase == "replace" {
		out = append(out, st.Upgrade.OldExe)
	}
	return out
}

// upgradeListener returns the socket called name that the master's
// previous image held, if this process is a master re-executed by an
// upgrade; each once.
func upgradeListener(name string) *os.File {
	st, _ := upgradeStateOf()
	if st == nil {
		return nil
	}
	inheritedState.mu.Lock()
	defer inheritedState.mu.Unlock()
	for _, l := range st.Listeners {
		if l.Name == name && !inheritedState.took[name] {
			inheritedState.took[name] = true
			return os.NewFile(uintptr(l.FD), "listener "+name)
		}
	}
	return nil
}

// sealedState writes the record to a sealed memfd, without close-on-exec.
func sealedState(st *upgradeState) (int, error) {
	b, err := json.Marshal(st)
	if err != nil {
		return -1, err
	}
	return sealedMemfd("release-upgrade", b, 0)
}
