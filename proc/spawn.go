package proc

import (
	"net"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/release-daemon/release/frame"
	"golang.org/x/sys/unix"
)

// workerEnv names a worker's socket fd in its environment; Me reads it.
const workerEnv = "RELEASE_WORKER_FD"

// spawner starts workers from one goroutine locked to its OS thread for
// good: Linux sends the parent-death signal when the thread that forked a
// child dies, not the process, so a thread that might exit while the
// workers live would kill them.
type spawner struct {
	reqs    chan spawnReq
	contain *containment
	inline  bool // served by Run's goroutine, on the main thread
}

type spawnReq struct {
	fn    func() // instead of a start: run on the spawner's thread
	w     *Worker
	title string // argv[0]
	env   []string
	ctl   frame.ControlHandler // for the worker's messages
	reply chan spawnResult
}

type spawnResult struct {
	p    *os.Process
	conn *frame.Conn
	hand *frame.Conn // the hand-over socket
	tree *tree
	err  error
}

func newSpawner(c *containment) *spawner {
	s := &spawner{reqs: make(chan spawnReq), contain: c}
	if onLockedMainThread() {
		s.inline = true // Run's goroutine serves it: see spawn_main.go
		return s
	}
	go s.loop()
	return s
}

// loop serves spawn requests. It never unlocks its thread, so the thread
// ends with it, once every worker has been stopped. The thread sets
// no-new-privileges, which its children inherit (it is per thread: set
// from an ordinary goroutine it would reach one thread of many), so no
// worker can gain privileges by exec'ing a setuid program.
func (s *spawner) loop() {
	runtime.LockOSThread()
	unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
	for req := range s.reqs {
		s.serve(req)
	}
}

func (s *spawner) serve(req spawnReq) {
	if req.fn != nil {
		req.fn()
		return
	}
	req.reply <- spawn(req.w, req.title, req.env, req.ctl, s.contain)
}

// do runs fn on the spawner's thread, between two starts.
func (s *spawner) do(fn func()) { s.reqs <- spawnReq{fn: fn} }

func (s *spawner) stop() { close(s.reqs) }

// start starts one worker of w, with title as its argv[0] and ctl taking
// its messages.
func (s *spawner) start(w *Worker, title string, env []string, ctl frame.ControlHandler) spawnResult {
	reply := make(chan spawnResult, 1)
	s.reqs <- spawnReq{w: w, title: title, env: env, ctl: ctl, reply: reply}
	return <-reply
}

// workerTitle is the argv[0] of w's worker in slot: its Title, or
// "<Name>: worker <slot>".
func workerTitle(w *Worker, slot int) string {
	if w.Title != "" {
		return w.Title
	}
	return w.Name + ": worker " + strconv.Itoa(slot)
}

// spawn makes the worker's socketpair and starts it with its end as fd 3,
// /dev/null as stdin, the master's stdout and stderr, its sandbox program
// as fd 4 and the socket for its filter's listener as fd 5 if it has one
// (see [Worker].Sandbox), its hand-over socket, then its listeners (see
// [Worker].Listeners), nothing else, and
// SIGKILL as its parent-death signal, leading a process group of its own,
// in its own cgroup where c has them, with title as its argv[0]; then it
// sets up the shared memory of w.SharedMemory on the master's Conn.
func spawn(w *Worker, title string, env []string, ctl frame.ControlHandler, c *containment) spawnResult {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return spawnResult{err: os.NewSyscallError("socketpair", err)}
	}
	ours, theirs := os.NewFile(uintptr(fds[0]), "worker socket"), os.NewFile(uintptr(fds[1]), "master socket")
	defer theirs.Close()
	null, err := os.Open(os.DevNull)
	if err != nil {
		ours.Close()
		return spawnResult{err: err}
	}
	defer null.Close()
	// Fds the master got without close-on-exec (inherited, or opened by C
	// code) must not reach the worker: mark them all; the dup2 of Files
	// into 0-3 clears the flag on the four passed on.
	unix.CloseRange(3, ^uint(0), unix.CLOSE_RANGE_CLOEXEC)
	sys, err := workerSysAttr(w)
	if err == nil {
		err = checkWorkerExec(w) // again: the file may have changed since Run began
	}
	if err != nil {
		ours.Close()
		return spawnResult{err: err}
	}
	files, env, box, err := sandboxFiles(w, []*os.File{null, os.Stdout, os.Stderr, theirs}, env)
	if err != nil {
		ours.Close()
		return spawnResult{err: err}
	}
	defer box.closeWorkers()
	hand, files, env, closeHand, err := handoverPair(files, env)
	if err != nil {
		box.abandon()
		ours.Close()
		return spawnResult{err: err}
	}
	defer closeHand()
	files, env = listenerFiles(w, files, env)
	env = sharedEnviron(w, env)
	argv := append([]string{title}, w.Args...)
	p, t, err := startContained(c, w.Path, argv, env, sys, files)
	if err != nil {
		box.abandon()
		ours.Close()
		hand.Close()
		return spawnResult{err: err}
	}
	nc, err := net.FileConn(ours)
	ours.Close()
	var conn *frame.Conn
	if err == nil {
		conn = frame.New(nc, masterFrameOptions(w, ctl)...)
		if err = shareMemory(w, conn); err != nil { // first on the Conn: no one else writes yet
			conn.Close()
		}
	}
	if err != nil {
		hand.Close()
		box.abandon()
		p.Kill()
		waitExited(p.Pid)
		c.end(t)
		p.Wait()
		c.reaped(p.Pid)
		return spawnResult{err: err}
	}
	box.started(p.Pid)
	return spawnResult{p: p, conn: conn, hand: hand, tree: t}
}

