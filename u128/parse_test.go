package u128_test

import (
	"errors"
	"math/big"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/release-daemon/release/u128"
)

func TestParseTable(t *testing.T) {
	for _, c := range []struct {
		name string
		s    string
		base int
		want u128.Uint128
		err  error
	}{
		{"zero", "0", 10, u128.Uint128{}, nil},
		{"max", "340282366920938463463374607431768211455", 10, u128.Max, nil},
		{"max+1", "340282366920938463463374607431768211456", 10, u128.Max, u128.ErrRange},
		{"leading zeros", "000000000000000000000000000000000000000000001", 10, u128.From64(1), nil},
		{"2^64", "18446744073709551616", 10, u128.New(0, 1), nil},
		{"hex max", "ffffffffffffffffffffffffffffffff", 16, u128.Max, nil},
		{"hex upper", "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF", 16, u128.Max, nil},
		{"hex over", "1ffffffffffffffffffffffffffffffff", 16, u128.Max, u128.ErrRange},
		{"base 36", "zz", 36, u128.From64(36*36 - 1), nil},
		{"base 0 hex", "0x_dead_BEEF", 0, u128.From64(0xdeadbeef), nil},
		{"base 0 octal", "0_17", 0, u128.From64(15), nil},
		{"base 0 0o", "0o17", 0, u128.From64(15), nil},
		{"base 0 binary", "0b1_0", 0, u128.From64(2), nil},
		{"base 0 decimal", "1_000", 0, u128.From64(1000), nil},
		{"base 0 lone zero", "0", 0, u128.Uint128{}, nil},
		{"empty", "", 10, u128.Uint128{}, u128.ErrSyntax},
		{"sign", "+1", 10, u128.Uint128{}, u128.ErrSyntax},
		{"minus", "-1", 10, u128.Uint128{}, u128.ErrSyntax},
		{"space", " 1", 10, u128.Uint128{}, u128.ErrSyntax},
		{"bad digit in chunk", "1234567x", 10, u128.Uint128{}, u128.ErrSyntax},
		{"bad digit late", "12345678901234567890123456789012345678x", 10, u128.Uint128{}, u128.ErrSyntax},
		{"range before junk", "999999999999999999999999999999999999999999x", 10, u128.Max, u128.ErrRange},
		{"underscore base 10", "1_000", 10, u128.Uint128{}, u128.ErrSyntax},
		{"double underscore", "1__0", 0, u128.Uint128{}, u128.ErrSyntax},
		{"trailing underscore", "10_", 0, u128.Uint128{}, u128.ErrSyntax},
		{"leading underscore", "_10", 0, u128.Uint128{}, u128.ErrSyntax},
		{"prefix alone", "0x", 0, u128.Uint128{}, u128.ErrSyntax},
		{"digit too big", "2", 2, u128.Uint128{}, u128.ErrSyntax},
		{"base 1", "0", 1, u128.Uint128{}, u128.ErrBase},
		{"base 37", "0", 37, u128.Uint128{}, u128.ErrBase},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := u128.Parse(c.s, c.base)
			if got != c.want || !errors.Is(err, c.err) || (c.err == nil) != (err == nil) {
				t.Fatalf("Parse(%q, %d) = %v, %v; want %v, %v", c.s, c.base, got, err, c.want, c.err)
			}
			if ne, ok := errors.AsType[*u128.NumError](err); err != nil && (!ok || ne.Num != c.s || ne.Func != "u128.Parse") {
				t.Fatalf("Parse(%q) error %#v is not a *NumError naming the input", c.s, err)
			}
		})
	}
}

// TestParseRoundTrip formats values in every base (and with base 0's
// prefixes) and parses them back.
func TestParseRoundTrip(t *testing.T) {
	prefixes := map[int]string{2: "0b", 8: "0o", 16: "0x"}
	for _, x := range testValues(300) {
		for base := 2; base <= 36; base++ {
			s := x.Text(base)
			if got, err := u128.Parse(s, base); err != nil || got != x {
				t.Fatalf("Parse(%q, %d) = %v, %v; want %v", s, base, got, err, x)
			}
			if p, ok := prefixes[base]; ok {
				if got, err := u128.Parse(p+s, 0); err != nil || got != x {
					t.Fatalf("Parse(%q, 0) = %v, %v; want %v", p+s, got, err, x)
				}
			}
		}
	}
}

// TestParseLikeStrconv feeds random strings over a small alphabet to both
// Parse and strconv.ParseUint: where strconv succeeds or finds bad syntax,
// Parse must agree; where strconv says out of range, Parse must agree with
// math/big, which has no 64-bit limit.
func TestParseLikeStrconv(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const alphabet = "0123456789abcdefxXoObB_+-z "
	for range 200000 {
		var sb strings.Builder
		for range r.IntN(45) {
			sb.WriteByte(alphabet[r.IntN(len(alphabet))])
		}
		s, base := sb.String(), []int{0, 2, 8, 10, 16, 36}[r.IntN(6)]
		compareWithStrconv(t, s, base)
	}
	for _, x := range testValues(100) {
		compareWithStrconv(t, x.String(), 10)
		compareWithStrconv(t, x.Text(16), 16)
		compareWithStrconv(t, "0x"+x.Text(16), 0)
	}
}

func compareWithStrconv(t *testing.T, s string, base int) {
	t.Helper()
	got, err := u128.Parse(s, base)
	want, werr := strconv.ParseUint(s, base, 64)
	switch {
	case werr == nil:
		if err != nil || got != u128.From64(want) {
			t.Fatalf("Parse(%q, %d) = %v, %v; strconv gives %d", s, base, got, err, want)
		}
	case errors.Is(werr, strconv.ErrSyntax):
		if !errors.Is(err, u128.ErrSyntax) {
			t.Fatalf("Parse(%q, %d) = %v, %v; strconv gives %v", s, base, got, err, werr)
		}
	case errors.Is(werr, strconv.ErrRange):
		if err != nil {
			if !errors.Is(err, u128.ErrSyntax) && !errors.Is(err, u128.ErrRange) {
				t.Fatalf("Parse(%q, %d): %v", s, base, err)
			}
			return
		}
		b, ok := new(big.Int).SetString(s, base)
		if !ok || b.Cmp(got.Big()) != 0 {
			t.Fatalf("Parse(%q, %d) = %v; math/big gives %v", s, base, got, b)
		}
	default:
		if !errors.Is(err, u128.ErrBase) {
			t.Fatalf("Parse(%q, %d) = %v; strconv gives %v", s, base, err, werr)
		}
	}
}
