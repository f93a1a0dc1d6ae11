package proc

import (
	"log/slog"
	"slices"
	"sync"
	"time"
)

// refusalLogInterval is how often a kind of refused connection is logged
// at most: the first refusal at once, those that follow within the
// interval as one line at its end, with their count.
const refusalLogInterval = time.Second

// maxRefusalValues bounds the distinct values one refusal line lists.
const maxRefusalValues = 8

// refusalLog counts refused connections of one kind and logs them at most
// once per refusalLogInterval, as msg with "count" (the refusals the line
// stands for) and key (the distinct values seen among them, a few at most),
// so that a flood of connections costs a line a second, not a line each.
type refusalLog struct {
	log   *slog.Logger
	msg   string
	key   string
	attrs []any // fixed attributes of every line

	mu     sync.Mutex
	n      int         // refusals not logged yet
	vals   []any       // distinct values of key among them
	last   time.Time   // when a line was last written
	timer  *time.Timer // writes the pending line at the interval's end
	closed bool
}

func newRefusalLog(log *slog.Logger, msg, key string, attrs ...any) *refusalLog {
	return &refusalLog{log: log, msg: msg, key: key, attrs: attrs}
}

// add counts one refusal, whose key has value v.
func (r *refusalLog) add(v any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.n++
	if len(r.vals) < maxRefusalValues && !slices.Contains(r.vals, v) {
		r.vals = append(r.vals, v)
	}
	if r.timer != nil || r.closed {
		return // the pending line will count it
	}
	if wait := refusalLogInterval - time.Since(r.last); wait > 0 {
		r.timer = time.AfterFunc(wait, r.flush)
		return
	}
	r.writeLocked()
}

// flush writes the pending line, if any.
func (r *refusalLog) flush() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.timer = nil
	r.writeLocked()
}

// close writes the pending line now, and no more lines after it.
func (r *refusalLog) close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.timer != nil {
		r.timer.Stop()
		r.timer = nil
	}
	r.writeLocked()
	r.closed = true
}

// writeLocked logs the refusals counted so far. The caller holds mu.
func (r *refusalLog) writeLocked() {
	if r.n == 0 || r.closed {
		return
	}
	attrs := append(slices.Clip(r.attrs), "count", r.n, r.key, r.vals)
	r.log.Warn(r.msg, attrs...)
	r.n, r.vals, r.last = 0, nil, time.Now()
}
