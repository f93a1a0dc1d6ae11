package sandbox

import (
	"fmt"
	"os"
	"os/exec"
	"slices"
	"sort"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// helperListing installs a filter that allows the baseline (and sendmsg,
// to hand over the listener) and turns every other call into a user
// notification, sends the listener to the parent on fd 3, and runs the
// runtime exercises. The parent lets every call continue and lists them:
// strace's answer, from seccomp itself.
func helperListing() int {
	s := Spec{Allow: []string{"sendmsg"}}
	f, err := buildFilter(s.entries(), unix.SECCOMP_RET_USER_NOTIF, layoutTree)
	if err != nil {
		return 6
	}
	if err := setNoNewPrivs(); err != nil {
		return 6
	}
	prog := unix.SockFprog{Len: uint16(len(f)), Filter: &f[0]}
	fd, _, errno := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER,
		unix.SECCOMP_FILTER_FLAG_TSYNC|unix.SECCOMP_FILTER_FLAG_TSYNC_ESRCH|unix.SECCOMP_FILTER_FLAG_NEW_LISTENER,
		uintptr(unsafe.Pointer(&prog)))
	if errno != 0 {
		fmt.Fprintln(os.Stderr, "seccomp:", errno)
		return 6
	}
	if err := unix.Sendmsg(3, []byte{0}, unix.UnixRights(int(fd)), nil, 0); err != nil {
		return 6
	}
	unix.Close(int(fd)) // the parent holds it now
	for _, e := range exercises {
		if err := e.run(); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", e.name, err)
			return 1
		}
	}
	return 0
}

// superviseListing answers the listener's notifications until the child
// is gone, letting each call continue, and returns the calls by name
// with their counts.
func superviseListing(t *testing.T, listener int) map[string]int {
	seen := map[string]int{}
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); {
		pfd := []unix.PollFd{{Fd: int32(listener), Events: unix.POLLIN}}
		if _, err := unix.Poll(pfd, 100); err != nil && err != unix.EINTR {
			t.Fatal(err)
		}
		if pfd[0].Revents&unix.POLLIN != 0 {
			var n seccompNotif
			if _, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(listener), unix.SECCOMP_IOCTL_NOTIF_RECV, uintptr(unsafe.Pointer(&n))); e == 0 {
				name := sysname(uint32(n.nr))
				if name == "" {
					name = fmt.Sprint(n.nr)
				}
				seen[name]++
				resp := seccompNotifResp{id: n.id, flags: unix.SECCOMP_USER_NOTIF_FLAG_CONTINUE}
				unix.Syscall(unix.SYS_IOCTL, uintptr(listener), unix.SECCOMP_IOCTL_NOTIF_SEND, uintptr(unsafe.Pointer(&resp)))
			}
			continue
		}
		if pfd[0].Revents&(unix.POLLHUP|unix.POLLERR) != 0 {
			return seen
		}
	}
	t.Fatal("the child under supervision did not end within a minute")
	return nil
}

// TestRuntimeCallsListed runs the runtime exercises in a child whose
// filter notifies this process of every call outside the baseline, and
// lists them: the runtime itself must need none (the baseline holds), and
// the exercises nothing beyond stdio. A call missing from the baseline is
// named here, where TestBaselineRunsTheRuntime only dies of it.
func TestRuntimeCallsListed(t *testing.T) {
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	mine, theirs := os.NewFile(uintptr(pair[0]), "supervisor"), os.NewFile(uintptr(pair[1]), "worker")
	defer mine.Close()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=listing", "GORACE=atexit_sleep_ms=0")
	cmd.ExtraFiles = []*os.File{theirs}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	theirs.Close()
	defer cmd.Process.Kill()
	// A minute bounds the wait for the listener below.
	defer time.AfterFunc(time.Minute, func() { cmd.Process.Kill() }).Stop()
	buf, oob := make([]byte, 1), make([]byte, unix.CmsgSpace(4))
	_, oobn, _, _, err := unix.Recvmsg(int(mine.Fd()), buf, oob, 0)
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) != 1 {
		t.Fatalf("no listener from the child: %v", err)
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) != 1 {
		t.Fatalf("no listener from the child: %v", err)
	}
	seen := superviseListing(t, fds[0])
	unix.Close(fds[0])
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child: %v", err)
	}
	stdio := slices.Concat(promiseCalls[0], []string{"socketpair", "ioctl", "prlimit64"})
	var names []string
	for n := range seen {
		names = append(names, fmt.Sprintf("%s×%d", n, seen[n]))
		if !slices.Contains(stdio, n) {
			t.Errorf("%s (%d calls) is neither in the baseline nor in stdio", n, seen[n])
		}
	}
	sort.Strings(names)
	t.Logf("calls outside the baseline: %d kinds: %v", len(seen), names)
}
