//go:build race

// Built with -race, whose instrumentation makes the long property tests
// several times slower: they scale their iteration counts down.

package zbuf

const raceEnabled = true
