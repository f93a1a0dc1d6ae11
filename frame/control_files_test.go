package frame_test

import (
	"os"
	"testing"
	"time"

	"github.com/release-daemon/release/fdpass"
	"github.com/release-daemon/release/frame"
)

// TestWatchControlClosesFilesSentWithIt: files a peer sends with control
// frames, which carry none, are closed by WatchControl as it takes the
// frames, and the stream goes on.
func TestWatchControlClosesFilesSentWithIt(t *testing.T) {
	const frames = 100
	cs := newControls()
	x, y := unixPair(t)
	b := frame.New(y, frame.WithControl(cs.handle))
	defer b.Close()
	watchUntilEnd(t, b)
	null, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	rc, err := x.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	before := openNulls(t)
	for i := range frames {
		var serr error
		rc.Control(func(fd uintptr) {
			serr = fdpass.SendFDs(int(fd), []byte{0xFF, 'f', 0, 1, byte(i)}, int(null.Fd()))
		})
		if serr != nil {
			t.Fatal(serr)
		}
	}
	cs.wait(t, frames, 5*time.Second)
	after := openNulls(t)
	a := frame.New(x)
	if err := a.Write([]byte("after")); err != nil {
		t.Fatal(err)
	}
	if p, err := b.Read(); err != nil || string(p) != "after" {
		t.Fatalf("the frame after them: %q, %v", p, err)
	}
	t.Logf("%d/%d control frames with a file each handed on; files open on /dev/null before %d, after %d",
		len(cs.list()), frames, before, after)
	if after != before {
		t.Errorf("%d files open on /dev/null after the control frames, %d before", after, before)
	}
}
