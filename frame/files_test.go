package frame_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/release-daemon/release/fdpass"
	"github.com/release-daemon/release/frame"
	"github.com/release-daemon/release/internal/testenv"
	"golang.org/x/sys/unix"
)

// TestFilesRideWithTheirFrame interleaves frames with and without files,
// small and large, and checks each file arrives with its own frame: each
// is a pipe whose other end says which frame it belongs to.
func TestFilesRideWithTheirFrame(t *testing.T) {
	a, b := pair(t, frame.AcceptFiles, frame.MaxFrame(1<<20))
	before := testenv.FDs(t)
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
	if extra := testenv.NewFDs(t, before); len(extra) != 0 {
		t.Errorf("descriptors left open: %v", extra)
	}
}

// TestReadClosesUnaskedFiles: Read (not ReadFiles) of frames that carry
// files closes them.
func TestReadClosesUnaskedFiles(t *testing.T) {
	a, b := pair(t, frame.AcceptFiles)
	null, _ := os.Open(os.DevNull)
	defer null.Close()
	before := testenv.FDs(t)
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
	if extra := testenv.NewFDs(t, before); len(extra) != 0 {
		t.Errorf("descriptors left open after 200 unasked files: %v", extra)
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
	before := testenv.FDs(t)
	for range 50 {
		fdpass.Send(rawA, frame.AppendFrame(nil, []byte("pushed")), null, null)
	}
	for range 50 {
		if p, err := c.Read(); err != nil || string(p) != "pushed" {
			t.Fatalf("Read: %q, %v", p, err)
		}
	}
	if extra := testenv.NewFDs(t, before); len(extra) != 0 {
		t.Errorf("descriptors left open after files pushed at a Conn that refuses them: %v", extra)
	}
	if _, _, err := c.ReadFiles(); !errors.Is(err, frame.ErrFilesRefused) {
		t.Errorf("ReadFiles without AcceptFiles: %v", err)
	}
	rawA.Close()
}

// TestFilesTruncatedAtFDLimit: a receiver at its limit of open files gets
// the bytes of a frame and not all of its files; the kernel says so only
// with MSG_CTRUNC, and with no control message at all when no fd fit.
// ReadFiles must fail with ErrFilesTruncated, never return the frame
// without its files. Two cases, 1,000 trials each: 1 file sent with no
// room for any, and 3 sent with room for 1. RLIMIT_NOFILE is lowered just
// for the read, in a child process (this test binary run again), so that
// no other test meets the lowered limit.
func TestFilesTruncatedAtFDLimit(t *testing.T) {
	if os.Getenv("FRAME_TEST_FD_LIMIT") != "child" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestFilesTruncatedAtFDLimit$", "-test.v", "-test.count=1")
		cmd.Env = append(os.Environ(), "FRAME_TEST_FD_LIMIT=child")
		out, err := cmd.CombinedOutput()
		for _, line := range strings.Split(string(out), "\n") {
			if strings.Contains(line, "files_test.go") {
				t.Log("child:", strings.TrimSpace(line))
			}
		}
		if err != nil {
			t.Fatalf("the child failed: %v\n%s", err, out)
		}
		return
	}
	for _, tc := range []struct{ sent, room int }{{1, 0}, {3, 1}} {
		detected, fdless, other, delta := truncatedAtLimit(t, 1000, tc.sent, tc.room)
		t.Logf("%d files sent, room for %d: %d/1000 detected as ErrFilesTruncated, %d delivered short of files, %d other (%v), fd delta %d",
			tc.sent, tc.room, detected, fdless, other.n, other.err, delta)
		if detected != 1000 || delta != 0 {
			t.Errorf("%d files sent, room for %d: want 1000/1000 detected and fd delta 0", tc.sent, tc.room)
		}
	}
}

type otherOutcome struct {
	n   int
	err error
}

