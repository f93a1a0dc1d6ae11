package frame_test

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/release-daemon/release/frame"
	"golang.org/x/sys/unix"
)

// readSyscalls returns how many read system calls the process has made
// (syscr of /proc/self/io), or skips the test when it cannot tell.
func readSyscalls(t *testing.T) int {
	t.Helper()
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		t.Skipf("no read count: %v", err)
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "syscr: "); ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err == nil {
				return n
			}
		}
	}
	t.Skip("no syscr in /proc/self/io")
	return 0
}

// waitedReads sends a frame on w after delay, waits for it on r, and
// returns how many read system calls the process made meanwhile.
func waitedReads(t *testing.T, r, w *frame.Conn, delay time.Duration) int {
	t.Helper()
	timer := time.AfterFunc(delay, func() { _ = w.Write([]byte("late")) })
	defer timer.Stop()
	before := readSyscalls(t)
	done := make(chan error, 1)
	go func() { _, err := r.Read(); done <- err }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no frame within 30 s")
	}
	return readSyscalls(t) - before
}

// TestSpinNeedsASpareCPU checks that a Conn made on a thread allowed only
// one CPU never spins, however many SpinReads it was given: the spinner
// would hold the CPU its peer needs. Without the check the 200 ms wait
// below spun hundreds of thousands of reads.
func TestSpinNeedsASpareCPU(t *testing.T) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var all, one unix.CPUSet
	if err := unix.SchedGetaffinity(0, &all); err != nil {
		t.Skip(err)
	}
	for cpu := range 1024 {
		if all.IsSet(cpu) {
			one.Set(cpu)
			break
		}
	}
	if err := unix.SchedSetaffinity(0, &one); err != nil {
		t.Skip(err)
	}
	r, w := pair(t, frame.SpinReads(1<<30))
	if err := unix.SchedSetaffinity(0, &all); err != nil {
		t.Fatal(err)
	}
	if n := waitedReads(t, r, w, 200*time.Millisecond); n > 1000 {
		t.Errorf("%d read calls in a 200 ms wait on a one-CPU thread; want a few (no spinning)", n)
	} else {
		t.Logf("%d read calls in a 200 ms wait with SpinReads(1<<30) on a one-CPU thread", n)
	}
}

// TestSpinBacksOff checks that a Conn whose waits all spin in vain backs
// off: of 20 waits of 100 ms, each far longer than SpinReads(1000) takes,
// only the 1st, 3rd, 6th, 11th and 20th spin (5×1000 reads, not
// 20×1000).
func TestSpinBacksOff(t *testing.T) {
	var set unix.CPUSet
	if runtime.GOMAXPROCS(0) < 2 || unix.SchedGetaffinity(0, &set) != nil || set.Count() < 2 {
		t.Skip("needs two CPUs to spin at all")
	}
	const spins, waits = 1000, 20
	r, w := pair(t, frame.SpinReads(spins))
	total := 0
	for range waits {
		total += waitedReads(t, r, w, 100*time.Millisecond)
	}
	if total > waits*spins/2 {
		t.Errorf("%d read calls in %d waits with SpinReads(%d); want about %d (5 waits spinning)", total, waits, spins, 5*spins)
	}
	t.Logf("%d read calls in %d vain waits with SpinReads(%d): %.1f waits' worth of spinning", total, waits, spins, float64(total)/spins)
}

// TestSpinReadsWithFiles checks that a Conn that accepts files, whose
// reads are recvmsg calls, spins as the others do: a wait far longer than
// its spinning counts as a vain spin.
func TestSpinReadsWithFiles(t *testing.T) {
	var set unix.CPUSet
	if runtime.GOMAXPROCS(0) < 2 || unix.SchedGetaffinity(0, &set) != nil || set.Count() < 2 {
		t.Skip("needs two CPUs to spin at all")
	}
	r, w := pair(t, frame.AcceptFiles, frame.SpinReads(100))
	waitedReads(t, r, w, 50*time.Millisecond)
	if frame.SpinBackoff(r) == 0 {
		t.Fatal("a 50 ms wait with SpinReads(100) and AcceptFiles did not spin")
	}
	t.Logf("a vain 50 ms wait with SpinReads(100) and AcceptFiles spun; back-off now %d", frame.SpinBackoff(r))
}
