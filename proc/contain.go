package proc

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// treeEnv marks a worker's environment, and so its descendants', with
// the Run and the worker it belongs to: "<token>.<seq>".
const treeEnv = "RELEASE_WORKER_TREE"

// treeKillTimeout bounds the killing of one worker's descendants.
const treeKillTimeout = 2 * time.Second

// containment keeps each worker's whole process tree within reach, so that
// nothing a worker started outlives it or the Run:
//
//   - each worker leads a process group of its own, so one kill reaches
//     the helpers it forks;
//   - the master is a child subreaper, so descendants orphaned by a dying
//     parent (a double fork, a setsid daemon) become its children instead
//     of init's, and it reaps them;
//   - where cgroup v2 is writable, each worker starts (CLONE_INTO_CGROUP)
//     in a cgroup of its own, which no descendant can leave without
//     privilege, and cgroup.kill ends it all at once.
//
// A process that became the master's child is counted as a worker's
// descendant by its cgroup, its process group, or the treeEnv mark in its
// environment; anything else (the program's own children) is left alone,
// never killed or reaped. Without cgroups a descendant that both leaves
// the process group and clears its environment can escape: cgroups are
// the boundary against a hostile worker, the rest a net for ordinary ones.
type containment struct {
	log   *slog.Logger
	token string
	cg    *cgroupRun // nil without cgroups

	mu      sync.Mutex
	seq     int
	trees   map[int]*tree // by seq
	leaders map[int]*tree // by the worker's PID, which is its process group
	workers map[int]bool  // PIDs a Process.Wait owns: never reaped here
	adopted map[int]*tree // descendants that became our children

	stopReaper func()
}

// tree is one worker and everything it started.
type tree struct {
	seq    int
	leader int    // the worker's PID, and its process group
	cgroup string // its cgroup directory, or ""
	doomed bool   // the worker has exited: kill what is left
}

// newContainment makes the process a child subreaper, prepares a cgroup
// for the Run unless noCgroups or cgroup v2 is not writable, and starts
// reaping adopted descendants.
func newContainment(log *slog.Logger, noCgroups bool) *containment {
	c := &containment{log: log, token: randomToken(), trees: map[int]*tree{},
		leaders: map[int]*tree{}, workers: map[int]bool{}, adopted: map[int]*tree{}}
	subreaping.acquire()
	if !noCgroups {
		cg, err := newCgroupRun(c.token)
		if err != nil {
			log.Debug("workers run without cgroups of their own", "err", err)
		}
		c.cg = cg
	}
	c.stopReaper = c.reapOnSIGCHLD()
	return c
}

// randomToken tells this Run's marks from any other's.
func randomToken() string {
	b := make([]byte, 8)
	rand.Read(b)
	return strconv.Itoa(os.Getpid()) + "-" + hex.EncodeToString(b)
}

// newTree starts the tree of a worker about to be spawned: the mark for
// its environment and, with cgroups, an open cgroup directory to start it
// in (closed by the caller after the spawn), or -1.
func (c *containment) newTree() (t *tree, mark string, cgfd int) {
	c.mu.Lock()
	c.seq++
	t = &tree{seq: c.seq}
	c.trees[t.seq] = t
	c.mu.Unlock()
	cgfd = -1
	if c.cg != nil {
		dir, fd, err := c.cg.newWorker(t.seq)
		if err == nil {
			t.cgroup, cgfd = dir, fd
		} else {
			c.log.Warn("worker runs without a cgroup of its own", "err", err)
		}
	}
	return t, treeEnv + "=" + c.token + "." + strconv.Itoa(t.seq), cgfd
}

// forget drops the tree of a worker that did not start.
func (c *containment) forget(t *tree) {
	c.mu.Lock()
	delete(c.trees, t.seq)
	c.mu.Unlock()
	if t.cgroup != "" {
		c.cg.remove(t.cgroup)
	}
}

// startedLocked records t's worker, under the lock the caller took before
// starting it, so that a sweep never mistakes the worker for a
// descendant.
func (c *containment) startedLocked(t *tree, pid int) {
	t.leader = pid
	c.leaders[pid] = t
	c.workers[pid] = true
}

