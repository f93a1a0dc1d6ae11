package proc

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"github.com/release-daemon/release/internal/testenv"
	"golang.org/x/sys/unix"
)

// dropReport is what the drop helper sees of itself after the drop.
type dropReport struct {
	Err        string
	SetuidErrs []string // per pinned thread, raw SYS_SETUID(0)
	SecretErr  string
	OutsideErr string // opening /etc/passwd, which the jail does not have
	Cwd        string
	DeathSig   int
}

// helperDrop pins goroutines to several threads, drops to the test user and
// reports what every thread looks like afterwards.
func helperDrop() int {
	const pinned = 5
	ready, results := make(chan struct{}), make(chan string, pinned)
	release := make(chan struct{})
	for range pinned {
		go func() {
			runtime.LockOSThread()
			ready <- struct{}{}
			<-release
			// Raw per-thread setuid, bypassing Go's all-threads wrapper.
			_, _, errno := syscall.RawSyscall(syscall.SYS_SETUID, 0, 0, 0)
			results <- errno.Error()
			select {} // keep the thread for the test to inspect
		}()
	}
	for range pinned {
		<-ready
	}
	var rep dropReport
	runtime.LockOSThread() // PR_GET_PDEATHSIG reads this thread's setting
	if err := DropPrivileges(testenv.UserName, ParentDeathSignal(syscall.SIGKILL)); err != nil {
		rep.Err = err.Error()
		writeReportOutside(rep)
		return 1
	}
	close(release)
	for range pinned {
		rep.SetuidErrs = append(rep.SetuidErrs, <-results)
	}
	_, err := os.ReadFile("/" + testenv.Secret)
	rep.SecretErr = errString(err)
	_, err = os.Open("/etc/passwd")
	rep.OutsideErr = errString(err)
	rep.Cwd, _ = os.Getwd()
	var sig int32
	unix.Prctl(unix.PR_GET_PDEATHSIG, uintptr(unsafe.Pointer(&sig)), 0, 0, 0)
	rep.DeathSig = int(sig)
	writeReportOutside(rep)
	io.Copy(io.Discard, os.Stdin) // until the test has looked at /proc
	return 0
}

