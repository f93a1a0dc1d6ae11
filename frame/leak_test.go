package frame_test

import (
	"bytes"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/release-daemon/release/frame"
	"github.com/release-daemon/release/internal/testenv"
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
	maps, fds, goroutines := countLines(t, "/proc/self/maps"), testenv.OpenFDs(t), runtime.NumGoroutine()
	for i := range 1000 {
		cycle(i)
	}
	settle()
	if n := testenv.OpenFDs(t); n != fds {
		t.Errorf("fds: %d before 1000 conns, %d after", fds, n)
	}
	if n := countLines(t, "/proc/self/maps"); n > maps && !raceEnabled {
		t.Errorf("memory mappings: %d before 1000 conns, %d after", maps, n)
	}
	if n := runtime.NumGoroutine(); n > goroutines+2 {
		t.Errorf("goroutines: %d before, %d after", goroutines, n)
	}
}

func settle() {
	for range 2 {
		runtime.GC()
	}
	time.Sleep(50 * time.Millisecond)
}
