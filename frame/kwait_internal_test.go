package frame

import (
	"syscall"
	"testing"
	"time"
)

// TestKernelWaitsRationed checks that a read finding the process's
// allowance of kernel waits taken parks at once: it neither waits in
// ppoll nor counts against its Conn's back-off.
func TestKernelWaitsRationed(t *testing.T) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fds[0])
	defer syscall.Close(fds[1])
	k := newKwaiter(time.Second)
	k.limit = 2
	kernelWaiting.Add(2) // two reads of other Conns are waiting
	defer kernelWaiting.Add(-2)
	before := kernelWaited.Load()
	start := time.Now()
	if !k.may() {
		t.Fatal("a fresh Conn may not wait in the kernel")
	}
	if k.wait(uintptr(fds[0])) {
		t.Fatal("wait reported data on a silent socket")
	}
	if took := time.Since(start); took > 500*time.Millisecond {
		t.Errorf("a rationed wait took %v; want at once", took)
	}
	if n := kernelWaited.Load() - before; n != 0 || k.skip != 0 {
		t.Errorf("rationed wait: %d ppoll waits, skip %d; want 0 and 0", n, k.skip)
	}
	kernelWaiting.Add(-1) // one leaves: there is room
	defer kernelWaiting.Add(1)
	syscall.Write(fds[1], []byte{1})
	if !k.wait(uintptr(fds[0])) || kernelWaited.Load()-before != 1 {
		t.Error("with room, a wait on a socket with data did not wait in the kernel and report it")
	}
}
