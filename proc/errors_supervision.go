package proc

import (
	"errors"
	"fmt"
)

var (
	// ErrStartFailed means a worker started but did not get ready: it
	// said why (Fail, or main returning an error), it exited first, or
	// StartTimeout passed. The error is a [*StartError].
	ErrStartFailed = errors.New("proc: worker failed to start")

	// ErrUnhealthy means a worker's heartbeat went unanswered, or its
	// probe answered that it cannot work.
	ErrUnhealthy = errors.New("proc: worker unhealthy")

	// ErrHung means a worker left more heartbeats in a row unanswered, or
	// answered unhealthy, than its Worker allows: the Master stops it.
	ErrHung = errors.New("proc: worker hung")
)

// StartError is a worker that started and failed its start. During the
// Master's own start, Run returns it: the Master is not ready until every
// worker is, and [ExitCode] maps it to [ExitStartFailed].
type StartError struct {
	Worker string // the Worker's name
	Slot   int    // which of its Count
	PID    int    // the process that failed
	Reason string // in the worker's words when it said why, else what the Master saw
}

// Error names the worker and gives the reason.
func (e *StartError) Error() string {
	return fmt.Sprintf("proc: worker %q (slot %d, pid %d) failed to start: %s", e.Worker, e.Slot, e.PID, e.Reason)
}

// Unwrap makes errors.Is(err, ErrStartFailed) true.
func (e *StartError) Unwrap() error { return ErrStartFailed }
