// Command wire shows the codecs that Release for Go is built on: it encodes
// a request in the Release wire format (a 4-byte big-endian length, then the
// payload) with package endian and a 128-bit request ID from package u128,
// decodes it again with the checked Reader, and shows what a truncated frame
// gives. It is the runnable example until examples/echod, the example
// daemon, exists.
//
//	go run ./examples/wire
//	go run ./examples/wire -id 0xdead_beef_cafe -op 7 -body "hello"
package main

import (
	"cmp"
	"flag"
	"fmt"
	"os"

	"github.com/release-daemon/release/endian"
	"github.com/release-daemon/release/u128"
)

// request is the payload: a 128-bit ID, an operation code and a body.
type request struct {
	ID   u128.Uint128
	Op   uint32
	Body []byte
}

// appendFrame appends req as one frame: length, then ID, op, body length, body.
func appendFrame(dst []byte, req request) []byte {
	w := endian.Big.NewWriter(dst)
	w.Uint32(uint32(16 + 4 + 4 + len(req.Body))) // the frame header
	w.Uint128(req.ID)
	w.Uint32(req.Op)
	w.Uint32(uint32(len(req.Body)))
	w.Write(req.Body)
	return w.Bytes()
}

// readFrame decodes one frame, checking every length against the input.
func readFrame(frame []byte) (request, error) {
	r := endian.Big.NewReader(frame)
	n := r.Uint32()
	payload := endian.Big.NewReader(r.Bytes(int(n)))
	req := request{ID: payload.Uint128(), Op: payload.Uint32()}
	req.Body = payload.Bytes(int(payload.Uint32()))
	if err := cmp.Or(r.Err(), payload.Err()); err != nil {
		return request{}, fmt.Errorf("decoding a %d-byte frame: %w", len(frame), err)
	}
	return req, nil
}

func main() {
	id := flag.String("id", "340282366920938463463374607431768211455", "request ID: a 128-bit integer (decimal, or 0x/0o/0b with _)")
	op := flag.Uint("op", 1, "operation code")
	body := flag.String("body", "ping", "request body")
	flag.Parse()

	v, err := u128.Parse(*id, 0)
	if err != nil {
		fmt.Fprintln(os.Stderr, "wire:", err)
		os.Exit(2)
	}
	frame := appendFrame(nil, request{ID: v, Op: uint32(*op), Body: []byte(*body)})
	fmt.Printf("request id %v (%#x), op %d, body %q\n", v, v, *op, *body)
	fmt.Printf("frame, %d bytes: % x\n", len(frame), frame)

	got, err := readFrame(frame)
	if err != nil {
		fmt.Fprintln(os.Stderr, "wire:", err)
		os.Exit(1)
	}
	fmt.Printf("decoded: id %v, op %d, body %q\n", got.ID, got.Op, got.Body)

	_, err = readFrame(frame[:len(frame)-1])
	fmt.Printf("the same frame less its last byte: %v\n", err)
}
