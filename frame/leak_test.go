package frame_test

import (
	"bytes"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/release-daemon/release/frame"
	"github.com/release-daemon/release/internal/testenv"
	"github.com/release-daemon/release/zbuf"
)

// countLines counts the lines of a /proc file.
func countLines(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Count(b, []byte("\n"))
}

// TestNoLeaksAcrossConns opens, uses and closes many Conns, some cut off
// mid-frame: the fds, goroutines and memory mappings are the same after as
// before.
func TestNoLeaksAcrossConns(t *testing.T) {
	cycle := func(i int) {
		a, b := unixPair(t)
		ca, cb := frame.New(a, frame.AcceptFiles), frame.New(b, frame.AcceptFiles)
		ca.WriteBatch([]byte("one"), make([]byte, 100<<10))
		cb.Read()
		cb.Read()
		if i%2 == 0 {
			a.Write([]byte{0, 0, 1}) // a cut header
		}
		ca.Close()
		cb.Read()
		cb.Close()
	}
	for i := range 50 { // warm up: pools, slabs, runtime threads
		cycle(i)
	}
	settle()
	zb, fds, goroutines := zbuf.DefaultStats(), testenv.FDs(t), runtime.NumGoroutine()
	maps := countLines(t, "/proc/self/maps")
	for i := range 1000 {
		cycle(i)
	}
	settle()
	za := zbuf.DefaultStats()
	if extra := testenv.NewFDs(t, fds); len(extra) != 0 {
		t.Errorf("descriptors left open after 1000 conns: %v", extra)
	}
	// The buffers Conns read into come from zbuf's default Pool: a Conn that
	// kept one would show in its InUse and, past the retained memory, in
	// its mappings. The process's own line count in /proc/self/maps is
	// logged only: the Go runtime maps heap and thread stacks as it likes.
	if za.InUse != zb.InUse || za.Mappings > zb.Mappings || za.Leaked != 0 {
		t.Errorf("zbuf's default Pool: in use %d bytes before 1000 conns, %d after; mappings %d, then %d; %d leaked",
			zb.InUse, za.InUse, zb.Mappings, za.Mappings, za.Leaked)
	}
	if n := runtime.NumGoroutine(); n > goroutines+2 {
		t.Errorf("goroutines: %d before, %d after", goroutines, n)
	}
	t.Logf(`{"test":"1000 conns","figures":{"new_fds":%d,"zbuf_in_use_delta":%d,"zbuf_mappings_delta":%d,"maps_lines_delta":%d,"goroutine_delta":%d}}`,
		len(testenv.NewFDs(t, fds)), za.InUse-zb.InUse, za.Mappings-zb.Mappings, countLines(t, "/proc/self/maps")-maps, runtime.NumGoroutine()-goroutines)
}

func settle() {
	for range 2 {
		runtime.GC()
	}
	time.Sleep(50 * time.Millisecond)
}
