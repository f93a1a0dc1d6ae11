package u128_test

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"testing"

	"github.com/release-daemon/release/u128"
)

// spec is one fmt directive: flags, optional width and precision, verb.
type spec struct {
	flags     string
	wid, prec int // -1: none
	verb      byte
}

func (s spec) String() string {
	f := "%" + s.flags
	if s.wid >= 0 {
		f += strconv.Itoa(s.wid)
	}
	if s.prec >= 0 {
		f += "." + strconv.Itoa(s.prec)
	}
	return f + string(s.verb)
}

// specs crosses every verb with the flags, widths and precisions fmt takes,
// leaving out %#v, which is Go syntax (a struct here, hex for a uint64).
func specs() []spec {
	var ss []spec
	for _, verb := range []byte("dvboOxX") {
		for _, flags := range []string{"", "+", "-", "#", "0", " ", "#0", "-0", "+0", "#-", "+#0", " 0"} {
			if verb == 'v' && strings.Contains(flags, "#") {
				continue
			}
			for _, wp := range [][2]int{{-1, -1}, {1, -1}, {5, -1}, {45, -1}, {-1, 0}, {-1, 3}, {8, 3}, {45, 40}, {3, 0}, {60, 50}} {
				ss = append(ss, spec{flags: flags, wid: wp[0], prec: wp[1], verb: verb})
			}
		}
	}
	return ss
}

// TestFormatLikeUint64 checks that every format of a value that fits in 64
// bits prints exactly as fmt prints the uint64.
func TestFormatLikeUint64(t *testing.T) {
	for _, x := range testValues(40) {
		if x.Hi != 0 {
			continue
		}
		for _, s := range specs() {
			if got, want := fmt.Sprintf(s.String(), x), fmt.Sprintf(s.String(), x.Lo); got != want {
				t.Errorf("Sprintf(%q, %d) = %q, want %q", s, x.Lo, got, want)
			}
		}
	}
}

// TestFormatWideLikeUint64 checks values above 64 bits. How fmt lays out a
// nonzero integer depends on its digits only through their count, so a
// value of n digits must print as the uint64 1 does with the width and
// precision n-1 smaller, with the 1 replaced by the n digits.
func TestFormatWideLikeUint64(t *testing.T) {
	for _, x := range testValues(40) {
		if x.Hi == 0 {
			continue
		}
		for _, s := range specs() {
			digits := x.Text(map[byte]int{'d': 10, 'v': 10, 'b': 2, 'o': 8, 'O': 8, 'x': 16, 'X': 16}[s.verb])
			if s.verb == 'X' {
				digits = strings.ToUpper(digits)
			}
			small := s
			if small.wid -= len(digits) - 1; small.wid < 1 {
				small.wid = -1
			}
			if small.prec >= 0 {
				small.prec = max(small.prec-(len(digits)-1), 0)
			}
			want := strings.Replace(fmt.Sprintf(small.String(), uint64(1)), "1", digits, 1)
			if got := fmt.Sprintf(s.String(), x); got != want {
				t.Errorf("Sprintf(%q, %v) = %q, want %q", s, x, got, want)
			}
		}
	}
}

func TestFormatWide(t *testing.T) {
	x := u128.New(0xabc, 0x1) // 0x10000000000000abc, 17 hex digits
	for _, c := range []struct{ format, want string }{
		{"%#020x", "0x00010000000000000abc"},
		{"%#020X", "0X00010000000000000ABC"},
		{"%+#020x", "+0x0010000000000000abc"},
		{"%#023o", "02000000000000000005274"},
		{"%#o", "02000000000000000005274"},
		{"%#0.20x", "0x00010000000000000abc"},
		{"%+v", "18446744073709554364"},
		{"%+025v", "0000018446744073709554364"},
		{"% 25v", "     18446744073709554364"},
		{"%-25v|", "18446744073709554364     |"},
	} {
		if got := fmt.Sprintf(c.format, x); got != c.want {
			t.Errorf("Sprintf(%q) = %q, want %q", c.format, got, c.want)
		}
	}
}

func TestFormatOtherVerbs(t *testing.T) {
	x := u128.New(5, 1)
	for _, c := range []struct{ format, want string }{
		{"%s", "18446744073709551621"},
		{"%v", "18446744073709551621"},
		{"%#v", "u128.Uint128{Lo:0x5, Hi:0x1}"},
		{"%q", "%!q(u128.Uint128=18446744073709551621)"},
		{"%f", "%!f(u128.Uint128=18446744073709551621)"},
	} {
		if got := fmt.Sprintf(c.format, x); got != c.want {
			t.Errorf("Sprintf(%q) = %q, want %q", c.format, got, c.want)
		}
	}
}

func TestTextAgainstBig(t *testing.T) {
	for _, x := range testValues(300) {
		if got, want := x.String(), x.Big().String(); got != want {
			t.Fatalf("String() = %q, want %q", got, want)
		}
		for base := 2; base <= 36; base++ {
			want := x.Big().Text(base)
			if got := x.Text(base); got != want {
				t.Fatalf("%v.Text(%d) = %q, want %q", x, base, got, want)
			}
			if got := string(x.Append([]byte("x="), base)); got != "x="+want {
				t.Fatalf("%v.Append(%d) = %q, want %q", x, base, got, "x="+want)
			}
		}
	}
}

// TestDecimalGroups checks the eight-digit groups String writes at once,
// over a stride of every group value and its ends.
func TestDecimalGroups(t *testing.T) {
	for x := uint64(0); x < 1e8; x += 997 {
		for _, v := range []uint64{x, 99999999 - x, 1e8 + x, 1e16 + x*1e8 + x} {
			if got, want := u128.From64(v).String(), strconv.FormatUint(v, 10); got != want {
				t.Fatalf("From64(%d).String() = %q", v, got)
			}
		}
		wide := u128.From64(x).Add(u128.New(0, 1).Mul64(1e8)) // 10^8 * 2^64 + x
		if got, want := wide.String(), wide.Big().String(); got != want {
			t.Fatalf("String() = %q, want %q", got, want)
		}
	}
}

func TestTextBadBasePanics(t *testing.T) {
	for _, base := range []int{-1, 0, 1, 37} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Text(%d) did not panic", base)
				}
			}()
			u128.Max.Text(base)
		}()
	}
}

func TestBigRoundTrip(t *testing.T) {
	for _, x := range testValues(100) {
		if got := fromBig(t, x.Big()); got != x {
			t.Fatalf("FromBig(Big(%v)) = %v", x, got)
		}
	}
	for _, c := range []struct {
		in   *big.Int
		want u128.Uint128
		fits bool
	}{
		{nil, u128.Uint128{}, true},
		{big.NewInt(-1), u128.Max, false},
		{big.NewInt(-2), u128.Max.Sub64(1), false},
		{two128, u128.Uint128{}, false},
		{new(big.Int).Add(two128, big.NewInt(7)), u128.From64(7), false},
		{new(big.Int).Sub(two128, big.NewInt(1)), u128.Max, true},
	} {
		got, fits := u128.FromBig(c.in)
		if got != c.want || fits != c.fits {
			t.Errorf("FromBig(%v) = %v, %v; want %v, %v", c.in, got, fits, c.want, c.fits)
		}
	}
}
