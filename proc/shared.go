package proc

import (
	"context"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/release-daemon/release/frame"
)

// Shared memory between the master and a worker (see [Worker].SharedMemory):
// the master sets it up on its Conn to the worker as the first thing on
// it, before the Handler or anyone else can write, and tells the worker
// through its environment, so that Me makes the worker's Conn with
// frame.AcceptShared. The worker's first read takes the rings, before
// the first frame after them: the setup is the first thing in the
// stream. Control frames (readiness, heartbeats) are small and stay in
// the socket; the MaxFrame of the master's Conn, frame's default, is
// below the limits of both control frames and shared memory.

// sharedEnv tells a worker that its master shares memory with it.
const sharedEnv = "RELEASE_SHARED_MEMORY"

// shareTimeout bounds the master's setup on a fresh socket, whose buffer
// is empty: it never needs to wait, and never waits longer than this.
const shareTimeout = 5 * time.Second

// checkSharedMemory refuses a SharedMemory that no start could set up.
func checkSharedMemory(w *Worker) error {
	if w.SharedMemory < 0 || w.SharedMemory > frame.MaxSharedSize {
		return fmt.Errorf("proc: SharedMemory of %d bytes: want 0 (off) to %d", w.SharedMemory, frame.MaxSharedSize)
	}
	return nil
}

// sharedEnviron is env, with the variable that tells the worker to take
// shared memory if w has it.
func sharedEnviron(w *Worker, env []string) []string {
	if w.SharedMemory == 0 {
		return env
	}
	return append(slices.Clip(env), sharedEnv+"=1")
}

// shareMemory sets up w's shared memory on c, the master's Conn to a
// worker just started, before anything else is written on it.
func shareMemory(w *Worker, c *frame.Conn) error {
	if w.SharedMemory == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), shareTimeout)
	defer cancel()
	if err := c.ShareMemory(ctx, w.SharedMemory); err != nil {
		return fmt.Errorf("proc: shared memory of %d bytes with the worker: %w", w.SharedMemory, err)
	}
	return nil
}

// workerFrameOptions are the options of a worker's Conn to its master:
// opts, with frame.AcceptShared if the master shares memory, and the
// control frames' handler last.
func workerFrameOptions(opts []frame.Option, control frame.ControlHandler) []frame.Option {
	opts = slices.Clip(opts)
	if os.Getenv(sharedEnv) == "1" {
		opts = append(opts, frame.AcceptShared)
	}
	os.Unsetenv(sharedEnv)
	return append(opts, frame.WithControl(control))
}

// awaitHandler, once a worker with shared memory has exited and its
// Handler's ctx has ended, waits for the Handler to return, at most
// grace, before the Master closes the Conn: Close unmaps the rings, and a
// view of them the Handler still held would fault. With the worker gone,
// the Handler's reads and writes fail at once.
func awaitHandler(w *Worker, handled <-chan struct{}, grace time.Duration) {
	if w.SharedMemory == 0 {
		return
	}
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-handled:
	case <-t.C:
	}
}