// end is called once t's worker has exited, before it is reaped: it kills
// and reaps every descendant left, within treeKillTimeout.
func (c *containment) end(t *tree) {
	c.mu.Lock()
	t.doomed = true // the worker stays in c.workers until reaped (see reaped)
	c.mu.Unlock()
	if t.leader > 0 {
		// Once: the worker, not yet reaped, keeps its process group from
		// being reused, and a group whose members are all being killed
		// cannot grow (fork fails with a fatal signal pending).
		syscall.Kill(-t.leader, syscall.SIGKILL)
	}
	deadline := time.Now().Add(treeKillTimeout)
	for !c.killRound(t) {
		if time.Now().After(deadline) {
			c.log.Error("a worker's descendants could not all be killed", "pid", t.leader, "cgroup", t.cgroup)
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	c.mu.Lock()
	delete(c.leaders, t.leader)
	delete(c.trees, t.seq)
	c.mu.Unlock()
	if t.cgroup != "" {
		c.cg.remove(t.cgroup)
	}
}

// reaped forgets a worker its Process.Wait has reaped; until then no
// sweep may reap it.
func (c *containment) reaped(pid int) {
	c.mu.Lock()
	delete(c.workers, pid)
	c.mu.Unlock()
}

// killRound sends SIGKILL to what is left of t and reaps what died; it
// reports whether nothing is left.
func (c *containment) killRound(t *tree) bool {
	empty := true
	if t.cgroup != "" && !c.cg.kill(t.cgroup) {
		empty = false
	}
	if c.sweep(t) > 0 {
		empty = false
	}
	return empty
}

// close kills every tree left, then stops reaping and removes the Run's
// cgroup. The Run calls it once every worker has been waited for.
func (c *containment) close() {
	c.mu.Lock()
	var left []*tree
	for _, t := range c.trees {
		left = append(left, t)
	}
	c.mu.Unlock()
	for _, t := range left {
		c.end(t)
	}
	c.stopReaper()
	if c.cg != nil {
		if err := c.cg.close(); err != nil {
			c.log.Warn("the workers' cgroup could not be removed", "err", err)
		}
	}
	subreaping.release()
}

// subreaping counts the Runs that need the process to be a child
// subreaper: the attribute is the whole process's, so the last Run to end
// puts back what the process had before the first began.
var subreaping subreaperCount

type subreaperCount struct {
	mu  sync.Mutex
	n   int
	was bool // the process was a subreaper before any Run
}

func (s *subreaperCount) acquire() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.n == 0 {
		s.was = prctlGet(unix.PR_GET_CHILD_SUBREAPER) != 0
		unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
	}
	s.n++
}

func (s *subreaperCount) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.n--; s.n == 0 && !s.was {
		unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)
	}
}

// reapOnSIGCHLD sweeps the master's children whenever one changes state,
// reaping descendants that died while their worker lives.
func (c *containment) reapOnSIGCHLD() (stop func()) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGCHLD)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-ch:
				c.sweep(nil)
			case <-ctx.Done():
				return
			}
		}
	}()
	return func() {
		signal.Stop(ch)
		cancel()
		<-done
	}
}

// sweep looks at each child of the master that is not a worker: one that
// belongs to a tree is remembered, reaped if it died, and killed if its
// tree is doomed. It returns how many of only's descendants (or of any
// tree, for nil) are still there.
func (c *containment) sweep(only *tree) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	left := 0
	for _, pid := range childPIDs() {
		if c.workers[pid] {
			continue
		}
		t := c.treeOfLocked(pid)
		if t == nil {
			continue
		}
		c.adopted[pid] = t
		if only != nil && t != only {
			continue
		}
		left++
		if reapIfDead(pid) {
			delete(c.adopted, pid)
			left--
			continue
		}
		if t.doomed {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	return left
}

// treeOfLocked says which tree a child of the master belongs to, if any.
func (c *containment) treeOfLocked(pid int) *tree {
	if t, ok := c.adopted[pid]; ok {
		return t
	}
	if c.cg != nil {
		if seq, ok := c.cg.seqOf(pid); ok {
			return c.trees[seq]
		}
	}
	if st, err := readStat(pid); err == nil {
		if t, ok := c.leaders[st.pgid]; ok {
			return t
		}
	}
	if seq, ok := markOf(pid, c.token); ok {
		return c.trees[seq]
	}
	return nil
}

// reapIfDead reaps pid if it has exited, and reports whether it had.
func reapIfDead(pid int) bool {
	var ws syscall.WaitStatus
	wpid, err := syscall.Wait4(pid, &ws, syscall.WNOHANG, nil)
	return wpid == pid || errors.Is(err, syscall.ECHILD)
}
