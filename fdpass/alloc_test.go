//go:build !race

// Built without -race: the race detector's instrumentation allocates.

package fdpass_test

import (
	"os"
	"testing"

	"github.com/release-daemon/release/fdpass"
	"golang.org/x/sys/unix"
)

func TestRawFormsDoNotAllocate(t *testing.T) {
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(pair[0])
	defer unix.Close(pair[1])
	null, _ := os.Open(os.DevNull)
	defer null.Close()
	nullFD := int(null.Fd())
	p, fds := []byte("x"), make([]int, 0, 16)
	allocs := testing.AllocsPerRun(200, func() {
		if err := fdpass.SendFDs(pair[0], p, nullFD, nullFD); err != nil {
			t.Fatal(err)
		}
		_, got, err := fdpass.RecvFDs(pair[1], p, fds[:0], 2)
		if err != nil || len(got) != 2 {
			t.Fatalf("RecvFDs: %v, %v", got, err)
		}
		unix.Close(got[0])
		unix.Close(got[1])
	})
	if allocs != 0 {
		t.Errorf("SendFDs and RecvFDs of 2 fds: %v allocations, want 0", allocs)
	}
}
