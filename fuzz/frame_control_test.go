package fuzz

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/release-daemon/release/frame"
)

// oneShotControl decodes a whole stream with control frames the plain way:
// every frame in order, application ones as "a:" and control ones as
// "c<kind>:", and how it ends.
func oneShotControl(stream []byte) ([]string, error) {
	var got []string
	for {
		if len(stream) == 0 {
			return got, io.EOF
		}
		if len(stream) < frame.HeaderSize {
			return got, io.ErrUnexpectedEOF
		}
		if stream[0] == 0xFF {
			n := int(binary.BigEndian.Uint16(stream[2:]))
			if n > frame.MaxControlPayload {
				return got, frame.ErrControl
			}
			if len(stream) < frame.HeaderSize+n {
				return got, io.ErrUnexpectedEOF
			}
			got = append(got, fmt.Sprintf("c%d:%x", stream[1], stream[4:4+n]))
			stream = stream[4+n:]
			continue
		}
		n := binary.BigEndian.Uint32(stream)
		if n > fuzzMaxFrame {
			return got, frame.ErrTooLarge
		}
		if len(stream) < frame.HeaderSize+int(n) {
			return got, io.ErrUnexpectedEOF
		}
		got = append(got, fmt.Sprintf("a:%x", stream[4:4+n]))
		stream = stream[4+n:]
	}
}

// FuzzControlStream reads arbitrary bytes, split at fuzzer-chosen points,
// through a Conn with control frames: no panic; the same application and
// control frames, in the same order, and the same ending as the one-shot
// decode.
func FuzzControlStream(f *testing.F) {
	ctl := []byte{0xFF, 'p', 0, 3, 'a', 'b', 'c'}
	f.Add(append(frame.AppendFrame(bytes.Clone(ctl), []byte("hello")), ctl...), []byte{1, 2, 3})
	f.Add([]byte{0xFF, 'x', 0xFF, 0xFF}, []byte{})
	f.Add([]byte{0xFF, 'x', 0}, []byte{0})
	f.Add(append(bytes.Clone(ctl), 0, 0, 0, 1, 'z', 0xFF), []byte{0, 0, 0})
	f.Fuzz(func(t *testing.T, stream, chunks []byte) {
		want, wantEnd := oneShotControl(stream)
		var got []string
		c := frame.New(&chunkConn{data: bytes.Clone(stream), chunks: chunks}, frame.MaxFrame(fuzzMaxFrame),
			frame.ReadBuffer(64), frame.WithControl(func(kind byte, p []byte) {
				got = append(got, fmt.Sprintf("c%d:%x", kind, p))
			}))
		defer c.Close()
		var end error
		for {
			p, err := c.Read()
			if err != nil {
				end = err
				break
			}
			got = append(got, fmt.Sprintf("a:%x", p))
		}
		if fmt.Sprint(got) != fmt.Sprint(want) || !errors.Is(end, wantEnd) {
			t.Fatalf("read %.200q ending %v; one-shot: %.200q ending %v", got, end, want, wantEnd)
		}
	})
}
