package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/release-daemon/release/internal/ctlwire"
)

// upgradeWait is the least an upgrade is given: the check of the new
// executable, the start of the new workers, the drain of the old.
const upgradeWait = 2 * time.Minute

// upgrade asks for an upgrade, then asks for its outcome until it is
// known; the master re-executes meanwhile, so a connection that breaks or
// cannot be made is tried again. It prints the outcome and returns the
// exit code: 0 when the new master and workers serve.
func upgrade(ctx context.Context, socket string, w io.Writer, asJSON bool) int {
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < upgradeWait {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.Background(), upgradeWait)
		defer cancel()
	}
	resp, err := call(ctx, socket, ctlwire.Request{Cmd: "upgrade"})
	if err == nil && !resp.OK {
		err = errors.New(resp.Error)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "releasectl: upgrade:", err)
		return 1
	}
	var started ctlwire.Upgrade
	json.Unmarshal(resp.Data, &started)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var last error
	for {
		select {
		case <-ctx.Done():
			fmt.Fprintf(os.Stderr, "releasectl: upgrade %d: no outcome in time (last: %v)\n", started.ID, last)
			return 1
		case <-tick.C:
		}
		resp, err := call(ctx, socket, ctlwire.Request{Cmd: "upgrade-status"})
		if err != nil || !resp.OK {
			last = errors.Join(err, errors.New(resp.Error))
			continue // the master is re-executing: its socket answers again soon
		}
		var u ctlwire.Upgrade
		json.Unmarshal(resp.Data, &u)
		if u.ID != started.ID || (u.State != "ok" && u.State != "failed") {
			continue
		}
		if asJSON {
			json.NewEncoder(w).Encode(u)
		}
		if u.State == "failed" {
			if !asJSON {
				fmt.Fprintf(os.Stderr, "releasectl: upgrade %d failed: %s\n", u.ID, u.Error)
			}
			return 1
		}
		if u.PID != started.PID {
			fmt.Fprintf(os.Stderr, "releasectl: upgrade %d: the master's PID changed from %d to %d\n", u.ID, started.PID, u.PID)
			return 1
		}
		if !asJSON {
			fmt.Fprintf(w, "upgraded: generation %d, master %d, took %s\n", u.Generation, u.PID, u.Took)
		}
		return 0
	}
}
