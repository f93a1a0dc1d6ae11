package proc

import (
	"fmt"
	"log/slog"
	"net"
	"os"
	"time"

	"github.com/release-daemon/release/frame"
	"github.com/release-daemon/release/proc/sdnotify"
)

// What a master re-executed by an upgrade (or a rollback) does with the
// state record: it takes the lock file, the control socket, the cgroups
// and every worker its previous image ran, as they are. The workers are
// still its children, with their connections open where the previous
// image left them; each goes back in its slot (the same Worker name and
// slot number), or, when the configuration no longer has that slot or
// the record marks it old, runs beside the slots until it is stopped.

// lockOrAdopt takes the lock file the previous image held when it is the
// same path, or else checks the privilege and takes (or daemonizes for)
// the configured one.
func (m *Master) lockOrAdopt(st *upgradeState) (*LockFile, error) {
	if st == nil {
		return m.start()
	}
	if l := st.Lock; l != nil {
		f := os.NewFile(uintptr(l.FD), "lock file")
		if l.Path == m.LockFile {
			return &LockFile{path: l.Path, f: f}, nil
		}
		f.Close() // another lock file now: let the old one go
	}
	if m.LockFile == "" {
		return nil, nil
	}
	return Lock(m.LockFile)
}

// controlListener is the control socket the previous image served at
// path, or nil; one at another path is closed.
func (st *upgradeState) controlListener(path string) *net.UnixListener {
	if st == nil || st.Control == nil {
		return nil
	}
	f := os.NewFile(uintptr(st.Control.FD), "control socket")
	defer f.Close()
	if st.Control.Path != path {
		return nil
	}
	ln, err := net.FileListener(f)
	if err != nil {
		return nil
	}
	ul, ok := ln.(*net.UnixListener)
	if !ok {
		ln.Close()
		return nil
	}
	ul.SetUnlinkOnClose(false)
	return ul
}

// adoptContainment takes over the previous image's containment: its
// token (the workers' marks), its numbering and its cgroup directory,
// whose lock came across.
func adoptContainment(log *slog.Logger, sc *stateContain) *containment {
	c := &containment{log: log, token: sc.Token, seq: sc.Seq, trees: map[int]*tree{},
		leaders: map[int]*tree{}, workers: map[int]bool{}, adopted: map[int]*tree{}}
	subreaping.acquire()
	if sc.Cgroup != "" {
		mount, err := cgroup2Mount()
		lock := os.NewFile(uintptr(sc.LockFD), "cgroup lock")
		if err == nil {
			c.cg = &cgroupRun{mount: mount, dir: sc.Cgroup, lock: lock}
		} else {
			lock.Close()
		}
	}
	c.stopReaper = c.reapOnSIGCHLD()
	return c
}

// state describes the containment for the next image.
func (c *containment) state() *stateContain {
	c.mu.Lock()
	defer c.mu.Unlock()
	sc := &stateContain{Token: c.token, Seq: c.seq}
	if c.cg != nil {
		sc.Cgroup, sc.LockFD = c.cg.dir, fdOf(c.cg.lock)
	}
	return sc
}

// adoptTree records an adopted worker's tree.
func (c *containment) adoptTree(seq, pid int, cgroup string) *tree {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &tree{seq: seq, leader: pid, cgroup: cgroup}
	c.trees[seq] = t
	c.leaders[pid] = t
	c.workers[pid] = true
	return t
}

