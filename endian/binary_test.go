package endian_test

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"testing"

	"github.com/release-daemon/release/endian"
	"github.com/release-daemon/release/u128"
)

const randomRounds = 5000

// newRand returns a generator with a fixed seed, so failures reproduce.
func newRand() *rand.Rand { return rand.New(rand.NewPCG(0x5eed, 0xe4d1a4)) }

// randomBytes fills a 16-byte slice from rng.
func randomBytes(rng *rand.Rand) []byte {
	return binary.LittleEndian.AppendUint64(binary.LittleEndian.AppendUint64(nil, rng.Uint64()), rng.Uint64())
}

// TestMatchesBinary cross-checks every 16-, 32- and 64-bit getter, putter
// and appender of both orders against encoding/binary on random values.
func TestMatchesBinary(t *testing.T) {
	tests := []struct {
		name string
		ours endian.ByteOrder
		std  interface {
			binary.ByteOrder
			binary.AppendByteOrder
		}
	}{
		{name: "Big", ours: endian.Big, std: binary.BigEndian},
		{name: "Little", ours: endian.Little, std: binary.LittleEndian},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rng := newRand()
			for range randomRounds {
				in := randomBytes(rng)
				v := rng.Uint64()
				if got, want := tt.ours.Uint16(in), tt.std.Uint16(in); got != want {
					t.Fatalf("Uint16(% x) = %#x, want %#x", in, got, want)
				}
				if got, want := tt.ours.Uint32(in), tt.std.Uint32(in); got != want {
					t.Fatalf("Uint32(% x) = %#x, want %#x", in, got, want)
				}
				if got, want := tt.ours.Uint64(in), tt.std.Uint64(in); got != want {
					t.Fatalf("Uint64(% x) = %#x, want %#x", in, got, want)
				}
				ours, std := make([]byte, 8), make([]byte, 8)
				tt.ours.PutUint16(ours, uint16(v))
				tt.std.PutUint16(std, uint16(v))
				tt.ours.PutUint32(ours[2:], uint32(v))
				tt.std.PutUint32(std[2:], uint32(v))
				if !bytes.Equal(ours, std) {
					t.Fatalf("PutUint16, PutUint32 of %#x = % x, want % x", v, ours, std)
				}
				tt.ours.PutUint64(ours, v)
				tt.std.PutUint64(std, v)
				if !bytes.Equal(ours, std) {
					t.Fatalf("PutUint64(%#x) = % x, want % x", v, ours, std)
				}
				ours = tt.ours.AppendUint64(tt.ours.AppendUint32(tt.ours.AppendUint16(nil, uint16(v)), uint32(v)), v)
				std = tt.std.AppendUint64(tt.std.AppendUint32(tt.std.AppendUint16(nil, uint16(v)), uint32(v)), v)
				if !bytes.Equal(ours, std) {
					t.Fatalf("AppendUint16, 32, 64 of %#x = % x, want % x", v, ours, std)
				}
			}
		})
	}
}

// TestSignedMatchesBinary checks that the signed methods are the unsigned
// ones of encoding/binary with a two's complement conversion.
func TestSignedMatchesBinary(t *testing.T) {
	rng := newRand()
	b, l := endian.Big, endian.Little
	be, le := binary.BigEndian, binary.LittleEndian
	for range randomRounds {
		in := randomBytes(rng)
		if b.Int16(in) != int16(be.Uint16(in)) || l.Int16(in) != int16(le.Uint16(in)) {
			t.Fatalf("Int16(% x) differs from encoding/binary", in)
		}
		if b.Int32(in) != int32(be.Uint32(in)) || l.Int32(in) != int32(le.Uint32(in)) {
			t.Fatalf("Int32(% x) differs from encoding/binary", in)
		}
		if b.Int64(in) != int64(be.Uint64(in)) || l.Int64(in) != int64(le.Uint64(in)) {
			t.Fatalf("Int64(% x) differs from encoding/binary", in)
		}
		v := int64(rng.Uint64())
		ours := b.AppendInt64(b.AppendInt32(b.AppendInt16(nil, int16(v)), int32(v)), v)
		ours = l.AppendInt64(l.AppendInt32(l.AppendInt16(ours, int16(v)), int32(v)), v)
		std := be.AppendUint64(be.AppendUint32(be.AppendUint16(nil, uint16(v)), uint32(v)), uint64(v))
		std = le.AppendUint64(le.AppendUint32(le.AppendUint16(std, uint16(v)), uint32(v)), uint64(v))
		if !bytes.Equal(ours, std) {
			t.Fatalf("AppendInt16, 32, 64 of %d = % x, want % x", v, ours, std)
		}
		put := make([]byte, 28)
		b.PutInt16(put, int16(v))
		b.PutInt32(put[2:], int32(v))
		b.PutInt64(put[6:], v)
		l.PutInt16(put[14:], int16(v))
		l.PutInt32(put[16:], int32(v))
		l.PutInt64(put[20:], v)
		if !bytes.Equal(put, std) {
			t.Fatalf("PutInt16, 32, 64 of %d = % x, want % x", v, put, std)
		}
	}
}

// TestUint128MatchesTwo64 checks Uint128 against two 64-bit calls of
// encoding/binary: Hi then Lo in big-endian, Lo then Hi in little-endian.
func TestUint128MatchesTwo64(t *testing.T) {
	rng := newRand()
	be, le := binary.BigEndian, binary.LittleEndian
	for range randomRounds {
		in := randomBytes(rng)
		if got, want := endian.Big.Uint128(in), u128.New(be.Uint64(in[8:]), be.Uint64(in)); got != want {
			t.Fatalf("Big.Uint128(% x) = %#v, want %#v", in, got, want)
		}
		if got, want := endian.Little.Uint128(in), u128.New(le.Uint64(in), le.Uint64(in[8:])); got != want {
			t.Fatalf("Little.Uint128(% x) = %#v, want %#v", in, got, want)
		}
		v := u128.New(rng.Uint64(), rng.Uint64())
		if got, want := endian.Big.AppendUint128(nil, v), be.AppendUint64(be.AppendUint64(nil, v.Hi), v.Lo); !bytes.Equal(got, want) {
			t.Fatalf("Big.AppendUint128(%#v) = % x, want % x", v, got, want)
		}
		if got, want := endian.Little.AppendUint128(nil, v), le.AppendUint64(le.AppendUint64(nil, v.Lo), v.Hi); !bytes.Equal(got, want) {
			t.Fatalf("Little.AppendUint128(%#v) = % x, want % x", v, got, want)
		}
		put := make([]byte, 32)
		endian.Big.PutUint128(put, v)
		endian.Little.PutUint128(put[16:], v)
		if endian.Big.Uint128(put) != v || endian.Little.Uint128(put[16:]) != v {
			t.Fatalf("PutUint128(%#v) = % x does not read back", v, put)
		}
		if !bytes.Equal(put[:16], endian.Big.AppendUint128(nil, v)) || !bytes.Equal(put[16:], endian.Little.AppendUint128(nil, v)) {
			t.Fatalf("PutUint128(%#v) = % x differs from AppendUint128", v, put)
		}
	}
}
