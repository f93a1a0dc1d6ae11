package frame

import (
	"runtime"

	"golang.org/x/sys/unix"
)

// maxSpinBackoff is the most waits a Conn parks at once, without
// spinning, after a wait that spun its whole budget in vain.
const maxSpinBackoff = 256

// spinner decides, wait by wait, whether a read that finds no data spins
// (see SpinReads). It spins only when the process leaves a CPU for the
// peer, and only while spinning pays: a wait that spins its whole budget
// and still parks makes the next one, two, four... up to maxSpinBackoff
// waits park at once, and a wait whose data came while spinning clears
// that. Guarded by the Conn's rmu.
type spinner struct {
	on      bool // SpinReads > 0, and the process leaves a CPU for the peer
	skip    int  // waits left to park at once
	backoff int  // waits to park at once after the next miss
}

// cpusForPeer reports whether spinning can leave the peer a CPU: both
// GOMAXPROCS and the CPU set this thread may run on hold two CPUs or
// more. A variable, for tests.
var cpusForPeer = func() bool {
	if runtime.GOMAXPROCS(0) < 2 {
		return false
	}
	var set unix.CPUSet
	return unix.SchedGetaffinity(0, &set) == nil && set.Count() >= 2
}

func newSpinner(spins int) spinner {
	return spinner{on: spins > 0 && cpusForPeer()}
}

// budget returns how many times this wait may retry before it parks.
func (s *spinner) budget(spins int) int {
	switch {
	case !s.on:
		return 0
	case s.skip > 0:
		s.skip--
		return 0
	}
	return spins
}

// hit records a wait whose data came while spinning.
func (s *spinner) hit() { s.backoff = 0 }

// miss records a wait that spun its whole budget and parks.
func (s *spinner) miss() {
	s.backoff = min(max(2*s.backoff, 1), maxSpinBackoff)
	s.skip = s.backoff
}
