package testenv

import (
	"sync"
	"sync/atomic"
	"time"
)

// FloodReport is what a flood of connections saw; it travels as JSON
// from a flooding helper process to its test.
type FloodReport struct {
	UID      int           // the flooding process's effective uid, if it says
	Conns    int           // connections attempted
	DialErrs int           // connections that could not be made
	Answered int           // connections answered that should not have been
	Unclosed int           // connections the server did not close in time
	FirstErr string        // the first of the problems above
	Elapsed  time.Duration // how long the flood took
}

// Problems counts what went wrong in the flood.
func (r FloodReport) Problems() int { return r.DialErrs + r.Answered + r.Unclosed }

// Problem is what one connection of a flood reports.
type Problem int

// The problems a connection of a flood may have.
const (
	NoProblem Problem = iota
	DialErr           // it could not connect
	Answered          // it got an answer it should not have
	Unclosed          // the server did not close it in time
)

// Flood runs conn(i) for each i in [0, n), workers at a time, and gathers
// the problems conn reports with the first error.
func Flood(n, workers int, conn func(i int) (Problem, error)) FloodReport {
	rep := FloodReport{Conns: n}
	var mu sync.Mutex
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range workers {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				p, err := conn(i)
				if p == NoProblem {
					continue
				}
				mu.Lock()
				switch p {
				case DialErr:
					rep.DialErrs++
				case Answered:
					rep.Answered++
				case Unclosed:
					rep.Unclosed++
				}
				if rep.FirstErr == "" {
					rep.FirstErr = err.Error()
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	rep.Elapsed = time.Since(start)
	return rep
}
