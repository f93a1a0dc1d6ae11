package u128_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/release-daemon/release/u128"
)

func TestJSONRoundTrip(t *testing.T) {
	type record struct {
		ID u128.Uint128 `json:"id"`
	}
	for _, x := range testValues(50) {
		b, err := json.Marshal(record{x})
		if err != nil {
			t.Fatal(err)
		}
		if want := `{"id":"` + x.String() + `"}`; string(b) != want {
			t.Fatalf("json.Marshal = %s, want %s", b, want)
		}
		var back record
		if err := json.Unmarshal(b, &back); err != nil || back.ID != x {
			t.Fatalf("json.Unmarshal(%s) = %v, %v", b, back.ID, err)
		}
	}
}

func TestUnmarshalTextRejects(t *testing.T) {
	for _, s := range []string{"", "0x10", "1_0", "-1", "340282366920938463463374607431768211456"} {
		v := u128.From64(7)
		if err := v.UnmarshalText([]byte(s)); err == nil {
			t.Errorf("UnmarshalText(%q) = nil, want an error", s)
		}
		if v != u128.From64(7) {
			t.Errorf("UnmarshalText(%q) changed the value on error", s)
		}
	}
}

func TestBinaryRoundTrip(t *testing.T) {
	for _, x := range testValues(50) {
		b, err := x.MarshalBinary()
		if err != nil || len(b) != 16 {
			t.Fatalf("MarshalBinary() = %x, %v", b, err)
		}
		var back u128.Uint128
		if err := back.UnmarshalBinary(b); err != nil || back != x {
			t.Fatalf("UnmarshalBinary(%x) = %v, %v; want %v", b, back, err, x)
		}
	}
	b, _ := u128.New(0x0102030405060708, 0x090a0b0c0d0e0f10).MarshalBinary()
	if want := "090a0b0c0d0e0f100102030405060708"; string(hexOf(b)) != want {
		t.Fatalf("MarshalBinary = %s, want big-endian %s", hexOf(b), want)
	}
	for _, n := range []int{0, 15, 17} {
		var v u128.Uint128
		if err := v.UnmarshalBinary(make([]byte, n)); !errors.Is(err, u128.ErrBinaryLength) {
			t.Errorf("UnmarshalBinary(%d bytes) = %v, want ErrBinaryLength", n, err)
		}
	}
}

func hexOf(b []byte) []byte {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return out
}
