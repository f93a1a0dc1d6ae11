// Package u128 implements Uint128, an unsigned 128-bit integer value type.
//
// A [Uint128] holds its value in two uint64 halves, Lo and Hi; the zero value
// is 0. Arithmetic wraps modulo 2^128, like Go's own unsigned integers; the
// Overflow forms ([Uint128.AddOverflow], [Uint128.SubOverflow],
// [Uint128.MulOverflow]) report when it did. Division by zero panics, as it
// does for uint64. Everything is built on [math/bits] and never allocates,
// except [Uint128.String] (which returns a new string) and the bridge to
// [math/big].
//
// Text: [Uint128.String] and [Uint128.Append] give decimal;
// [Uint128.Format] makes the fmt verbs %d %v %x %X %o %O %b (with widths,
// precisions and the flags + - # 0 and space) behave as they do for uint64;
// [Parse] reads bases 2 to 36, or base 0 with Go's prefixes and underscores,
// and reports errors as a [*NumError] wrapping [ErrSyntax] or [ErrRange],
// the sentinels of [strconv], just as [strconv.ParseUint] does.
//
// Encoding: [Uint128.MarshalText] is decimal, so encoding/json writes a
// Uint128 as a quoted decimal string; [Uint128.MarshalBinary] is 16 bytes,
// big-endian (network order, as on the Release wire). Package endian reads and
// writes Uint128 in either byte order.
//
// This package stands in for the OCaml Stdint Uint128 used by the original
// Release library. It deliberately offers no signed 128-bit type.
package u128
