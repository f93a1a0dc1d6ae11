package frame_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"testing"

	"github.com/release-daemon/release/fdpass"
	"github.com/release-daemon/release/frame"
	"github.com/release-daemon/release/internal/testenv"
)

// TestFilesRideWithTheirFrame interleaves frames with and without files,
// small and large, and checks each file arrives with its own frame: each
// is a pipe whose other end says which frame it belongs to.
func TestFilesRideWithTheirFrame(t *testing.T) {
	a, b := pair(t, frame.AcceptFiles, frame.MaxFrame(1<<20))
	before := testenv.OpenFDs(t)
	const frames = 60
	go func() {
		for i := range frames {
			p := bytes.Repeat([]byte{byte(i)}, []int{3, 100, 40 << 10}[i%3])
			if i%2 == 1 {
				a.Write(p)
				continue
			}
			r, w, _ := os.Pipe()
			w.Write([]byte{byte(i)})
			w.Close()
			if err := a.WriteFiles(p, r); err != nil {
				t.Error(err)
			}
			r.Close()
		}
	}()
	for i := range frames {
		p, files, err := b.ReadFiles()
		if err != nil || len(p) == 0 || p[0] != byte(i) {
			t.Fatalf("frame %d: %d bytes, %v", i, len(p), err)
		}
		if want := 1 - i%2; len(files) != want {
			t.Fatalf("frame %d came with %d files, want %d", i, len(files), want)
		}
		for _, f := range files {
			tag, _ := io.ReadAll(f)
			f.Close()
			if len(tag) != 1 || tag[0] != byte(i) {
				t.Fatalf("frame %d got the file of frame %v", i, tag)
			}
		}
	}
	if after := testenv.OpenFDs(t); after != before {
		t.Errorf("%d fds before, %d after", before, after)
	}
}

// TestReadClosesUnaskedFiles: Read (not ReadFiles) of frames that carry
// files closes them.
func TestReadClosesUnaskedFiles(t *testing.T) {
	a, b := pair(t, frame.AcceptFiles)
	null, _ := os.Open(os.DevNull)
	defer null.Close()
	before := testenv.OpenFDs(t)
	go func() {
		for range 100 {
			a.WriteFiles([]byte("x"), null, null)
		}
	}()
	for range 100 {
		if _, err := b.Read(); err != nil {
			t.Fatal(err)
		}
	}
	if after := testenv.OpenFDs(t); after != before {
		t.Errorf("%d fds before, %d after 200 unasked files", before, after)
	}
}

// TestFilesRefusedWithoutOptIn: a Conn without AcceptFiles refuses to send
// or receive files, and files a peer pushes at it are dropped unopened.
func TestFilesRefusedWithoutOptIn(t *testing.T) {
	rawA, rawB := unixPair(t)
	c := frame.New(rawB)
	defer c.Close()
	null, _ := os.Open(os.DevNull)
	defer null.Close()
	if err := c.WriteFiles([]byte("x"), null); !errors.Is(err, frame.ErrFilesRefused) {
		t.Fatalf("WriteFiles without AcceptFiles: %v", err)
	}
	before := testenv.OpenFDs(t)
	for range 50 {
		fdpass.Send(rawA, frame.AppendFrame(nil, []byte("pushed")), null, null)
	}
	for range 50 {
		if p, err := c.Read(); err != nil || string(p) != "pushed" {
			t.Fatalf("Read: %q, %v", p, err)
		}
	}
	if after := testenv.OpenFDs(t); after != before {
		t.Errorf("%d fds before, %d after files pushed at a Conn that refuses them", before, after)
	}
	if _, _, err := c.ReadFiles(); !errors.Is(err, frame.ErrFilesRefused) {
		t.Errorf("ReadFiles without AcceptFiles: %v", err)
	}
	rawA.Close()
}
