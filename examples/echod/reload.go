package main

import (
	"context"
	"errors"
	"os"
	"syscall"
	"time"
)

// reloadTimeout bounds a reload request: the rolling restart of every
// worker and the first report of each new one.
const reloadTimeout = 60 * time.Second

// reload restarts the workers one at a time (the Master's SIGHUP) and
// returns once none of those running before is left and as many new ones
// as configured have reported, that is serve: a reload command (systemd's
// ExecReload=) returns when the new workers answer, not before.
func (st *state) reload(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, reloadTimeout)
	defer cancel()
	st.mu.Lock()
	old := make(map[int]bool, len(st.since))
	for pid := range st.since {
		old[pid] = true
	}
	st.mu.Unlock()
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		return err
	}
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !st.replaced(old) {
		select {
		case <-ctx.Done():
			return errors.New("echod: the new workers did not all come up in time")
		case <-tick.C:
		}
	}
	return nil
}

// replaced reports whether none of old runs and the configured number of
// workers have reported.
func (st *state) replaced(old map[int]bool) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	serving := 0
	for pid := range st.since {
		if old[pid] {
			return false
		}
		if st.heard[pid] {
			serving++
		}
	}
	return serving >= st.want
}
