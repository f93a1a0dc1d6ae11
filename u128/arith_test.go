package u128_test

import (
	"math/big"
	"testing"

	"github.com/release-daemon/release/u128"
)

func TestArithmeticAgainstBig(t *testing.T) {
	vs := testValues(150)
	for _, x := range vs {
		for _, y := range vs {
			checkPair(t, x, y)
		}
	}
}

func checkPair(t *testing.T, x, y u128.Uint128) {
	t.Helper()
	bx, by := x.Big(), y.Big()
	check := func(op string, got u128.Uint128, want *big.Int) {
		t.Helper()
		if got.Big().Cmp(want) != 0 {
			t.Fatalf("%v %s %v = %v, want %v", x, op, y, got, want)
		}
	}
	check("+", x.Add(y), wrap(new(big.Int).Add(bx, by)))
	check("-", x.Sub(y), wrap(new(big.Int).Sub(bx, by)))
	check("*", x.Mul(y), wrap(new(big.Int).Mul(bx, by)))
	check("&", x.And(y), new(big.Int).And(bx, by))
	check("|", x.Or(y), new(big.Int).Or(bx, by))
	check("^", x.Xor(y), new(big.Int).Xor(bx, by))
	checkOverflow(t, x, y)
	if got, want := x.Cmp(y), bx.Cmp(by); got != want {
		t.Fatalf("%v.Cmp(%v) = %d, want %d", x, y, got, want)
	}
	if got, want := x.Equals(y), bx.Cmp(by) == 0; got != want {
		t.Fatalf("%v.Equals(%v) = %v, want %v", x, y, got, want)
	}
	if !y.IsZero() {
		q, r := x.QuoRem(y)
		wq, wr := new(big.Int).QuoRem(bx, by, new(big.Int))
		check("/", q, wq)
		check("%", r, wr)
		check("Quo", x.Quo(y), wq)
		check("Rem", x.Rem(y), wr)
	}
	if y.Hi == 0 {
		check("+64", x.Add64(y.Lo), wrap(new(big.Int).Add(bx, by)))
		check("-64", x.Sub64(y.Lo), wrap(new(big.Int).Sub(bx, by)))
		check("*64", x.Mul64(y.Lo), wrap(new(big.Int).Mul(bx, by)))
	}
	if y.Hi == 0 && y.Lo != 0 {
		q, r := x.QuoRem64(y.Lo)
		wq, wr := new(big.Int).QuoRem(bx, by, new(big.Int))
		if q.Big().Cmp(wq) != 0 || r != wr.Uint64() {
			t.Fatalf("%v.QuoRem64(%d) = %v, %d, want %v, %v", x, y.Lo, q, r, wq, wr)
		}
	}
}

func checkOverflow(t *testing.T, x, y u128.Uint128) {
	t.Helper()
	bx, by := x.Big(), y.Big()
	for _, c := range []struct {
		op   string
		f    func(u128.Uint128) (u128.Uint128, bool)
		want *big.Int
	}{
		{"AddOverflow", x.AddOverflow, new(big.Int).Add(bx, by)},
		{"SubOverflow", x.SubOverflow, new(big.Int).Sub(bx, by)},
		{"MulOverflow", x.MulOverflow, new(big.Int).Mul(bx, by)},
	} {
		got, over := c.f(y)
		wantOver := c.want.Sign() < 0 || c.want.Cmp(two128) >= 0
		if got.Big().Cmp(wrap(c.want)) != 0 || over != wantOver {
			t.Fatalf("%v.%s(%v) = %v, %v; want %v, %v", x, c.op, y, got, over, wrap(c.want), wantOver)
		}
	}
}

func TestUnaryAgainstBig(t *testing.T) {
	for _, x := range testValues(300) {
		bx := x.Big()
		for n := uint(0); n <= 130; n++ {
			if got, want := x.Lsh(n).Big(), wrap(new(big.Int).Lsh(bx, n)); got.Cmp(want) != 0 {
				t.Fatalf("%v << %d = %v, want %v", x, n, got, want)
			}
			if got, want := x.Rsh(n).Big(), new(big.Int).Rsh(bx, n); got.Cmp(want) != 0 {
				t.Fatalf("%v >> %d = %v, want %v", x, n, got, want)
			}
		}
		if got, want := x.Not().Big(), new(big.Int).Sub(new(big.Int).Sub(two128, big.NewInt(1)), bx); got.Cmp(want) != 0 {
			t.Fatalf("^%v = %v, want %v", x, got, want)
		}
		checkBitCounts(t, x, bx)
	}
}

func checkBitCounts(t *testing.T, x u128.Uint128, bx *big.Int) {
	t.Helper()
	ones, trailing := 0, 128
	for i := 127; i >= 0; i-- {
		if bx.Bit(i) == 1 {
			ones++
			trailing = i
		}
	}
	if x.IsZero() != (bx.Sign() == 0) {
		t.Fatalf("%v.IsZero() = %v", x, x.IsZero())
	}
	for _, c := range []struct {
		name      string
		got, want int
	}{
		{"Len", x.Len(), bx.BitLen()},
		{"LeadingZeros", x.LeadingZeros(), 128 - bx.BitLen()},
		{"TrailingZeros", x.TrailingZeros(), trailing},
		{"OnesCount", x.OnesCount(), ones},
	} {
		if c.got != c.want {
			t.Fatalf("%v.%s() = %d, want %d", x, c.name, c.got, c.want)
		}
	}
}

func TestDivideByZeroPanics(t *testing.T) {
	for name, f := range map[string]func(){
		"QuoRem":   func() { u128.Max.QuoRem(u128.Uint128{}) },
		"QuoRem64": func() { u128.Max.QuoRem64(0) },
		"small":    func() { u128.From64(5).QuoRem64(0) },
		"Quo":      func() { u128.From64(5).Quo(u128.Uint128{}) },
		"Rem":      func() { u128.From64(5).Rem(u128.Uint128{}) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("dividing by zero did not panic")
				}
			}()
			f()
		})
	}
}
