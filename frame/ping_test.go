package frame_test

import "errors"

// ping is a 64-byte fixed-size message, and pingCodec its allocation-free
// codec.
type ping [64]byte

type pingCodec struct{}

func (pingCodec) Append(dst []byte, v ping) ([]byte, error) { return append(dst, v[:]...), nil }
func (pingCodec) Decode(p []byte) (ping, error) {
	var v ping
	if len(p) != len(v) {
		return v, errors.New("not 64 bytes")
	}
	copy(v[:], p)
	return v, nil
}
