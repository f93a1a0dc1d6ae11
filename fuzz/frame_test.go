package fuzz

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"reflect"
	"testing"
	"time"

	"github.com/release-daemon/release/frame"
)

const fuzzMaxFrame = 4 << 10

// chunkConn is a net.Conn that reads a fixed stream in given chunk sizes,
// so the fuzzer picks where reads split the frames.
type chunkConn struct {
	data   []byte
	chunks []byte
	net.Conn
}

func (c *chunkConn) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	k := len(c.data)
	if len(c.chunks) > 0 {
		k, c.chunks = int(c.chunks[0])%64+1, c.chunks[1:]
	}
	n := copy(p, c.data[:min(k, len(c.data))])
	c.data = c.data[n:]
	return n, nil
}

func (c *chunkConn) Close() error                     { return nil }
func (c *chunkConn) SetReadDeadline(time.Time) error  { return nil }
func (c *chunkConn) SetWriteDeadline(time.Time) error { return nil }
func (c *chunkConn) SetDeadline(time.Time) error      { return nil }

// oneShot decodes a whole stream the plain way: the frames, and how it ends.
func oneShot(stream []byte) ([][]byte, error) {
	var frames [][]byte
	for {
		if len(stream) == 0 {
			return frames, io.EOF
		}
		if len(stream) < frame.HeaderSize {
			return frames, io.ErrUnexpectedEOF
		}
		n := binary.BigEndian.Uint32(stream)
		if n > fuzzMaxFrame {
			return frames, frame.ErrTooLarge
		}
		if len(stream) < frame.HeaderSize+int(n) {
			return frames, io.ErrUnexpectedEOF
		}
		frames = append(frames, stream[4:4+n])
		stream = stream[4+n:]
	}
}

// FuzzFrameStream reads arbitrary bytes, split at fuzzer-chosen points,
// through a Conn: no panic; the same frames and the same ending as the
// one-shot decode; the frames re-encode to the same bytes.
func FuzzFrameStream(f *testing.F) {
	f.Add(frame.AppendFrame(frame.AppendFrame(nil, []byte("hello")), nil), []byte{1, 2, 3})
	f.Add([]byte{0, 0, 0x10, 1, 'x'}, []byte{})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff}, []byte{0})
	f.Add([]byte{0, 0, 0, 5, 'a', 'b'}, []byte{63})
	f.Fuzz(func(t *testing.T, stream, chunks []byte) {
		want, wantEnd := oneShot(stream)
		c := frame.New(&chunkConn{data: bytes.Clone(stream), chunks: chunks}, frame.MaxFrame(fuzzMaxFrame), frame.ReadBuffer(64))
		defer c.Close()
		var got [][]byte
		var end error
		for {
			p, err := c.Read()
			if err != nil {
				end = err
				break
			}
			got = append(got, bytes.Clone(p))
		}
		if len(got) != len(want) || !errors.Is(end, wantEnd) {
			t.Fatalf("%d frames ending %v; one-shot: %d ending %v", len(got), end, len(want), wantEnd)
		}
		var again []byte
		for i := range got {
			if !bytes.Equal(got[i], want[i]) {
				t.Fatalf("frame %d differs", i)
			}
			again = frame.AppendFrame(again, got[i])
		}
		if !bytes.HasPrefix(stream, again) {
			t.Fatal("the frames do not re-encode to the stream they came from")
		}
	})
}

// FuzzTypedCodec decodes arbitrary payloads with the JSON and gob codecs:
// no panic, and what decodes re-encodes and decodes to the same value.
func FuzzTypedCodec(f *testing.F) {
	type msg struct {
		Op   string
		Args []int
		Meta map[string]string
	}
	b, _ := frame.JSON[msg]{}.Append(nil, msg{Op: "status", Args: []int{1}})
	f.Add(b)
	b, _ = frame.Gob[msg]{}.Append(nil, msg{Op: "stop", Meta: map[string]string{"a": "b"}})
	f.Add(b)
	f.Fuzz(func(t *testing.T, p []byte) {
		roundTrip(t, frame.JSON[msg]{}, p)
		if len(p) <= 512 { // gob's own limits make larger inputs slow, not interesting
			roundTrip(t, frame.Gob[msg]{}, p)
		}
	})
}

func roundTrip[T any](t *testing.T, c frame.Codec[T], p []byte) {
	v, err := c.Decode(p)
	if err != nil {
		return
	}
	enc, err := c.Append(nil, v)
	if err != nil {
		t.Fatalf("%T: decoded %v but cannot encode it: %v", c, v, err)
	}
	w, err := c.Decode(enc)
	if err != nil || !reflect.DeepEqual(v, w) {
		t.Fatalf("%T: %v re-decoded as %v, %v", c, v, w, err)
	}
}
