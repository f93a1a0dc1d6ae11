package frame_test

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/release-daemon/release/frame"
	"github.com/release-daemon/release/internal/testenv"
	"golang.org/x/sys/unix"
)

// shmWorkerMain is the worker of TestSharedWorkerProcess, in a child
// process: it serves echoes on fd 3, sharing memory, and stops reading
// for good at a payload that starts with "stall".
func shmWorkerMain() {
	f := os.NewFile(3, "master")
	nc, err := net.FileConn(f)
	if err != nil {
		os.Exit(2)
	}
	c := frame.New(nc, frame.AcceptShared)
	frame.Serve(context.Background(), c, frame.Bytes{}, frame.Bytes{}, func(_ context.Context, p []byte) ([]byte, error) {
		if bytes.HasPrefix(p, []byte("stall")) {
			time.Sleep(time.Hour) // not select{}: with nothing else alive, the runtime calls that a deadlock
		}
		return p, nil
	})
	os.Exit(0)
}

// TestSharedWorkerProcess shares memory with a worker in another process:
// round trips of 1 B to 512 KiB come back intact; then the worker stops
// reading, the master's write waits for room, and the worker is killed
// with SIGKILL: the write ends at once with EPIPE, and once the master's
// Conn is closed, no descriptor and no mapping of the rings is left.
func TestSharedWorkerProcess(t *testing.T) {
	if os.Getenv("FRAME_TEST_SHM") == "worker" {
		shmWorkerMain()
	}
	fds, maps := testenv.FDs(t), sharedMaps(t)
	sp, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	theirs := os.NewFile(uintptr(sp[1]), "worker")
	cmd := exec.Command(os.Args[0], "-test.run=^TestSharedWorkerProcess$")
	cmd.Env = append(os.Environ(), "FRAME_TEST_SHM=worker")
	cmd.ExtraFiles = []*os.File{theirs}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	theirs.Close()
	defer cmd.Process.Kill()
	mine := os.NewFile(uintptr(sp[0]), "master")
	nc, err := net.FileConn(mine)
	mine.Close()
	if err != nil {
		t.Fatal(err)
	}
	master := frame.New(nc)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := master.ShareMemory(ctx, 1<<20); err != nil {
		t.Fatal(err)
	}
	for i, n := range []int{1, 3000, 100 << 10, 512 << 10, 5, 300 << 10} {
		if err := master.WriteContext(ctx, pattern(n, i)); err != nil {
			t.Fatal(err)
		}
		p, err := master.ReadContext(ctx)
		if err != nil || !bytes.Equal(p, pattern(n, i)) {
			t.Fatalf("round trip %d of %d bytes: %d bytes back, %v", i, n, len(p), err)
		}
	}
	stall := append([]byte("stall"), make([]byte, 300<<10)...)
	if err := master.WriteContext(ctx, stall); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		for {
			if err := master.WriteContext(ctx, stall[5:]); err != nil {
				done <- err
				return
			}
		}
	}()
	time.Sleep(100 * time.Millisecond)
	select {
	case err := <-done:
		t.Fatalf("writes to a worker that stopped reading: %v before it was killed", err)
	default:
	}
	killed := time.Now()
	cmd.Process.Signal(syscall.SIGKILL)
	var werr error
	select {
	case werr = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the write waiting for room did not end when the worker was killed")
	}
	took := time.Since(killed)
	if !errors.Is(werr, unix.EPIPE) {
		t.Fatalf("the write to a killed worker: %v, want EPIPE", werr)
	}
	cmd.Wait()
	master.Close()
	if extra := testenv.NewFDs(t, fds); len(extra) != 0 {
		t.Errorf("descriptors left open: %v", extra)
	}
	if got := sharedMaps(t); got != maps {
		t.Errorf("frame-shm mappings: %d before, %d after", maps, got)
	}
	t.Logf("6 round trips with a worker process; its SIGKILL ended the waiting write in %v (%v); mappings %d -> %d",
		took.Round(time.Millisecond), werr, maps, sharedMaps(t))
}
