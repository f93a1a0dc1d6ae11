package proc

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/release-daemon/release/frame"
	"github.com/release-daemon/release/proc/sdnotify"
	"golang.org/x/sys/unix"
)

// How the master re-executes itself, and why it is safe in a
// multi-threaded Go program:
//
//   - It runs on the spawner's thread, the one that forked every worker.
//     Linux sends a child its parent-death signal when the thread that
//     forked it ends, and execve ends every thread but the caller: any
//     other thread's exec would kill the workers (SIGKILL, their
//     parent-death signal). The thread that execs lives on as the new
//     image's main thread, which the Go runtime never ends.
//   - No worker start is in flight (the spawn gate) and none can begin:
//     they go through the same thread.
//   - Each worker's connections are detached at a frame boundary
//     (frame.Conn.Detach): no read or write is cut inside a frame, and
//     the bytes read but not yet handled go in the record, so the new
//     image reads the stream from exactly where the old one stopped.
//   - The descriptors that cross lose close-on-exec only under
//     syscall.ForkLock, which every fork in the Go runtime takes: no
//     child started meanwhile, by the program or the library, inherits
//     them. Everything else the master has open is close-on-exec.
//   - The executable is the file the check ran, by its descriptor
//     (/proc/self/fd/N): a file replaced again after the check does not
//     run unchecked.
//
// If execve itself fails after the check passed (no memory, an argument
// list too long), the workers' connections are already given up: the
// Run ends with the error, and the service manager restarts the service.

// execNext re-executes the master with exe, handing over the state the
// plan says. It returns only when the exec failed.
func (r *run) execNext(exe *os.File, plan upgradePlan) error {
	if r.control != nil {
		r.control.waitIdle(2 * time.Second) // the upgrade request's answer goes out first
	}
	r.spawnGate.Lock()
	defer r.spawnGate.Unlock()
	reply := make(chan error, 1)
	r.sp.do(func() { reply <- r.execOnThread(exe, plan) })
	return <-reply
}

// execOnThread is execNext's part on the spawner's thread.
func (r *run) execOnThread(exe *os.File, plan upgradePlan) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	syscall.ForkLock.Lock()
	defer syscall.ForkLock.Unlock()
	st, closeAll, err := r.snapshot(ctx, plan)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrUpgrade, err)
	}
	defer closeAll()
	fds := st.fds()
	for _, fd := range fds {
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETFD, 0); err != nil {
			return fmt.Errorf("%w: fd %d: %w", ErrUpgrade, fd, err)
		}
	}
	defer func() {
		for _, fd := range fds {
			unix.CloseOnExec(fd)
		}
	}()
	stFD, err := sealedState(st)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrUpgrade, err)
	}
	defer unix.Close(stFD)
	env := []string{upgradeEnv + "=" + strconv.Itoa(stFD)}
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); k != upgradeEnv && k != upgradeCheckEnv {
			env = append(env, kv)
		}
	}
	if plan.phase == "replace" {
		sdnotify.Notify(sdnotify.Reloading() + "\n" + sdnotify.Status(fmt.Sprintf("upgrading to a new executable (upgrade %d)", plan.id)))
	}
	r.log.Info("re-executing the master", "phase", plan.phase, "id", plan.id, "workers", len(st.Workers))
	err = syscall.Exec("/proc/self/fd/"+strconv.Itoa(int(exe.Fd())), os.Args, env)
	return fmt.Errorf("%w: exec: %w", ErrUpgrade, err)
}

// snapshot detaches every worker's connections and describes what the
// next image takes over; closeAll closes the duplicates it made.
func (r *run) snapshot(ctx context.Context, plan upgradePlan) (*upgradeState, func(), error) {
	st := &upgradeState{Format: stateFormat, Generation: int(r.generation.Load()),
		Upgrade: stateUpgrade{ID: plan.id, Phase: plan.phase, Err: plan.err, Asked: plan.asked.UnixNano()}}
	var dups []*os.File
	closeAll := func() {
		for _, f := range dups {
			f.Close()
		}
	}
	for _, l := range r.cfg.Listeners {
		if l.file != nil {
			st.Listeners = append(st.Listeners, stateListener{Name: l.name, Network: l.network, FD: fdOf(l.file), Unlink: l.unlink})
		}
	}
	if r.control != nil {
		f, err := r.control.ln.File()
		if err != nil {
			return nil, closeAll, err
		}
		dups = append(dups, f)
		st.Control = &stateFile{Path: r.control.path, FD: fdOf(f)}
	}
	if r.lock != nil {
		r.lock.mu.Lock()
		if r.lock.f != nil {
			st.Lock = &stateFile{Path: r.lock.path, FD: fdOf(r.lock.f)}
		}
		r.lock.mu.Unlock()
	}
	st.Contain = r.contain.state()
	for _, t := range r.tenures() {
		if closed(t.exited) {
			continue
		}
		w, err := t.state(ctx, plan.phase)
		if err != nil {
			// Its stream is broken (it is exiting, or failed): the next
			// image could not talk to it. It goes, reaped there by its
			// mark.
			r.log.Warn("worker not handed to the next image: killing it", "pid", t.pid, "err", err)
			syscall.Kill(t.pid, syscall.SIGKILL)
			continue
		}
		st.Workers = append(st.Workers, w)
	}
	if plan.phase == "replace" {
		f, err := os.Open("/proc/self/exe") // the running image's file, even if replaced on disk
		if err != nil {
			return nil, closeAll, err
		}
		dups = append(dups, f)
		st.Upgrade.OldExe = fdOf(f)
	}
	return st, closeAll, nil
}

// state detaches the worker's connections and describes it.
func (t *tenure) state(ctx context.Context, phase string) (stateWorker, error) {
	pending, err := t.conn.Detach(ctx)
	if err != nil {
		return stateWorker{}, err
	}
	handPending, err := t.hand.Detach(ctx)
	if err != nil {
		return stateWorker{}, err
	}
	inSlot := t.slot.holds(t)
	w := stateWorker{Worker: t.slot.w.Name, Slot: t.slot.n, PID: t.pid, Conn: connFD(t.conn), Hand: connFD(t.hand),
		Pending: pending, HandPending: handPending, Ready: t.health.isReady(), CanHand: t.canHand.Load(),
		// Going back, the workers the failed upgrade started are the
		// ones to stop, and the old ones take their slots again.
		Old: inSlot == (phase == "rollback")}
	if t.tree != nil {
		w.Seq, w.Cgroup = t.tree.seq, t.tree.cgroup
	}
	return w, nil
}

// fdOf is the descriptor under an os.File or a connection, without
// os.File.Fd's switch to blocking mode.
func fdOf(c syscall.Conn) int {
	n := -1
	if rc, err := c.SyscallConn(); err == nil {
		rc.Control(func(fd uintptr) { n = int(fd) })
	}
	return n
}

// connFD is the descriptor under a Conn.
func connFD(c *frame.Conn) int {
	if sc, ok := c.NetConn().(syscall.Conn); ok {
		return fdOf(sc)
	}
	return -1
}
