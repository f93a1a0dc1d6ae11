package proc

import (
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// drainFor bounds how long the starting process, once it has the verdict,
// copies what is already in the daemon's output pipes: workers could keep
// writing without end.
const drainFor = time.Second

// starter is what the starting process keeps of the daemon it started: the
// read ends of the readiness pipe and of the daemon's stdout and stderr.
type starter struct{ ready, out, errs *os.File }

func (st *starter) close() {
	for _, f := range []*os.File{st.ready, st.out, st.errs} {
		if f != nil {
			f.Close()
		}
	}
}

// wait copies the daemon's stdout and stderr to this process's until the
// verdict comes on the readiness pipe, then what is left in them, and
// returns the exit code for the starting process: "R" is ready (0); "E" and
// a message is a failure (1), the message printed on stderr; end of file
// with neither means the daemon died before it was ready (1). The daemon
// reads its output pipes itself only once this process is gone, so nothing
// it wrote before its verdict is lost, not even a dying Go program's panic.
func (st *starter) wait() int {
	defer st.close()
	fds := []unix.PollFd{
		{Fd: int32(st.ready.Fd()), Events: unix.POLLIN},
		{Fd: int32(st.out.Fd()), Events: unix.POLLIN},
		{Fd: int32(st.errs.Fd()), Events: unix.POLLIN},
	}
	sinks := []*os.File{os.Stdout, os.Stderr}
	buf := make([]byte, 64<<10)
	for {
		if _, err := poll(fds, -1); err != nil {
			os.Stderr.WriteString("release: waiting for the daemon: " + err.Error() + "\n")
			return 1
		}
		copyReady(fds[1:], sinks, buf)
		if fds[0].Revents != 0 {
			v := readVerdict(int(fds[0].Fd))
			drain(fds[1:], sinks, buf)
			return report(v)
		}
	}
}

// poll is unix.Poll, again when a signal interrupts it.
func poll(fds []unix.PollFd, timeout int) (int, error) {
	for {
		n, err := unix.Poll(fds, timeout)
		if err != unix.EINTR {
			return n, err
		}
	}
}

// copyReady copies one read from each fd poll found ready to its sink; an
// fd at end of file (every writer gone) or failing is polled no more.
func copyReady(fds []unix.PollFd, sinks []*os.File, buf []byte) {
	for i := range fds {
		if fds[i].Revents == 0 {
			continue
		}
		n, err := unix.Read(int(fds[i].Fd), buf)
		switch {
		case n > 0:
			sinks[i].Write(buf[:n])
		case err != unix.EAGAIN && err != unix.EINTR:
			fds[i].Fd = -1
		}
	}
}

// drain copies what the fds hold now, for drainFor at most.
func drain(fds []unix.PollFd, sinks []*os.File, buf []byte) {
	for deadline := time.Now().Add(drainFor); time.Now().Before(deadline); {
		if n, err := poll(fds, 0); n == 0 || err != nil {
			return
		}
		copyReady(fds, sinks, buf)
	}
}

// readVerdict reads the verdict poll found on the readiness pipe fd: one
// read, which gets the whole of an atomic write, and what else is there.
// It returns nil at end of file.
func readVerdict(fd int) []byte {
	buf := make([]byte, maxFailText+1)
	n, _ := unix.Read(fd, buf)
	if n <= 0 {
		return nil
	}
	for more := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}; n < len(buf); {
		if k, err := poll(more, 0); k == 0 || err != nil {
			break
		}
		m, _ := unix.Read(fd, buf[n:])
		if m <= 0 {
			break
		}
		n += m
	}
	return buf[:n]
}

// report prints a failed verdict and returns the starting process's exit
// code.
func report(v []byte) int {
	switch {
	case len(v) > 0 && v[0] == 'R':
		return 0
	case len(v) > 0 && v[0] == 'E':
		os.Stderr.Write(append(v[1:], '\n'))
	default:
		os.Stderr.WriteString("release: the daemon exited before it was ready\n")
	}
	return 1
}
