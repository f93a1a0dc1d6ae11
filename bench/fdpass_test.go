package bench

import (
	"os"
	"runtime"
	"strconv"
	"testing"

	"github.com/release-daemon/release/fdpass"
	"golang.org/x/sys/unix"
)

// BenchmarkFDPass sends /dev/null over a unix socketpair, 1, 16 or 253 fds per
// message, from one goroutine to another that closes what it receives.
// impl=release is fdpass.SendFDs and RecvFDs; impl=raw is what a Go user
// writes by hand with x/sys: Sendmsg with UnixRights, Recvmsg and
// ParseSocketControlMessage. The fds/s metric is the figure to compare.
// Under `taskset -c 0`, RELEASE_BENCH_SERVER_CPU=1 moves the receiver to
// CPU 1, so that sender and receiver each have a CPU of their own; set
// GOMAXPROCS=2 too, or taskset leaves the process one P for both.
func BenchmarkFDPass(b *testing.B) {
	for _, per := range []int{1, 16, 253} {
		for _, impl := range []string{"release", "raw"} {
			b.Run("fds="+itoa(per)+"/impl="+impl, func(b *testing.B) {
				benchFDPass(b, per, impl == "raw")
			})
		}
	}
}

func benchFDPass(b *testing.B, per int, raw bool) {
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer unix.Close(pair[0])
	defer unix.Close(pair[1])
	null, _ := os.Open(os.DevNull)
	defer null.Close()
	fds := make([]int, per)
	for i := range fds {
		fds[i] = int(null.Fd())
	}
	done := make(chan struct{})
	go func() { // the receiver
		defer close(done)
		pinReceiver()
		receive(pair[1], per, raw)
	}()
	p := []byte{1}
	b.ReportAllocs()
	for b.Loop() {
		if raw {
			err = unix.Sendmsg(pair[0], p, unix.UnixRights(fds...), nil, 0)
		} else {
			err = fdpass.SendFDs(pair[0], p, fds...)
		}
		if err != nil {
			b.Fatal(err)
		}
	}
	unix.Sendmsg(pair[0], []byte{0}, nil, nil, 0) // stop
	<-done
	b.ReportMetric(float64(b.N*per)/b.Elapsed().Seconds(), "fds/s")
}

// pinReceiver locks the calling goroutine to its thread and moves that
// thread to the CPU named by RELEASE_BENCH_SERVER_CPU, if set.
func pinReceiver() {
	cpu, err := strconv.Atoi(os.Getenv("RELEASE_BENCH_SERVER_CPU"))
	if err != nil {
		return
	}
	runtime.LockOSThread()
	var set unix.CPUSet
	set.Set(cpu)
	_ = unix.SchedSetaffinity(0, &set)
}

// receive takes messages until the stop byte, closing every fd.
func receive(sock, per int, raw bool) {
	p := make([]byte, 1)
	got := make([]int, 0, per)
	oob := make([]byte, unix.CmsgSpace(4*per))
	for {
		var err error
		if raw {
			var oobn int
			_, oobn, _, _, err = unix.Recvmsg(sock, p, oob, unix.MSG_CMSG_CLOEXEC)
			msgs, _ := unix.ParseSocketControlMessage(oob[:oobn])
			got = got[:0]
			for i := range msgs {
				fds, _ := unix.ParseUnixRights(&msgs[i])
				got = append(got, fds...)
			}
		} else {
			_, got, err = fdpass.RecvFDs(sock, p, got[:0], per)
		}
		if err != nil || p[0] == 0 {
			return
		}
		for _, fd := range got {
			unix.Close(fd)
		}
	}
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}
