package endian_test

import (
	"fmt"

	"github.com/release-daemon/release/endian"
	"github.com/release-daemon/release/u128"
)

// A frame of a length, a 128-bit id and a body, written and read back: the
// README's example, which shows exactly this function's body.
func Example() {
	body := []byte("hello")
	buf := make([]byte, 0, 64)

	id, err := u128.Parse("340282366920938463463374607431768211455", 10) // no allocation
	if err != nil {
		panic(err)
	}
	w := endian.Big.NewWriter(buf[:0])
	w.Uint32(uint32(16 + len(body)))
	w.Uint128(id)
	w.Write(body)
	frame := w.Bytes()

	r := endian.Big.NewReader(frame) // untrusted input: getters never panic
	n, id := r.Uint32(), r.Uint128()
	if err := r.Err(); err != nil { // io.ErrUnexpectedEOF on a short frame
		panic(err)
	}
	fmt.Println(n, id, string(r.Bytes(r.Len())))
	// Output: 21 340282366920938463463374607431768211455 hello
}