// masterFrameOptions are the options of the master's Conn to a worker of w.
func masterFrameOptions(w *Worker, ctl frame.ControlHandler) []frame.Option {
	opts := []frame.Option{frame.WithControl(ctl)}
	if w.AcceptFiles {
		opts = append(opts, frame.AcceptFiles)
	}
	return opts
}

// startContained starts the worker as the leader of a new process group,
// with its tree's mark in its environment and, where there is one, in its
// tree's cgroup from its first instruction (CLONE_INTO_CGROUP).
func startContained(c *containment, path string, argv, env []string, sys *syscall.SysProcAttr, files []*os.File) (*os.Process, *tree, error) {
	t, mark, cgfd := c.newTree()
	if cgfd >= 0 {
		defer unix.Close(cgfd)
		sys.UseCgroupFD, sys.CgroupFD = true, cgfd
	}
	sys.Setpgid = true
	// The descriptors by number, not through os.File.Fd, which would put
	// each in blocking mode: a listener's open file is shared with every
	// worker, and one made blocking leaves their accepts stuck in the
	// kernel, where closing the listener cannot end them.
	fds := make([]uintptr, len(files))
	for i, f := range files {
		fds[i] = uintptr(fdOf(f))
	}
	attr := &syscall.ProcAttr{Env: append(slices.Clip(env), mark), Files: fds, Sys: sys}
	if sys.Chroot != "" {
		attr.Dir = "/" // inside the jail: Go chroots but does not chdir, which would leave it outside
	}
	c.mu.Lock()
	var p *os.Process
	pid, _, err := syscall.StartProcess(path, argv, attr)
	runtime.KeepAlive(files)
	if err != nil {
		err = &os.PathError{Op: "fork/exec", Path: path, Err: err}
	} else if p, err = os.FindProcess(pid); err == nil { // a pidfd: the child is not reaped until Wait
		c.startedLocked(t, pid)
	} else {
		syscall.Kill(pid, syscall.SIGKILL)
	}
	c.mu.Unlock()
	if err != nil {
		c.forget(t)
		return nil, nil, err
	}
	return p, t, nil
}

// workerSysAttr is how the worker starts: in its chroot, as its user, with
// SIGKILL when the spawning thread dies. Go sets the parent-death signal
// after the credentials, which would clear it, and checks the parent
// after.
func workerSysAttr(w *Worker) (*syscall.SysProcAttr, error) {
	sys := &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Chroot: w.Chroot}
	if w.User != "" {
		uid, gid, _, err := lookupTarget(w.User, false)
		if err != nil {
			return nil, err
		}
		sys.Credential = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{uint32(gid)}}
	}
	return sys, nil
}

// workerEnviron is the master's environment cut to the keep-list, never
// with NOTIFY_SOCKET, LISTEN_* or the daemon marker, plus the Worker's own
// variables and the worker marker.
func workerEnviron(keep, extra []string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if k == "NOTIFY_SOCKET" || strings.HasPrefix(k, "LISTEN_") || k == markerEnv || k == lockPathEnv {
			continue
		}
		for _, want := range keep {
			if k == want {
				env = append(env, kv)
			}
		}
	}
	return append(append(env, extra...), workerEnv+"=3")
}
