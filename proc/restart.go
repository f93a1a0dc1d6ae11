package proc

import (
	"math"
	"math/rand/v2"
	"strconv"
	"time"
)

// LimitAction is what a Master does when a Worker dies too often.
type LimitAction int

const (
	// StopMaster stops the Master with ErrRestartLimit, the original's
	// behaviour and Erlang/OTP's escalation: the program should exit
	// (ExitCode gives ExitRestartLimit, 70) and its service manager
	// restart the whole service.
	StopMaster LimitAction = iota
	// FailWorker stops restarting that Worker's slot, which stays failed,
	// and keeps the others.
	FailWorker
)

// Strategy says which workers restart when one dies on its own, as
// Erlang/OTP's supervisors do. Workers stopped for the sake of another's
// restart do not count as deaths, and start again once the worker that
// died is ready again.
type Strategy int

const (
	OneForOne  Strategy = iota // only the worker that died (the default)
	OneForAll                  // every worker of its Group stops and starts again with it
	RestForOne                 // it, and the workers of its Group after it in Master.Workers order
)

// String returns the strategy's name: "one_for_one", and so on.
func (s Strategy) String() string {
	names := [...]string{"one_for_one", "one_for_all", "rest_for_one"}
	if s < 0 || int(s) >= len(names) {
		return "Strategy(" + strconv.Itoa(int(s)) + ")"
	}
	return names[s]
}

// RestartMode says when a Worker's workers start again after they exit.
type RestartMode int

const (
	Permanent RestartMode = iota // always (the default)
	Transient                    // unless it exited 0: a clean exit means its work is done
	Temporary                    // never: it runs once
)

// RestartPolicy decides when dead workers start again. The zero value is
// the original's: restart at once, one worker at a time, and give up when
// one Worker dies more than 10 times in 1 s, stopping the Master.
type RestartPolicy struct {
	Burst    int           // deaths allowed within Interval; 0 means 10
	Interval time.Duration // 0 means 1 s; measured on the monotonic clock
	OnLimit  LimitAction   // at the limit: StopMaster (the default) or FailWorker
	Strategy Strategy      // which workers restart with one that died: OneForOne (the default)
	// Backoff, if set, is the delay before the first restart. Each death
	// adds one to the slot's failure count, which halves for every Decay
	// the worker then lived; the delay before the next start is Backoff
	// × 2^(count-1), give or take Jitter, at most MaxBackoff. A worker
	// that lived HealthyAfter resets the count. Without Backoff, workers
	// restart at once.
	Backoff time.Duration
	// MaxBackoff caps the delay; 0 means 5 minutes, as Kubernetes caps
	// CrashLoopBackOff.
	MaxBackoff time.Duration
	// HealthyAfter is how long a worker must live for its slot's failure
	// count to start again from zero; 0 means 10 minutes.
	HealthyAfter time.Duration
	// Decay is the half-life of the failure count while a worker lives;
	// 0 means 30 s.
	Decay time.Duration
	// Jitter spreads each delay over ±Jitter of it, at random, so that
	// workers that died together do not start together; 0 means 0.1,
	// negative means none.
	Jitter float64
	// DoNotRestart is an exit code that means "do not restart me" (as
	// nginx's 2); 0 means none.
	DoNotRestart int
}

// Defaults of a RestartPolicy.
const (
	DefaultMaxBackoff   = 5 * time.Minute
	DefaultHealthyAfter = 10 * time.Minute
	DefaultDecay        = 30 * time.Second
	DefaultJitter       = 0.1
)

func (p RestartPolicy) withDefaults() RestartPolicy {
	if p.Burst <= 0 {
		p.Burst = 10
	}
	if p.Interval <= 0 {
		p.Interval = time.Second
	}
	if p.MaxBackoff <= 0 {
		p.MaxBackoff = DefaultMaxBackoff
	}
	p.MaxBackoff = max(p.MaxBackoff, p.Backoff)
	if p.HealthyAfter <= 0 {
		p.HealthyAfter = DefaultHealthyAfter
	}
	if p.Decay <= 0 {
		p.Decay = DefaultDecay
	}
	switch {
	case p.Jitter == 0:
		p.Jitter = DefaultJitter
	case p.Jitter < 0:
		p.Jitter = 0
	}
	p.Jitter = min(p.Jitter, 1)
	return p
}

// backoff is one slot's failure count and the delays it gives.
type backoff struct {
	pol   RestartPolicy
	count float64
	rand  func() float64 // in [0, 1)
}

func newBackoff(pol RestartPolicy) *backoff { return &backoff{pol: pol, rand: rand.Float64} }

// died records a death of a worker that lived for lived, and returns the
// delay before the next start.
func (b *backoff) died(lived time.Duration) time.Duration {
	if b.pol.Backoff <= 0 {
		return 0
	}
	if lived >= b.pol.HealthyAfter {
		b.count = 0
	} else {
		b.count *= math.Exp2(-float64(lived) / float64(b.pol.Decay))
	}
	b.count++
	d := float64(b.pol.Backoff) * math.Exp2(math.Max(math.Round(b.count)-1, 0))
	d *= 1 + b.pol.Jitter*(2*b.rand()-1)
	return time.Duration(math.Min(d, float64(b.pol.MaxBackoff)))
}
