package loadgen

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"
)

// persistent keeps connection id open until ctx ends, opening it again
// after an interval whenever it fails; dialCtx ends with ctx, without its
// deadline.
func (g *gen) persistent(ctx, dialCtx context.Context, id int) {
	who := fmt.Sprintf("c%d", id)
	seq := 0
	for ctx.Err() == nil {
		if conn := g.dial(dialCtx, who); conn != nil {
			p := &pconn{g: g, who: who, conn: conn, failed: make(chan struct{})}
			seq = p.run(ctx, seq)
		}
		pause(ctx, g.cfg.Interval)
	}
}

// pconn is one persistent connection: a writer sends a line every
// interval, a reader checks the replies against the lines owed.
type pconn struct {
	g      *gen
	who    string
	conn   net.Conn
	failed chan struct{} // closed when a failure ends the connection

	mu      sync.Mutex
	owed    []owed // lines sent whose replies have not come, oldest first
	closing bool   // the run is over: no more lines are sent
	done    bool   // the connection has ended: errors after are not counted
}

// owed is a line sent, as its reply should read.
type owed struct {
	want string
	sent time.Time
}

// run sends lines numbered from seq until ctx ends or the connection
// fails, and returns the next number once the reader is done too.
func (p *pconn) run(ctx context.Context, seq int) int {
	var wg sync.WaitGroup
	wg.Go(p.read)
	seq = p.write(ctx, seq)
	wg.Wait()
	p.conn.Close()
	return seq
}

func (p *pconn) write(ctx context.Context, seq int) int {
	tick := time.NewTicker(p.g.cfg.Interval)
	defer tick.Stop()
	for ; ; seq++ {
		if !p.send(fmt.Sprintf("%s %d\n", p.who, seq)) {
			return seq + 1
		}
		select {
		case <-ctx.Done():
			p.finish()
			return seq + 1
		case <-p.failed:
			return seq + 1
		case <-tick.C:
		}
	}
}

// send writes a line, owing its reply; false if the connection has ended.
func (p *pconn) send(line string) bool {
	now := time.Now()
	p.mu.Lock()
	if p.done {
		p.mu.Unlock()
		return false
	}
	p.owed = append(p.owed, owed{strings.ToUpper(line), now})
	if len(p.owed) == 1 {
		p.conn.SetReadDeadline(now.Add(p.g.cfg.Timeout))
	}
	p.mu.Unlock()
	p.conn.SetWriteDeadline(now.Add(p.g.cfg.Timeout))
	if _, err := p.conn.Write([]byte(line)); err != nil {
		p.fail("write", err)
		return false
	}
	return true
}

// finish stops the connection at the run's end: it closes it now if no
// reply is owed, else the reader does when the last one comes.
func (p *pconn) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closing = true
	p.endIfSettled()
}

func (p *pconn) endIfSettled() {
	if p.closing && len(p.owed) == 0 && !p.done {
		p.done = true
		p.conn.Close()
	}
}

func (p *pconn) read() {
	r := bufio.NewReader(p.conn)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			p.fail("read", err)
			return
		}
		if !p.match(line) {
			return
		}
	}
}

// match checks a reply against the lines owed: the oldest, or a later one,
// which means the replies to the ones before it are lost, or none, which
// is a wrong reply to the oldest. It returns false once the connection has
// ended.
func (p *pconn) match(got string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	i := 0
	for i < len(p.owed) && p.owed[i].want != got {
		i++
	}
	p.g.t.add(func(r *Result) { p.count(r, got, i) })
	p.owed = p.owed[min(i+1, len(p.owed)):]
	if len(p.owed) > 0 {
		p.conn.SetReadDeadline(p.owed[0].sent.Add(p.g.cfg.Timeout))
	} else {
		p.conn.SetReadDeadline(time.Time{})
	}
	p.endIfSettled()
	return !p.done
}

// count adds a reply that matched the line owed at i to r (i is past the
// end when none matched).
func (p *pconn) count(r *Result, got string, i int) {
	switch {
	case i == len(p.owed):
		r.Wrong++
		want := "nothing"
		if i > 0 {
			want = fmt.Sprintf("%q", p.owed[0].want)
		}
		r.note("%s: reply %q, want %s", p.who, got, want)
	case i > 0:
		r.Lost += i
		r.OK++
		r.note("%s: reply %q came before those to %d earlier lines", p.who, got, i)
	default:
		r.OK++
	}
}

// fail ends the connection for err, counting it unless the connection had
// already ended.
func (p *pconn) fail(op string, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done {
		return
	}
	p.done = true
	p.g.t.fail(p.who+": "+op, err, len(p.owed))
	p.owed = nil
	close(p.failed)
	p.conn.Close()
}
