//go:build !race

// Built without -race: the long property tests run at full size.

package zbuf

const raceEnabled = false
