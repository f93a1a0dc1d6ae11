//go:build !race

// Built without -race: the race detector's instrumentation allocates.

package u128_test

import (
	"testing"

	"github.com/release-daemon/release/u128"
)

func TestZeroAllocs(t *testing.T) {
	x, y := u128.Max.Rsh(3), u128.New(12345, 678)
	dst := make([]byte, 0, 64)
	var sink u128.Uint128
	for name, f := range map[string]func(){
		"Add":      func() { sink = x.Add(y) },
		"Mul":      func() { sink, _ = x.MulOverflow(y) },
		"QuoRem":   func() { sink, _ = x.QuoRem(y) },
		"QuoRem64": func() { sink, _ = x.QuoRem64(1e19) },
		"Append":   func() { dst = x.Append(dst[:0], 10) },
		"AppendX":  func() { dst = x.Append(dst[:0], 16) },
		"Parse":    func() { sink, _ = u128.Parse("340282366920938463463374607431768211455", 10) },
		"Parse0":   func() { sink, _ = u128.Parse("0xffff_ffff", 0) },
	} {
		if n := testing.AllocsPerRun(100, f); n != 0 {
			t.Errorf("%s allocates %v times, want 0", name, n)
		}
	}
	if n := testing.AllocsPerRun(100, func() { _ = x.String() }); n != 1 {
		t.Errorf("String allocates %v times, want 1 (the string)", n)
	}
	_ = sink
}
