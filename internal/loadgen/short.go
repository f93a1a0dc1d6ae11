package loadgen

import (
	"bufio"
	"context"
	"fmt"
	"strings"
	"sync"
	"time"
)

// shorts starts a short connection every 1/Rate of a second until ctx
// ends; wg tracks them.
func (g *gen) shorts(ctx context.Context, wg *sync.WaitGroup) {
	tick := time.NewTicker(time.Second / time.Duration(g.cfg.Rate))
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			n := g.short.Add(1)
			wg.Go(func() { g.oneShort(n) })
		}
	}
}

// oneShort dials, sends one line, checks its reply and closes. It is not
// cut short by the run's end: its deadline bounds it.
func (g *gen) oneShort(n int64) {
	who := fmt.Sprintf("n%d", n)
	conn := g.dial(context.Background(), who)
	if conn == nil {
		return
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(g.cfg.Timeout))
	line := who + "\n"
	if _, err := conn.Write([]byte(line)); err != nil {
		g.t.fail(who+": write", err, 1)
		return
	}
	got, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		g.t.fail(who+": read", err, 1)
		return
	}
	g.check(who, got, strings.ToUpper(line))
}

// check counts a reply right or wrong.
func (g *gen) check(who, got, want string) {
	g.t.add(func(r *Result) {
		if got == want {
			r.OK++
			return
		}
		r.Wrong++
		r.note("%s: reply %q, want %q", who, got, want)
	})
}
