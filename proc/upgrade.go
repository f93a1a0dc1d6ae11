package proc

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/release-daemon/release/proc/sdnotify"
)

// UpgradeStatus is where the latest upgrade of a Master is: see Upgrade.
type UpgradeStatus struct {
	ID         uint64        // the latest upgrade asked for; 0 if none
	Generation int           // of the workers serving: 0 at the first start, one more per upgrade
	State      string        // "" (none yet), "checking", "replacing", "ok" or "failed"
	Err        string        // why it failed
	Took       time.Duration // from the request to its outcome
}

// upgrades is a Run's record of its upgrades, carried across the exec.
type upgrades struct {
	mu     sync.Mutex
	status UpgradeStatus
	asked  time.Time
}

func (u *upgrades) set(f func(*UpgradeStatus)) {
	u.mu.Lock()
	f(&u.status)
	if u.status.State == "ok" || u.status.State == "failed" {
		u.status.Took = time.Since(u.asked).Round(time.Millisecond)
	}
	u.mu.Unlock()
}

func (u *upgrades) get() UpgradeStatus {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.status
}

// Upgrades returns the status of the latest upgrade of the Master whose
// Run made ctx (a control request's, Main's, a Handler's); the zero
// UpgradeStatus for any other context.
func Upgrades(ctx context.Context) UpgradeStatus {
	r, _ := ctx.Value(runKey{}).(*run)
	if r == nil {
		return UpgradeStatus{}
	}
	return r.upgrades.get()
}

// Upgrade replaces the Master whose Run made ctx, and all its workers,
// with the program's executable as it is on disk now, without closing a
// listener or a client connection, and keeps the master's PID. It
// returns the upgrade's ID once the new executable has passed its check
// (see the package doc), or an error when it did not, and the master goes
// on as before. The outcome comes later, from the new image: Upgrades
// reports it (the same ID, "ok" or "failed" and why), since the process
// that asked is replaced. SIGUSR2 asks for one too, with HandleSignals.
//
// Upgrades, and reloads, run one at a time: one asked for while another
// runs waits for it, including the drain of the old workers, so at most
// two generations of workers live at once.
func Upgrade(ctx context.Context) (uint64, error) {
	r, _ := ctx.Value(runKey{}).(*run)
	if r == nil {
		return 0, ErrNoRun
	}
	return r.upgrade(ctx)
}

// upgrade checks the new executable and, when it passes, re-executes the
// master with it in the background, once the control requests in flight
// have their answers.
func (r *run) upgrade(ctx context.Context) (uint64, error) {
	if r.cfg.Background {
		return 0, fmt.Errorf("%w: a Background master cannot be upgraded in place yet; run it in the foreground (systemd Type=notify)", ErrUpgrade)
	}
	if err := lockCtx(ctx, &r.replacing); err != nil {
		return 0, err
	}
	handed := false
	defer func() {
		if !handed {
			r.replacing.Unlock()
		}
	}()
	r.upgrades.mu.Lock()
	r.upgrades.status.ID++
	id := r.upgrades.status.ID
	r.upgrades.asked = time.Now()
	r.upgrades.status.State, r.upgrades.status.Err = "checking", ""
	r.upgrades.mu.Unlock()
	r.log.Info("upgrade asked for: checking the new executable", "id", id, "exe", r.exe)
	fail := func(err error) (uint64, error) {
		r.upgrades.set(func(s *UpgradeStatus) { s.State, s.Err = "failed", err.Error() })
		r.log.Error("upgrade failed: the master goes on as before", "id", id, "err", err)
		return id, err
	}
	exe, err := os.Open(r.exe)
	if err != nil {
		return fail(fmt.Errorf("%w: %w", ErrUpgrade, err))
	}
	if err := rehearse(ctx, exe, r.cfg.UpgradeCheck); err != nil {
		exe.Close()
		return fail(err)
	}
	handed = true
	r.upgrades.set(func(s *UpgradeStatus) { s.State = "replacing" })
	go func() {
		err := r.execNext(exe, upgradePlan{id: id, phase: "replace", asked: r.upgrades.asked})
		// Only a failed exec comes back: the workers' connections are
		// given up by now, and the master cannot go on with them.
		exe.Close()
		r.upgrades.set(func(s *UpgradeStatus) { s.State, s.Err = "failed", err.Error() })
		r.replacing.Unlock()
		r.finish(err)
	}()
	return id, nil
}

