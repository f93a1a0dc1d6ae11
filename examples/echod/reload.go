package main

import (
	"context"
	"errors"
	"os"
	"syscall"
	"time"

	"github.com/release-daemon/release/proc"
)

// reloadTimeout bounds a reload request: the rolling restart of every
// worker and the first report of each new one.
const reloadTimeout = 60 * time.Second

// reload restarts the workers one at a time (the Master's SIGHUP) and
// returns once none of those running before is left and every slot runs
// a worker that said it is ready: a reload command (systemd's ExecReload=)
// returns when the new workers serve, not before.
func (st *state) reload(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, reloadTimeout)
	defer cancel()
	old := map[int]bool{}
	for _, s := range proc.Slots(ctx) {
		old[s.PID] = s.PID != 0
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		return err
	}
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !replaced(proc.Slots(ctx), old) {
		select {
		case <-ctx.Done():
			return errors.New("echod: the new workers did not all come up in time")
		case <-tick.C:
		}
	}
	return nil
}

// replaced reports whether every slot runs a ready worker not in old.
func replaced(slots []proc.SlotStatus, old map[int]bool) bool {
	for _, s := range slots {
		if s.State != proc.SlotReady || old[s.PID] {
			return false
		}
	}
	return len(slots) > 0
}
