package proc

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// cgroupRun is the cgroup v2 directory of one Run, beside the master in
// its own cgroup: "release.<master pid>.<token>", with one "w<seq>" per
// worker. The Run holds an flock on the directory while it lives: a
// directory whose lock can be taken was left by a master that died, in
// whatever PID namespace it ran, and two Runs in one process never share
// one.
type cgroupRun struct {
	mount string   // where the cgroup2 hierarchy is mounted
	dir   string   // the Run's directory
	lock  *os.File // the directory, flocked while the Run lives
}

// newCgroupRun makes the Run's cgroup directory, first killing and
// removing any that a dead master left (see cgroupRun). It fails where
// there is no cgroup v2 hierarchy or it is not writable (a plain user, a
// container with /sys/fs/cgroup read-only).
func newCgroupRun(token string) (*cgroupRun, error) {
	mount, err := cgroup2Mount()
	if err != nil {
		return nil, err
	}
	self, err := ownCgroup()
	if err != nil {
		return nil, err
	}
	parent := filepath.Join(mount, self)
	removeStaleRuns(parent)
	dir := filepath.Join(parent, "release."+token)
	if err := os.Mkdir(dir, 0o755); err != nil {
		return nil, err
	}
	lock, err := lockDir(dir)
	if err != nil {
		os.Remove(dir)
		return nil, err
	}
	return &cgroupRun{mount: mount, dir: dir, lock: lock}, nil
}

// lockDir opens dir and takes an exclusive flock on it, without waiting.
func lockDir(dir string) (*os.File, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		return nil, &os.PathError{Op: "flock", Path: dir, Err: err}
	}
	return f, nil
}

// cgroup2Mount finds the cgroup2 mount point in /proc/self/mountinfo.
func cgroup2Mount() (string, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		pre, post, ok := strings.Cut(sc.Text(), " - ")
		fields := strings.Fields(pre)
		if ok && len(fields) >= 5 && strings.HasPrefix(post, "cgroup2 ") {
			return fields[4], nil
		}
	}
	return "", errors.New("no cgroup2 hierarchy mounted")
}

// ownCgroup is the calling process's cgroup v2 path, from /proc/self/cgroup.
func ownCgroup() (string, error) {
	return cgroupOf("self")
}

func cgroupOf(pid string) (string, error) {
	b, err := os.ReadFile("/proc/" + pid + "/cgroup")
	if err != nil {
		return "", err
	}
	for line := range strings.Lines(string(b)) {
		if path, ok := strings.CutPrefix(strings.TrimSpace(line), "0::"); ok {
			return path, nil
		}
	}
	return "", errors.New("no cgroup v2 line in /proc/" + pid + "/cgroup")
}

// removeStaleRuns kills and removes the Run directories no live Run holds
// locked.
func removeStaleRuns(parent string) {
	ents, _ := os.ReadDir(parent)
	for _, e := range ents {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), "release.") {
			continue
		}
		dir := filepath.Join(parent, e.Name())
		lock, err := lockDir(dir)
		if err != nil {
			continue // live, or not ours to judge
		}
		(&cgroupRun{dir: dir, lock: lock}).close()
	}
}

// newWorker makes a worker's cgroup and opens it for CLONE_INTO_CGROUP.
func (r *cgroupRun) newWorker(seq int) (dir string, fd int, err error) {
	dir = filepath.Join(r.dir, "w"+strconv.Itoa(seq))
	if err := os.Mkdir(dir, 0o755); err != nil {
		return "", -1, err
	}
	fd, err = unix.Open(dir, unix.O_DIRECTORY|unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		os.Remove(dir)
		return "", -1, &os.PathError{Op: "open", Path: dir, Err: err}
	}
	return dir, fd, nil
}

// seqOf says which worker's cgroup of this Run holds pid, zombies too.
func (r *cgroupRun) seqOf(pid int) (int, bool) {
	path, err := cgroupOf(strconv.Itoa(pid))
	if err != nil {
		return 0, false
	}
	rel, ok := strings.CutPrefix(filepath.Join(r.mount, path), r.dir+"/w")
	if !ok {
		return 0, false
	}
	seq, err := strconv.Atoi(rel)
	return seq, err == nil
}

// kill kills everything in a worker's cgroup and reports whether it was
// already empty.
func (r *cgroupRun) kill(dir string) bool {
	b, err := os.ReadFile(filepath.Join(dir, "cgroup.events"))
	if err != nil || strings.Contains(string(b), "populated 0") {
		return true
	}
	if err := os.WriteFile(filepath.Join(dir, "cgroup.kill"), []byte("1"), 0); err != nil {
		killProcsOf(dir) // before Linux 5.14: one by one
	}
	return false
}

// killProcsOf sends SIGKILL to each process listed in a cgroup.
func killProcsOf(dir string) {
	b, _ := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
	for f := range strings.FieldsSeq(string(b)) {
		if pid, err := strconv.Atoi(f); err == nil {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

// remove removes an empty worker cgroup.
func (r *cgroupRun) remove(dir string) {
	os.Remove(dir)
}

// close kills what is left in the Run's cgroups and removes them.
func (r *cgroupRun) close() error {
	ents, _ := os.ReadDir(r.dir)
	for _, e := range ents {
		if e.IsDir() {
			dir := filepath.Join(r.dir, e.Name())
			for range 200 {
				if r.kill(dir) {
					break
				}
				time.Sleep(5 * time.Millisecond)
			}
			os.Remove(dir)
		}
	}
	err := os.Remove(r.dir)
	if r.lock != nil {
		r.lock.Close()
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}
