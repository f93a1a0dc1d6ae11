package main

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/release-daemon/release/u128"
)

func TestFrameRoundTrip(t *testing.T) {
	req := request{ID: u128.New(7, 1<<63), Op: 42, Body: []byte("hello")}
	frame := appendFrame(nil, req)
	got, err := readFrame(frame)
	if err != nil || got.ID != req.ID || got.Op != req.Op || !bytes.Equal(got.Body, req.Body) {
		t.Fatalf("readFrame(appendFrame(%+v)) = %+v, %v", req, got, err)
	}
	for cut := range len(frame) {
		if _, err := readFrame(frame[:cut]); !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("a frame cut to %d bytes gives %v, want io.ErrUnexpectedEOF", cut, err)
		}
	}
}
