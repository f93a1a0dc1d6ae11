package proc

import "errors"

// Exit statuses a program gets from [ExitCode], so that a service manager
// (or a person) can tell a failed start from a crash from a clean stop.
const (
	ExitStartFailed  = 69 // EX_UNAVAILABLE: a worker failed its start
	ExitRestartLimit = 70 // EX_SOFTWARE: a worker died more often than its RestartPolicy allows
)

// ExitCode is the exit status for Run's result:
//
//	nil, or a requested stop (SIGTERM)     0
//	a worker failed its start             69  ExitStartFailed
//	a worker hit the restart limit        70  ExitRestartLimit
//	another signal (SIGINT, ...)       128+n  as a shell reports it
//	anything else                          1
//
// A systemd unit with Restart=on-failure restarts the service on any of
// them but 0; RestartPreventExitStatus=69 keeps it from retrying a start
// that cannot succeed without a fix.
func ExitCode(err error) int {
	var sig *SignalError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &sig):
		if sig.Requested() {
			return 0
		}
		return sig.ExitCode()
	case errors.Is(err, ErrStartFailed):
		return ExitStartFailed
	case errors.Is(err, ErrRestartLimit):
		return ExitRestartLimit
	}
	return 1
}