// adopt takes the workers of the record, and carries out its plan.
func (r *run) adopt(st *upgradeState) {
	r.generation.Store(int64(st.Generation))
	u := st.Upgrade
	r.upgrades.status = UpgradeStatus{ID: u.ID, Generation: st.Generation, State: "replacing"}
	r.upgrades.asked = time.Unix(0, u.Asked)
	r.mu.Lock()
	r.ready = true // systemd hears READY=1 when the upgrade is over, not before
	r.mu.Unlock()
	var beside []*tenure
	for _, w := range st.Workers {
		s := r.slotOf(w.Worker, w.Slot)
		t, res, err := r.adoptWorker(w, s)
		if err != nil {
			r.log.Error("a worker of the previous image could not be taken over: killing it", "pid", w.PID, "err", err)
			continue
		}
		if s != nil && !w.Old && s.running() == nil {
			s.begin(t)
			s.adopted = &adoption{t, res}
			continue
		}
		beside = append(beside, t)
		go r.serve(t.slot, t, res)
	}
	r.log.Info("took over the previous image's workers", "workers", len(st.Workers), "generation", st.Generation, "phase", u.Phase)
	switch u.Phase {
	case "replace":
		r.replacing.Lock()
		oldExe := os.NewFile(uintptr(u.OldExe), "previous executable")
		go r.replaceGeneration(upgradePlan{id: u.ID, phase: u.Phase, asked: r.upgrades.asked}, oldExe)
	case "rollback":
		r.upgrades.set(func(s *UpgradeStatus) { s.State, s.Err = "failed", u.Err })
		r.log.Error("upgrade failed: back on the previous executable, whose workers served throughout", "id", u.ID, "err", u.Err)
		sdnotify.Notify("READY=1\n" + sdnotify.Status("upgrade failed: "+u.Err))
	}
	for _, t := range beside {
		r.stopWhenReplaced(t.slot, t, StopUpgrade)
	}
}

// adoption is a worker of the previous image waiting for its slot's
// supervision to take it on.
type adoption struct {
	t   *tenure
	res spawnResult
}

// takeAdopted returns the slot's adopted worker, once.
func (s *slot) takeAdopted() *adoption {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.adopted
	s.adopted = nil
	return a
}

// slotOf finds the slot of a Worker's name and number, or nil.
func (r *run) slotOf(worker string, n int) *slot {
	for _, s := range r.table {
		if s.w.Name == worker && s.n == n {
			return s
		}
	}
	return nil
}

// adoptWorker rebuilds a worker of the previous image: its process, its
// connections with what had been read of them, its tree. s may be nil
// (no such slot any more): it then gets one of its own, outside the
// table.
func (r *run) adoptWorker(w stateWorker, s *slot) (*tenure, spawnResult, error) {
	p, err := os.FindProcess(w.PID)
	if err != nil {
		return nil, spawnResult{}, err
	}
	fail := func(err error) (*tenure, spawnResult, error) {
		p.Kill()
		go func() { waitExited(w.PID); p.Wait() }()
		return nil, spawnResult{}, err
	}
	if s == nil {
		s = &slot{w: &Worker{Name: w.Worker, StartTimeout: DefaultStartTimeout, Misses: DefaultMisses}, n: w.Slot, index: -1}
	}
	h := newPeerHealth()
	if w.Ready {
		h.markReady()
	}
	opts := append(masterFrameOptions(s.w, h.control), frame.Pending(w.Pending))
	conn, err := adoptConn(w.Conn, "worker socket", opts...)
	if err != nil {
		return fail(err)
	}
	hand, err := adoptConn(w.Hand, "hand-over socket", frame.AcceptFiles, frame.MaxFrame(MaxHandOver+1), frame.Pending(w.HandPending))
	if err != nil {
		conn.Close()
		return fail(err)
	}
	t := newTenure(h)
	t.pid = w.PID
	t.canHand.Store(w.CanHand)
	res := spawnResult{p: p, conn: conn, hand: hand, tree: r.contain.adoptTree(w.Seq, w.PID, w.Cgroup)}
	r.enlist(s, t, res)
	return t, res, nil
}

// adoptConn makes a Conn of an inherited unix socket.
func adoptConn(fd int, name string, opts ...frame.Option) (*frame.Conn, error) {
	f := os.NewFile(uintptr(fd), name)
	defer f.Close()
	nc, err := net.FileConn(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if _, ok := nc.(*net.UnixConn); !ok {
		nc.Close()
		return nil, fmt.Errorf("%s: not a unix socket", name)
	}
	return frame.New(nc, opts...), nil
}
