package proc

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// childPIDs lists the calling process's children, from each thread's
// /proc children file (a child belongs to the thread that forked it; an
// adopted one to the thread it was reparented to), or, where the kernel
// lacks those files, from every process's parent in /proc.
func childPIDs() []int {
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return nil
	}
	var out []int
	for _, task := range tasks {
		b, err := os.ReadFile("/proc/self/task/" + task.Name() + "/children")
		if err != nil {
			return childPIDsByParent()
		}
		for f := range strings.FieldsSeq(string(b)) {
			if pid, err := strconv.Atoi(f); err == nil {
				out = append(out, pid)
			}
		}
	}
	return out
}

// childPIDsByParent scans every process for the calling one as parent.
func childPIDsByParent() []int {
	ents, _ := os.ReadDir("/proc")
	self := os.Getpid()
	var out []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if st, err := readStat(pid); err == nil && st.ppid == self {
			out = append(out, pid)
		}
	}
	return out
}

// procStat is what the tree code needs of /proc/PID/stat, which anyone
// may read, for a live process or a zombie.
type procStat struct {
	state      byte
	ppid, pgid int
}

func readStat(pid int) (procStat, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procStat{}, err
	}
	i := bytes.LastIndexByte(b, ')') // the command name may hold anything
	if i < 0 {
		return procStat{}, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 4 || len(f[0]) != 1 {
		return procStat{}, fmt.Errorf("/proc/%d/stat: too short", pid)
	}
	st := procStat{state: f[0][0]}
	st.ppid, _ = strconv.Atoi(f[1])
	st.pgid, _ = strconv.Atoi(f[2])
	return st, nil
}

// markOf finds the tree mark of this Run in a process's environment: the
// seq after "RELEASE_WORKER_TREE=<token>.". Reading another user's
// environment needs the right to trace it; without it, no mark.
func markOf(pid int, token string) (int, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ")
	if err != nil {
		return 0, false
	}
	prefix := treeEnv + "=" + token + "."
	for kv := range bytes.SplitSeq(b, []byte{0}) {
		if rest, ok := bytes.CutPrefix(kv, []byte(prefix)); ok {
			seq, err := strconv.Atoi(string(rest))
			return seq, err == nil
		}
	}
	return 0, false
}
