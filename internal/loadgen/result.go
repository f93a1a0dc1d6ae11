package loadgen

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"syscall"
)

// Result is what the clients of a run saw. Refused, Resets, ServerCloses
// and Other count connections (one failure ends a connection); Lost, Wrong
// and OK count replies.
type Result struct {
	Refused      int      // dials refused (ECONNREFUSED)
	Resets       int      // connections reset (ECONNRESET on a read, EPIPE or ECONNRESET on a write)
	ServerCloses int      // connections the server closed: end of stream while a reply was owed, or on an idle persistent connection
	Lost         int      // replies that never came: their deadline passed, or the reply to a later line came first
	Wrong        int      // replies that came but were not the line sent, upper-cased
	Other        int      // failures of no kind above, such as a dial that timed out
	OK           int      // replies that came, right and in order
	Opened       int      // connections opened, persistent and short
	Errors       []string // the texts of the first few failures, for diagnosis
}

// Failures is the sum of every kind of failure: 0 for a run in which no
// client saw anything wrong.
func (r Result) Failures() int {
	return r.Refused + r.Resets + r.ServerCloses + r.Lost + r.Wrong + r.Other
}

// String is the counts on one line, then the failures' texts, one a line.
func (r Result) String() string {
	s := fmt.Sprintf("%d ok, %d opened; refused %d, resets %d, server closes %d, lost %d, wrong %d, other %d",
		r.OK, r.Opened, r.Refused, r.Resets, r.ServerCloses, r.Lost, r.Wrong, r.Other)
	if len(r.Errors) > 0 {
		s += "\n\t" + strings.Join(r.Errors, "\n\t")
	}
	return s
}

// tally is a Result that the clients add to concurrently.
type tally struct {
	mu sync.Mutex
	r  Result
}

func (t *tally) add(f func(r *Result)) {
	t.mu.Lock()
	f(&t.r)
	t.mu.Unlock()
}

func (t *tally) result() Result {
	t.mu.Lock()
	defer t.mu.Unlock()
	r := t.r
	r.Errors = append([]string(nil), r.Errors...)
	return r
}

// note keeps a failure's text, if fewer than keptErrors are kept.
func (r *Result) note(format string, args ...any) {
	if len(r.Errors) < keptErrors {
		r.Errors = append(r.Errors, fmt.Sprintf(format, args...))
	}
}

// fail counts err, the failure that ended a connection, in its bucket;
// owed is how many replies the connection was owed then, all lost if the
// failure is a deadline that passed.
func (t *tally) fail(who string, err error, owed int) {
	t.add(func(r *Result) {
		n, b := 1, bucket(r, err)
		if b == &r.Lost {
			n = max(1, owed)
		}
		*b += n
		r.note("%s: %v", who, err)
	})
}

// bucket is the counter of r that err belongs in.
func bucket(r *Result, err error) *int {
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return &r.Refused
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return &r.Resets
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return &r.ServerCloses
	case errors.Is(err, os.ErrDeadlineExceeded):
		return &r.Lost
	}
	return &r.Other
}
