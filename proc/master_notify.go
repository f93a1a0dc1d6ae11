package proc

import (
	"time"

	"github.com/release-daemon/release/proc/sdnotify"
)

// What a Master tells systemd when NOTIFY_SOCKET is set, beside READY=1
// and the reload's lines: STATUS= with how many workers are ready, or why
// a worker failed its start; EXTEND_TIMEOUT_USEC= so that a long start or
// stop does not hit the unit's timeout while it makes progress; and, with
// WATCHDOG_USEC, WATCHDOG=1 while the critical workers are healthy.

// announceStart asks systemd for time enough for every worker to get
// ready, and says none is yet.
func (r *run) announceStart() {
	if sdnotify.Socket() == "" {
		return
	}
	var longest time.Duration
	for _, w := range r.cfg.Workers {
		longest = max(longest, w.StartTimeout)
	}
	sdnotify.Notify(sdnotify.ExtendTimeout(longest+r.cfg.StopGrace+5*time.Second) + "\n" + sdnotify.Status(r.summary()))
}

// announceStop says the Master is stopping, with time enough for the
// workers' grace.
func (r *run) announceStop() {
	if !r.cfg.HandleSignals || sdnotify.Socket() == "" {
		return
	}
	sdnotify.Notify("STOPPING=1\n" + sdnotify.ExtendTimeout(r.cfg.StopGrace+5*time.Second) + "\n" + sdnotify.Status("stopping"))
}

// tellStartFailure puts a worker's failed start in systemd's STATUS=.
func (r *run) tellStartFailure(err error) {
	if sdnotify.Socket() != "" {
		sdnotify.Notify(sdnotify.Status(err.Error()))
	}
}

// watchdog sends WATCHDOG=1 every second (every quarter of the interval
// systemd asks for, if that is shorter) while every critical worker is
// ready and healthy, until the Run ends: a hung master sends nothing, and
// neither does one whose critical workers are not well, so systemd's
// watchdog means that the whole service works. Not at half the interval,
// as for a program that only says it is alive: after a spell of ill
// health that skipped one, the next would come as the interval ran out.
// This way, a spell shorter than the interval less two ticks (a hung
// worker the Master replaces) never lets it run out.
func (r *run) watchdog() {
	every, ok := sdnotify.Watchdog()
	if !ok {
		return
	}
	t := time.NewTicker(min(every/4, time.Second))
	defer t.Stop()
	for {
		select {
		case <-r.ctx.Done():
			return
		case <-t.C:
		}
		if r.criticalHealthy() {
			sdnotify.Notify("WATCHDOG=1")
		}
	}
}

// criticalHealthy reports whether every critical worker's slot is ready
// and healthy, or a rolling restart runs.
func (r *run) criticalHealthy() bool {
	if r.reloading.Load() {
		// A rolling restart replaces the workers on purpose, one at a
		// time, each within its grace and start timeout: it is progress.
		return true
	}
	for _, s := range r.table {
		if !s.w.Critical {
			continue
		}
		if st := s.status(); st.State != SlotReady || !st.Healthy {
			return false
		}
	}
	return true
}
