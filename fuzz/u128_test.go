package fuzz

import (
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"testing"

	gofuzz "github.com/google/gofuzz"

	"github.com/release-daemon/release/u128"
)

var two128 = new(big.Int).Lsh(big.NewInt(1), 128)

// FuzzU128Parse checks that Parse never panics, agrees with math/big on
// what it accepts, and that what it accepts round-trips through Text.
func FuzzU128Parse(f *testing.F) {
	for _, s := range []string{"0", "340282366920938463463374607431768211455",
		"340282366920938463463374607431768211456", "0x_ff", "0b1_0", "0o17", "017", "1__0", "_1", "1_", "zz", "+1", ""} {
		for _, base := range []int{0, 2, 10, 16, 36} {
			f.Add(s, base)
		}
	}
	f.Fuzz(func(t *testing.T, s string, base int) {
		v, err := u128.Parse(s, base)
		if err != nil {
			checkParseError(t, s, base, v, err)
			return
		}
		digits, b := s, base
		if base == 0 {
			digits, b = stripPrefix(s)
		}
		want, ok := new(big.Int).SetString(strings.ReplaceAll(digits, "_", ""), b)
		if !ok || want.Cmp(v.Big()) != 0 || digits[0] == '+' || digits[0] == '-' {
			t.Fatalf("Parse(%q, %d) = %v; math/big reads %v, %v", s, base, v, want, ok)
		}
		if back, err := u128.Parse(v.Text(b), b); err != nil || back != v {
			t.Fatalf("Parse(Text(%v, %d)) = %v, %v", v, b, back, err)
		}
	})
}

// checkParseError checks that a rejected input has the documented error
// and value, and that ErrRange really means the digits are too many.
func checkParseError(t *testing.T, s string, base int, v u128.Uint128, err error) {
	t.Helper()
	if _, ok := errors.AsType[*u128.NumError](err); !ok {
		t.Fatalf("Parse(%q, %d): %T is not a *NumError", s, base, err)
	}
	switch {
	case errors.Is(err, u128.ErrRange):
		if v != u128.Max {
			t.Fatalf("Parse(%q, %d) out of range gives %v, not Max", s, base, v)
		}
	case errors.Is(err, u128.ErrSyntax), errors.Is(err, u128.ErrBase):
		if !v.IsZero() {
			t.Fatalf("Parse(%q, %d) failing gives %v, not 0", s, base, v)
		}
	default:
		t.Fatalf("Parse(%q, %d): unexpected error %v", s, base, err)
	}
	if _, werr := strconv.ParseUint(s, base, 64); werr == nil {
		t.Fatalf("Parse(%q, %d) = %v, but strconv accepts it", s, base, err)
	}
}

// stripPrefix applies base 0's prefix rules, as strconv does.
func stripPrefix(s string) (string, int) {
	if len(s) >= 3 && s[0] == '0' {
		switch s[1] | 0x20 {
		case 'b':
			return s[2:], 2
		case 'o':
			return s[2:], 8
		case 'x':
			return s[2:], 16
		}
	}
	if len(s) > 1 && s[0] == '0' {
		return s[1:], 8
	}
	return s, 10
}

// FuzzU128Arith builds two values and a shift from the fuzz bytes with
// gofuzz and checks every operation against math/big.
func FuzzU128Arith(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte("\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x00\x01"))
	f.Add([]byte("0123456789abcdef0123456789abcdef0123456789"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var in struct {
			X, Y  u128.Uint128
			Shift uint8
		}
		gofuzz.NewFromGoFuzz(data).NilChance(0).Fuzz(&in)
		x, y, bx, by := in.X, in.Y, in.X.Big(), in.Y.Big()
		mod := func(b *big.Int) *big.Int { return b.Mod(b, two128) }
		same := func(op string, got u128.Uint128, want *big.Int) {
			if got.Big().Cmp(want) != 0 {
				t.Fatalf("%v %s %v = %v, want %v", x, op, y, got, want)
			}
		}
		same("+", x.Add(y), mod(new(big.Int).Add(bx, by)))
		same("-", x.Sub(y), mod(new(big.Int).Sub(bx, by)))
		same("*", x.Mul(y), mod(new(big.Int).Mul(bx, by)))
		same("<<", x.Lsh(uint(in.Shift)), mod(new(big.Int).Lsh(bx, uint(in.Shift))))
		same(">>", x.Rsh(uint(in.Shift)), new(big.Int).Rsh(bx, uint(in.Shift)))
		if _, over := x.MulOverflow(y); over != (new(big.Int).Mul(bx, by).Cmp(two128) >= 0) {
			t.Fatalf("%v.MulOverflow(%v) reports %v", x, y, over)
		}
		if !y.IsZero() {
			q, r := x.QuoRem(y)
			wq, wr := new(big.Int).QuoRem(bx, by, new(big.Int))
			same("/", q, wq)
			same("%", r, wr)
		}
		if x.Cmp(y) != bx.Cmp(by) {
			t.Fatalf("%v.Cmp(%v) = %d", x, y, x.Cmp(y))
		}
	})
}

// FuzzU128Format checks fmt verbs on full values against the uint64 rules
// (see u128's TestFormatWideLikeUint64 for why the substitution holds) and
// that decimal text round-trips.
func FuzzU128Format(f *testing.F) {
	f.Add(uint64(0), uint64(0), "+#0", 20, 5, byte('x'))
	f.Add(uint64(1), uint64(1), "-", 45, -1, byte('d'))
	f.Fuzz(func(t *testing.T, lo, hi uint64, flags string, wid, prec int, verb byte) {
		x := u128.New(lo, hi)
		if back, err := u128.Parse(x.String(), 10); err != nil || back != x {
			t.Fatalf("Parse(String(%v)) = %v, %v", x, back, err)
		}
		base, ok := map[byte]int{'d': 10, 'b': 2, 'o': 8, 'O': 8, 'x': 16, 'X': 16}[verb]
		if !ok || x.Hi == 0 || wid > 200 || prec > 200 {
			return
		}
		flags = keepFlags(flags)
		digits := x.Text(base)
		if verb == 'X' {
			digits = strings.ToUpper(digits)
		}
		got := fmt.Sprintf(directive(flags, wid, prec, verb), x)
		small := directive(flags, shrink(wid, len(digits)-1, -1), shrink(prec, len(digits)-1, 0), verb)
		want := strings.Replace(fmt.Sprintf(small, uint64(1)), "1", digits, 1)
		if got != want {
			t.Fatalf("Sprintf(%q, %v) = %q, want %q", directive(flags, wid, prec, verb), x, got, want)
		}
	})
}

// keepFlags keeps the fmt flag characters of s, each at most once.
func keepFlags(s string) string {
	var out []byte
	for _, c := range []byte("+-# 0") {
		if strings.IndexByte(s, c) >= 0 {
			out = append(out, c)
		}
	}
	return string(out)
}

// shrink takes d from n, where n < 0 means absent and floor is the least
// value that keeps it present.
func shrink(n, d, floor int) int {
	if n < 0 {
		return -1
	}
	if n -= d; n < floor || (floor < 0 && n < 1) {
		return floor
	}
	return n
}

func directive(flags string, wid, prec int, verb byte) string {
	d := "%" + flags
	if wid >= 0 {
		d += strconv.Itoa(wid)
	}
	if prec >= 0 {
		d += "." + strconv.Itoa(prec)
	}
	return d + string(verb)
}
