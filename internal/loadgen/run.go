package loadgen

import (
	"context"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Run loads cfg.Addr until ctx ends, then waits for the replies still owed
// (each up to cfg.Timeout after its line), closes every connection and
// returns what the clients saw. Its error is only for a Config it cannot
// run ([ErrNoAddr], [ErrNoLoad]): failures of the server are counted in
// the Result, never returned. Every goroutine and connection it started
// has ended when it returns.
func Run(ctx context.Context, cfg Config) (Result, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return Result{}, err
	}
	g := &gen{cfg: cfg, dialer: net.Dialer{Timeout: cfg.Timeout}}
	// Dials end with the run, but not at its deadline: one cut short by
	// it would fail as a timeout just before ctx says it is done.
	dialCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	context.AfterFunc(ctx, cancel)
	var wg sync.WaitGroup
	for id := range max(cfg.Conns, 0) {
		wg.Go(func() { g.persistent(ctx, dialCtx, id) })
	}
	if cfg.Rate > 0 {
		g.shorts(ctx, &wg)
	}
	wg.Wait()
	return g.t.result(), nil
}

// gen is a run: its settings and its tally.
type gen struct {
	cfg    Config
	dialer net.Dialer
	t      tally
	short  atomic.Int64 // short connections started, which numbers their lines
}

// dial opens a connection and counts it, or counts why it could not; it
// returns nil then, and uncounted for a dial that ctx cut short.
func (g *gen) dial(ctx context.Context, who string) net.Conn {
	conn, err := g.dialer.DialContext(ctx, "tcp", g.cfg.Addr)
	switch {
	case err == nil:
		g.t.add(func(r *Result) { r.Opened++ })
	case ctx.Err() == nil:
		g.t.fail(who+": dial", err, 0)
	}
	return conn
}

// pause waits d, or less if ctx ends.
func pause(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
