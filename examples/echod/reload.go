package main

import (
	"context"
	"time"

	"github.com/release-daemon/release/proc"
)

// reloadTimeout bounds a reload request: the rolling restart of every
// worker and the drain of the old ones.
const reloadTimeout = 60 * time.Second

// reload replaces the workers one at a time (the Master's SIGHUP): each
// old worker hands its connections to the new ones and exits. It returns
// once every slot runs a new worker that said it is ready and the old
// ones are gone: a reload command (systemd's ExecReload=) returns when
// the new workers serve, not before.
func (st *state) reload(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, reloadTimeout)
	defer cancel()
	return proc.Reload(ctx)
}