// writeReportOutside writes the report on stdout: after a chroot the test's
// files are out of reach.
func writeReportOutside(rep dropReport) {
	if err := writeReportTo(os.Stdout, rep); err != nil {
		os.Exit(2)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// taskStatuses reads the credential lines of every thread's status.
func taskStatuses(pid int) map[string]map[string]string {
	out := map[string]map[string]string{}
	dir := fmt.Sprintf("/proc/%d/task", pid)
	tasks, _ := os.ReadDir(dir)
	for _, task := range tasks {
		b, _ := os.ReadFile(filepath.Join(dir, task.Name(), "status"))
		fields := map[string]string{}
		for line := range strings.Lines(string(b)) {
			k, v, _ := strings.Cut(line, ":")
			switch k {
			case "Uid", "Gid", "Groups", "CapEff", "CapPrm", "CapAmb", "NoNewPrivs", "Seccomp":
				fields[k] = strings.Join(strings.Fields(v), " ")
			}
		}
		out[task.Name()] = fields
	}
	return out
}

func TestDropPrivileges(t *testing.T) {
	u := testenv.TestUser(t)
	cmd := helperCommand(t, "drop")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer stdin.Close()
	var rep dropReport
	if err := json.NewDecoder(stdout).Decode(&rep); err != nil || rep.Err != "" {
		t.Fatalf("DropPrivileges(%q): %q, %v", testenv.UserName, rep.Err, err)
	}
	pid := cmd.Process.Pid
	tasks := taskStatuses(pid)
	root, rootErr := os.Readlink(fmt.Sprintf("/proc/%d/root", pid))
	id := u.Uid + " " + u.Uid + " " + u.Uid + " " + u.Uid
	gid := u.Gid + " " + u.Gid + " " + u.Gid + " " + u.Gid
	if len(tasks) < 5 {
		t.Errorf("only %d threads to inspect, want at least 5", len(tasks))
	}
	nnp := 0
	for tid, st := range tasks {
		if st["Uid"] != id || st["Gid"] != gid || st["Groups"] != u.Gid {
			t.Errorf("thread %s: Uid %q Gid %q Groups %q; want %q, %q, %q", tid, st["Uid"], st["Gid"], st["Groups"], id, gid, u.Gid)
		}
		if st["CapEff"] != "0000000000000000" || st["CapPrm"] != "0000000000000000" || st["CapAmb"] != "0000000000000000" {
			t.Errorf("thread %s keeps capabilities: eff %s prm %s amb %s", tid, st["CapEff"], st["CapPrm"], st["CapAmb"])
		}
		if st["NoNewPrivs"] == "1" {
			nnp++
		}
	}
	if nnp != len(tasks) {
		t.Errorf("no-new-privileges is set on %d of %d threads after DropPrivileges, want all", nnp, len(tasks))
	}
	t.Logf(`{"test":"DropPrivileges on every thread","figures":{"threads":%d,"no_new_privs":"%d/%d"}}`, len(tasks), nnp, len(tasks))
	for i, e := range rep.SetuidErrs {
		if e != syscall.EPERM.Error() {
			t.Errorf("pinned thread %d: raw setuid(0) gave %q, want EPERM", i, e)
		}
	}
	if !strings.Contains(rep.SecretErr, "permission denied") {
		t.Errorf("reading the root-only secret gave %q, want permission denied", rep.SecretErr)
	}
	if !strings.Contains(rep.OutsideErr, "no such file") {
		t.Errorf("opening /etc/passwd after the chroot gave %q, want no such file", rep.OutsideErr)
	}
	switch {
	case rep.Cwd != "/":
		t.Errorf("cwd %q after the drop, want /", rep.Cwd)
	case rootErr != nil: // reading another uid's root link needs CAP_SYS_PTRACE, which containers lack
		t.Logf("cannot read the worker's root link (%v); the secret and /etc/passwd show the jail", rootErr)
	case root != testenv.Jail:
		t.Errorf("the root directory is %q, want the jail %s", root, testenv.Jail)
	}
	if rep.DeathSig != int(syscall.SIGKILL) {
		t.Errorf("the parent-death signal is %d after the drop, want SIGKILL (%d)", rep.DeathSig, syscall.SIGKILL)
	}
}

// TestDropRefusals checks targets refused before any credential changes,
// so they can run in the test process itself.
func TestDropRefusals(t *testing.T) {
	testenv.RequireRoot(t)
	nobody, err := user.Lookup("nobody")
	if err != nil {
		t.Skip("no user nobody to drop to")
	}
	dir := t.TempDir()
	jail := func(name string, mode os.FileMode, uid int) string {
		p := filepath.Join(dir, name)
		os.Mkdir(p, mode)
		os.Chmod(p, mode)
		os.Chown(p, uid, 0)
		return p
	}
	link := filepath.Join(dir, "link")
	os.Symlink(jail("real", 0o755, 0), link)
	for _, c := range []struct {
		name string
		user string
		opts []DropOption
		want error
	}{
		{"unknown user", "no-such-user-42", nil, user.UnknownUserError("no-such-user-42")},
		{"root", "root", nil, ErrRootTarget},
		{"jail owned by the user", nobody.Username, []DropOption{Chroot(jail("owned", 0o755, 4242))}, ErrUnsafeJail},
		{"jail mode 0775", nobody.Username, []DropOption{Chroot(jail("g+w", 0o775, 0))}, ErrUnsafeJail},
		{"jail mode 0777", nobody.Username, []DropOption{Chroot(jail("o+w", 0o777, 0))}, ErrUnsafeJail},
		{"missing jail", nobody.Username, []DropOption{Chroot(filepath.Join(dir, "none"))}, ErrUnsafeJail},
		{"symlinked jail", nobody.Username, []DropOption{Chroot(link)}, ErrUnsafeJail},
		{"home /nonexistent", nobody.Username, nil, ErrUnsafeJail},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := DropPrivileges(c.user, c.opts...)
			if !errors.Is(err, c.want) {
				t.Fatalf("DropPrivileges(%q) = %v, want %v", c.user, err, c.want)
			}
			if os.Geteuid() != 0 {
				t.Fatal("the refused drop changed this process's credentials")
			}
		})
	}
}

func TestCheckRoot(t *testing.T) {
	root := os.Geteuid() == 0
	if err := CheckRoot(); (err == nil) != root || (err != nil && !errors.Is(err, ErrNotRoot)) {
		t.Errorf("CheckRoot() = %v as uid %d", err, os.Geteuid())
	}
	if err := CheckNonRoot(); (err == nil) == root || (err != nil && !errors.Is(err, ErrRoot)) {
		t.Errorf("CheckNonRoot() = %v as uid %d", err, os.Geteuid())
	}
}
