package sandbox

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// TestLearnedSpec feeds a learner the calls of a worker that reads a
// file, writes another it creates, makes an internet socket, maps code,
// sends a message and traces a process, each twice, and checks the
// tightest spec: the promises that allow them, ptrace by name, and the
// files unveiled with the rights they were used with; a file that is
// gone and was not created is not unveiled. The spec allows each call.
func TestLearnedSpec(t *testing.T) {
	dir := t.TempDir()
	read, made := filepath.Join(dir, "read"), filepath.Join(dir, "new", "made")
	os.WriteFile(read, []byte("x"), 0o644)
	calls := []*Violation{
		{Name: "openat", Args: [6]uint64{uint64(0xffffff9c), 0, unix.O_RDONLY | unix.O_CLOEXEC}, Path: read},
		{Name: "openat", Args: [6]uint64{uint64(0xffffff9c), 0, unix.O_WRONLY | unix.O_CREAT | unix.O_TRUNC}, Path: made},
		{Name: "openat", Args: [6]uint64{uint64(0xffffff9c), 0, unix.O_RDONLY}, Path: filepath.Join(dir, "gone")},
		{Name: "socket", Args: [6]uint64{unix.AF_INET, unix.SOCK_STREAM}},
		{Name: "mprotect", Args: [6]uint64{0x1000, 0x1000, unix.PROT_READ | unix.PROT_EXEC}},
		{Name: "recvmsg", Args: [6]uint64{3, 0x7000, 0}},
		{Name: "ptrace", Args: [6]uint64{unix.PTRACE_SEIZE, 42}},
	}
	var l learner
	fresh := 0
	for range 2 {
		for _, v := range calls {
			if l.record(v, sysnums[v.Name], v.Path) {
				fresh++
			}
		}
	}
	os.MkdirAll(filepath.Dir(made), 0o755) // the create's directory: as if the worker made it before
	got := l.spec(false)
	want := Spec{Promises: Stdio | Rpath | Wpath | Cpath | Inet | ProtExec, Allow: []string{"ptrace"}, Veiled: true,
		Unveil: []Unveil{{read, Read}, {filepath.Dir(made), Write | Create}}}
	if got.String() != want.String() {
		t.Fatalf("learned %q, want %q", got, want)
	}
	for _, v := range calls {
		d := seccompData{nr: sysnums[v.Name], arch: auditArch, args: v.Args}
		if !allows(got, &d) {
			t.Errorf("the learned spec refuses %s", v.Call())
		}
	}
	t.Logf("%d calls, %d distinct: learned %q", 2*len(calls), fresh, got)
}