// truncatedAtLimit sends a frame with sent files, lowers RLIMIT_NOFILE to
// leave room for room more fds, reads the frame, and counts the outcomes.
func truncatedAtLimit(t *testing.T, trials, sent, room int) (detected, fdless int, other otherOutcome, delta int) {
	var limit unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &limit); err != nil {
		t.Fatal(err)
	}
	null, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	files := make([]*os.File, sent)
	for i := range files {
		files[i] = null
	}
	before := testenv.OpenFDs(t)
	for range trials {
		a, b := pair(t, frame.AcceptFiles)
		if err := a.WriteFiles([]byte("with files"), files...); err != nil {
			t.Fatal(err)
		}
		low, err := unix.Dup(0) // the lowest free fd: the fds below it are all open
		if err != nil {
			t.Fatal(err)
		}
		unix.Close(low)
		if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &unix.Rlimit{Cur: uint64(low + room), Max: limit.Max}); err != nil {
			t.Fatal(err)
		}
		_, got, err := b.ReadFiles()
		if err := unix.Setrlimit(unix.RLIMIT_NOFILE, &limit); err != nil {
			t.Fatal(err)
		}
		switch {
		case errors.Is(err, frame.ErrFilesTruncated):
			detected++
		case err == nil && len(got) < sent:
			fdless++
		default:
			other.n++
			other.err = fmt.Errorf("%d files, %v", len(got), err)
		}
		for _, f := range got {
			f.Close()
		}
		a.Close()
		b.Close()
	}
	return detected, fdless, other, testenv.OpenFDs(t) - before
}

// TestFilesHeldForOneFrameAreBounded: a peer sends a frame's header, then
// 50 pieces of it with 10 files each, and never ends the frame. The reader
// must not hold the 500 files: past fdpass.MaxFiles for one frame the read
// fails with ErrTooManyFiles and every file is closed. A frame with
// exactly fdpass.MaxFiles files still arrives whole.
func TestFilesHeldForOneFrameAreBounded(t *testing.T) {
	null, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer null.Close()
	ten := make([]*os.File, 10)
	for i := range ten {
		ten[i] = null
	}
	rawA, rawB := unixPair(t)
	defer rawA.Close()
	b := frame.New(rawB, frame.AcceptFiles, frame.MaxFrame(1<<20))
	defer b.Close()
	before := openNulls(t)
	if _, err := rawA.Write(binary.BigEndian.AppendUint32(nil, 1<<20)); err != nil {
		t.Fatal(err)
	}
	for range 50 {
		if err := fdpass.Send(rawA, make([]byte, 100), ten...); err != nil {
			t.Fatal(err)
		}
	}
	b.SetReadDeadline(time.Now().Add(2 * time.Second)) // the frame never ends
	_, files, err := b.ReadFiles()
	held := openNulls(t) - before
	t.Logf("a frame sent in 50 pieces with 10 files each: %v, %d files returned, %d of them held", err, len(files), held)
	if !errors.Is(err, frame.ErrTooManyFiles) || len(files) != 0 || held != 0 {
		t.Fatalf("want ErrTooManyFiles and 0 fds held")
	}

	a, c := pair(t, frame.AcceptFiles)
	most := make([]*os.File, fdpass.MaxFiles)
	for i := range most {
		most[i] = null
	}
	go a.WriteFiles([]byte("the most"), most...)
	p, got, err := c.ReadFiles()
	for _, f := range got {
		f.Close()
	}
	if err != nil || string(p) != "the most" || len(got) != fdpass.MaxFiles {
		t.Fatalf("a frame with %d files: %q, %d files, %v", fdpass.MaxFiles, p, len(got), err)
	}
}

// openNulls counts this process's fds open on /dev/null: the files the
// tests send are all /dev/null, and the connection's own fds are not.
func openNulls(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range ents {
		if target, _ := os.Readlink("/proc/self/fd/" + e.Name()); target == os.DevNull {
			n++
		}
	}
	return n
}
