package frame_test

import (
	"bytes"
	"runtime"
	"testing"
	"time"

	"github.com/release-daemon/release/frame"
)

// pingPong makes n round trips between a and an echo goroutine on b,
// checking every answer.
func pingPong(t *testing.T, a, b *frame.Conn, n int) {
	t.Helper()
	go func() {
		for {
			p, err := b.Read()
			if err != nil || b.Write(p) != nil {
				return
			}
		}
	}()
	msg := []byte("ping 00000")
	for i := range n {
		msg[5], msg[6] = byte('0'+i/10000%10), byte('0'+i/1000%10)
		msg[7], msg[8], msg[9] = byte('0'+i/100%10), byte('0'+i/10%10), byte('0'+i%10)
		if err := a.Write(msg); err != nil {
			t.Fatal(err)
		}
		got, err := a.Read()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, msg) {
			t.Fatalf("round trip %d: got %q, want %q", i, got, msg)
		}
	}
}

// TestBlockReadsWaitInTheKernel checks that, by default, the reads of a
// ping-pong wait for their answers in the kernel (ppoll) rather than
// parking at once, and that every answer arrives intact.
func TestBlockReadsWaitInTheKernel(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("GOMAXPROCS 1: reads never wait in the kernel (see BlockReads)")
	}
	a, b := pair(t)
	before := frame.KernelWaits()
	pingPong(t, a, b, 2000)
	waits := frame.KernelWaits() - before
	if waits == 0 {
		t.Fatal("2000 round trips, no read waited in the kernel")
	}
	t.Logf("2000 round trips, %d reads waited in the kernel", waits)
}

// TestBlockReadsWithFiles checks that a Conn that accepts files, whose
// reads are recvmsg calls, waits in the kernel as the others do.
func TestBlockReadsWithFiles(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("GOMAXPROCS 1: reads never wait in the kernel (see BlockReads)")
	}
	a, b := pair(t, frame.AcceptFiles)
	before := frame.KernelWaits()
	pingPong(t, a, b, 2000)
	waits := frame.KernelWaits() - before
	if waits == 0 {
		t.Fatal("2000 round trips with AcceptFiles, no read waited in the kernel")
	}
	t.Logf("2000 round trips with AcceptFiles, %d reads waited in the kernel", waits)
}

// TestBlockReadsOff checks that BlockReads(0), and GOMAXPROCS 1 whatever
// BlockReads says, never wait in the kernel.
func TestBlockReadsOff(t *testing.T) {
	a, b := pair(t, frame.BlockReads(0))
	before := frame.KernelWaits()
	pingPong(t, a, b, 500)
	if n := frame.KernelWaits() - before; n != 0 {
		t.Errorf("BlockReads(0): %d reads waited in the kernel; want 0", n)
	}

	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	c, d := pair(t, frame.BlockReads(time.Millisecond))
	before = frame.KernelWaits()
	pingPong(t, c, d, 500)
	if n := frame.KernelWaits() - before; n != 0 {
		t.Errorf("GOMAXPROCS 1: %d reads waited in the kernel; want 0", n)
	}
}

// TestBlockReadsBacksOff checks that a Conn whose kernel waits all time
// out backs off: of 20 waits of 30 ms, each far longer than its 1 ms
// BlockReads, only the 1st, 3rd, 6th, 11th and 20th wait in the kernel.
func TestBlockReadsBacksOff(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("GOMAXPROCS 1: reads never wait in the kernel (see BlockReads)")
	}
	const waits = 20
	r, w := pair(t, frame.BlockReads(time.Millisecond))
	before := frame.KernelWaits()
	for range waits {
		waitedReads(t, r, w, 30*time.Millisecond)
	}
	n := frame.KernelWaits() - before
	if n < 1 || n > 8 {
		t.Errorf("%d kernel waits in %d waits that all time out; want 5 (backing off)", n, waits)
	}
	t.Logf("%d kernel waits in %d waits that all timed out", n, waits)
}
