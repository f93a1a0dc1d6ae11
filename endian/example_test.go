package endian_test

import (
	"errors"
	"fmt"
	"io"

	"github.com/release-daemon/release/endian"
	"github.com/release-daemon/release/u128"
)

func Example_bigUint32() {
	b := make([]byte, 4)
	endian.Big.PutUint32(b, 0xcafe0042)
	fmt.Printf("% x\n", b)
	fmt.Printf("%#x\n", endian.Big.Uint32(b))
	// Output:
	// ca fe 00 42
	// 0xcafe0042
}

func Example_littleAppendUint128() {
	v := u128.New(0x0807060504030201, 0x100f0e0d0c0b0a09) // Lo, Hi
	b := endian.Little.AppendUint128([]byte{0xff}, v)
	fmt.Printf("% x\n", b)
	// Output: ff 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10
}

func ExampleReader() {
	// A message: a 2-byte kind, a 1-byte name length, the name, and a
	// 4-byte count.
	msg := []byte{0x00, 0x07, 0x03, 'f', 'o', 'o', 0x00, 0x00, 0x01, 0x00}
	r := endian.Big.NewReader(msg)
	kind := r.Uint16()
	name := r.Bytes(int(r.Uint8()))
	count := r.Uint32()
	if err := r.Err(); err != nil {
		fmt.Println("bad message:", err)
		return
	}
	fmt.Printf("kind %d, name %q, count %d, %d bytes left\n", kind, name, count, r.Len())
	// Output: kind 7, name "foo", count 256, 0 bytes left
}

func ExampleReader_Err() {
	// The same message cut short: reads past the end return zero, and the
	// first error sticks, so one check at the end is enough.
	msg := []byte{0x00, 0x07, 0x03, 'f', 'o'}
	r := endian.Big.NewReader(msg)
	kind := r.Uint16()
	name := r.Bytes(int(r.Uint8())) // needs 3 bytes, 2 are left
	count := r.Uint32()             // 2 bytes would fit, but an error is set
	fmt.Printf("kind %d, name %q, count %d\n", kind, name, count)
	fmt.Println("offset", r.Offset(), "left", r.Len())
	fmt.Println(r.Err(), errors.Is(r.Err(), io.ErrUnexpectedEOF))
	// Output:
	// kind 7, name "", count 0
	// offset 3 left 2
	// unexpected EOF true
}

func ExampleWriter() {
	w := endian.Little.NewWriter(make([]byte, 0, 64))
	w.Uint16(7)
	w.Int32(-2)
	fmt.Fprintf(&w, "%s", "ok") // a Writer is an io.Writer
	fmt.Printf("% x\n", w.Bytes())

	r := endian.Little.NewReader(w.Bytes())
	fmt.Println(r.Uint16(), r.Int32(), string(r.Bytes(2)), r.Err())
	// Output:
	// 07 00 fe ff ff ff 6f 6b
	// 7 -2 ok <nil>
}