// upgradePlan is what the next image is to do.
type upgradePlan struct {
	id    uint64
	phase string // "replace" or "rollback"
	err   string // a rollback's reason
	asked time.Time
}

// lockCtx takes mu, or gives up when ctx ends.
func lockCtx(ctx context.Context, mu *sync.Mutex) error {
	for !mu.TryLock() {
		t := time.NewTimer(5 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}

// replaceGeneration, in the new image, starts a worker of the new
// executable in every slot beside the adopted one, and once all are
// ready, drains the old ones; if the new generation is not ready in time,
// it stops it and goes back to the old image, whose workers served
// throughout.
func (r *run) replaceGeneration(plan upgradePlan, oldExe *os.File) {
	g := &genReplace{failed: make(chan string, 1), done: make(chan struct{})}
	r.gen.Store(g)
	defer close(g.done)
	r.reloading.Store(true) // the watchdog is fed while the generations change over
	defer r.reloading.Store(false)
	var old []*tenure
	var deadline time.Duration
	for _, s := range r.table {
		deadline = max(deadline, s.w.StartTimeout+time.Second)
		if t := s.retire(); t != nil {
			old = append(old, t)
		}
	}
	ok, why := true, ""
	end := time.Now().Add(deadline)
	for _, t := range old {
		if why = r.waitNewWorker(g, t.slot, t.pid, end); why != "" {
			ok = false
			break
		}
	}
	if ok {
		for _, t := range old {
			r.stopWhenReplaced(t.slot, t, StopUpgrade)
		}
		oldExe.Close()
		r.generation.Add(1)
		r.upgrades.set(func(s *UpgradeStatus) { s.State, s.Err, s.Generation = "ok", "", int(r.generation.Load()) })
		r.log.Info("upgrade done: the new generation serves", "id", plan.id, "generation", r.generation.Load())
		sdnotify.Notify("READY=1\n" + sdnotify.Status(r.summary()))
		r.waitGone(old, r.cfg.DrainTimeout+r.cfg.StopGrace+time.Second)
		r.replacing.Unlock()
		return
	}
	if r.ctx.Err() != nil { // the master is stopping: nothing to go back to
		oldExe.Close()
		return
	}
	r.log.Error("upgrade failed: going back to the old executable", "id", plan.id, "err", why)
	err := r.execNext(oldExe, upgradePlan{id: plan.id, phase: "rollback", err: why, asked: plan.asked})
	r.finish(fmt.Errorf("%w: rollback: %w", ErrUpgrade, err))
}

// genReplace is an upgrade's replacement of the generation in progress:
// a new worker that fails its start says so here, rather than being
// restarted, and waits for the outcome.
type genReplace struct {
	failed chan string
	done   chan struct{}
}

func (g *genReplace) fail(why string) {
	select {
	case g.failed <- why:
	default:
	}
}

func (g *genReplace) over() bool { return closed(g.done) }

// wait waits for the replacement's end; false if the Run ends first.
func (g *genReplace) wait(ctx context.Context) bool {
	select {
	case <-g.done:
		return true
	case <-ctx.Done():
		return false
	}
}

// waitNewWorker waits until s runs a ready worker other than old, until
// end; it returns "" when it does, or why not. g, if set, is the upgrade
// whose new workers say there when they fail.
func (r *run) waitNewWorker(g *genReplace, s *slot, old int, end time.Time) string {
	var failed chan string
	if g != nil {
		failed = g.failed
	}
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	for !replacedBy(s, old) {
		if time.Now().After(end) {
			return fmt.Sprintf("worker %q slot %d: no new worker ready in time", s.w.Name, s.n)
		}
		select {
		case why := <-failed:
			return why
		case <-r.ctx.Done():
			return "the master is stopping"
		case <-t.C:
		}
	}
	return ""
}
