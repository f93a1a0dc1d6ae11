package zbuf

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"
)

// readDeadliner is what a connection needs for a context to interrupt a
// read: *os.File and every net.Conn have it.
type readDeadliner interface {
	SetReadDeadline(time.Time) error
}

// aLongTimeAgo is a deadline in the past: it wakes a parked read at once.
var aLongTimeAgo = time.Unix(1, 0)

// watchRead makes the end of ctx interrupt a read on fd the way package
// net does: by setting a read deadline in the past. Call the returned
// stop when the read is over: it reports whether ctx ended during it,
// and if so clears the deadline again, so that fd stays usable. A fd
// without deadlines (or a ctx that never ends) is not watched.
func watchRead(ctx context.Context, fd any) (stop func() (fired bool)) {
	d, ok := fd.(readDeadliner)
	if !ok || ctx.Done() == nil {
		return func() bool { return false }
	}
	done := make(chan struct{})
	cancel := context.AfterFunc(ctx, func() {
		_ = d.SetReadDeadline(aLongTimeAgo) // a fd that cannot be polled cannot be interrupted
		close(done)
	})
	return func() bool {
		if cancel() {
			return false
		}
		<-done
		_ = d.SetReadDeadline(time.Time{})
		return true
	}
}

// ctxError is the error for a read that ctx ended: ctx.Err(), and for a
// deadline also os.ErrDeadlineExceeded, the error of a connection's own
// read deadline, so that errors.Is matches either.
func ctxError(ctx context.Context) error {
	err := ctx.Err()
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%w (%w)", err, os.ErrDeadlineExceeded)
	}
	return err
}
