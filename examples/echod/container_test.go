package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// rootfsEnv names the directory of a Debian root file system with systemd
// (scripts/systemd-test.sh builds and caches it); without it the tests
// against a real systemd are skipped.
const rootfsEnv = "ECHOD_SYSTEMD_ROOTFS"

// container is a systemd booted as PID 1 by systemd-nspawn, on a
// throw-away overlay of the root file system, with its own network.
type container struct {
	t      *testing.T
	nspawn *exec.Cmd
	leader int    // the container's PID 1, as the host sees it
	log    string // nspawn's console output
}

// boot starts the container with dir mounted read-only at /opt/echod and
// waits until its systemd has finished starting up; the test's cleanup
// powers it off.
func boot(t *testing.T, rootfs, dir string) *container {
	t.Helper()
	c := &container{t: t, log: filepath.Join(dir, "console.log")}
	out, err := os.Create(c.log)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	name := "echod-test-" + strconv.Itoa(os.Getpid())
	c.nspawn = exec.Command("systemd-nspawn", "--quiet", "--boot", "--directory="+rootfs, "--volatile=overlay",
		"--machine="+name, "--register=no", "--keep-unit", "--private-network", "--bind-ro="+dir+":/opt/echod")
	// The host mixes cgroup v1 and v2; the container's systemd (257) wants
	// v2 only.
	c.nspawn.Env = append(os.Environ(), "SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1")
	c.nspawn.Stdin, c.nspawn.Stdout, c.nspawn.Stderr = nil, out, out
	c.nspawn.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := c.nspawn.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { c.nspawn.Wait(); close(exited) }()
	t.Cleanup(func() { c.powerOff(exited) })
	for deadline := time.Now().Add(30 * time.Second); c.leader == 0; time.Sleep(50 * time.Millisecond) {
		c.leader = child(c.nspawn.Process.Pid)
		if time.Now().After(deadline) {
			c.fatal("systemd-nspawn started no container within 30 s")
		}
	}
	start := time.Now()
	var state string
	for deadline := start.Add(90 * time.Second); state != "running" && state != "degraded"; time.Sleep(100 * time.Millisecond) {
		// Until its bus is up, systemctl fails at once; then it waits.
		var err error
		if state, err = c.runErr(time.Until(deadline), "systemctl", "is-system-running", "--wait"); time.Now().After(deadline) {
			c.fatal("the container's systemd did not finish starting: %q, %v", state, err)
		}
	}
	t.Logf("container %s booted, leader %d, system %s after %v", name, c.leader, state, time.Since(start).Round(time.Millisecond))
	return c
}

// child is the first child of pid, or 0.
func child(pid int) int {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	n, _ := strconv.Atoi(f[0])
	return n
}

// powerOff asks nspawn to shut the container down (it forwards SIGTERM to
// the container's systemd as a halt), then kills what is left after 30 s.
func (c *container) powerOff(exited <-chan struct{}) {
	c.nspawn.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(30 * time.Second):
		syscall.Kill(-c.nspawn.Process.Pid, syscall.SIGKILL)
		<-exited
	}
}

// fatal ends the test with the tail of the console output.
func (c *container) fatal(format string, args ...any) {
	c.t.Helper()
	b, _ := os.ReadFile(c.log)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	c.t.Fatalf(format+"\nconsole:\n%s", append(args, b)...)
}

// runErr runs a command in every namespace of the container, within d,
// and returns its trimmed output (stdout and stderr).
func (c *container) runErr(d time.Duration, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	cmd := exec.CommandContext(ctx, "nsenter", append([]string{"-t", strconv.Itoa(c.leader), "-a", "--"}, args...)...)
	cmd.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "SYSTEMD_COLORS=0", "SYSTEMD_PAGER="}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("%q did not end within %v", args, d)
	}
	return strings.TrimSpace(out.String()), err
}

// run is runErr for a command that must succeed.
func (c *container) run(args ...string) string {
	c.t.Helper()
	out, err := c.runErr(2*time.Minute, args...)
	if err != nil {
		c.t.Fatalf("%q: %v\n%s", args, err, out)
	}
	return out
}

// show is one property of a unit, as systemctl show prints it.
func (c *container) show(unit, prop string) string {
	c.t.Helper()
	return c.run("systemctl", "show", "-P", prop, unit)
}

// dial connects to addr from inside the container's network: a locked
// thread joins its network namespace, creates the socket, and ends.
func (c *container) dial(addr string) (net.Conn, error) {
	type result struct {
		conn net.Conn
		err  error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with this goroutine
		ns, err := os.Open(fmt.Sprintf("/proc/%d/ns/net", c.leader))
		if err != nil {
			ch <- result{nil, err}
			return
		}
		defer ns.Close()
		if err := unix.Setns(int(ns.Fd()), unix.CLONE_NEWNET); err != nil {
			ch <- result{nil, err}
			return
		}
		conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
		ch <- result{conn, err}
	}()
	r := <-ch
	return r.conn, r.err
}

// echo sends one line to echod inside the container and checks the answer.
func (c *container) echo(line string) error {
	conn, err := c.dial("127.0.0.1:7070")
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := conn.Write([]byte(line + "\n")); err != nil {
		return err
	}
	got := make([]byte, len(line)+1)
	if _, err := io.ReadFull(conn, got); err != nil {
		return err
	}
	if string(got) != strings.ToUpper(line)+"\n" {
		return fmt.Errorf("echod answered %q to %q", got, line)
	}
	return nil
}

// processes lists the PIDs (as the host sees them) of the processes in
// the container running the executable named name (workers run it as
// /proc/self/exe, so their comm is "exe").
func (c *container) processes(name string) []int {
	want, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/pid", c.leader))
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		ns, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/pid", pid))
		exe, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
		if ns == want && filepath.Base(strings.TrimSuffix(exe, " (deleted)")) == name && running(pid) {
			pids = append(pids, pid)
		}
	}
	return pids
}
