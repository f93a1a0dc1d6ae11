package testenv

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// startPoller makes the runtime create its network poller (an epoll and an
// eventfd descriptor, made once per process at first use and kept) before
// a count is taken, so that the first test to use the network does not see
// them as its leak.
var startPoller = sync.OnceFunc(func() {
	if r, w, err := os.Pipe(); err == nil {
		r.Close()
		w.Close()
	}
})

// FDs maps each of the calling process's open file descriptors to what it
// refers to, for leak checks that name what leaked.
func FDs(t testing.TB) map[int]string {
	t.Helper()
	startPoller()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	fds := make(map[int]string, len(ents))
	for _, e := range ents {
		fd, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		// The directory's own fd is gone by now and reads as an error.
		if target, err := os.Readlink("/proc/self/fd/" + e.Name()); err == nil {
			fds[fd] = target
		}
	}
	return fds
}

// NewFDs lists the descriptors open now that were not open, or referred to
// something else, in before.
func NewFDs(t testing.TB, before map[int]string) []string {
	t.Helper()
	var extra []string
	for fd, target := range FDs(t) {
		if was, ok := before[fd]; !ok || was != target {
			extra = append(extra, fmt.Sprintf("%d -> %s", fd, target))
		}
	}
	slices.Sort(extra)
	return extra
}

// WaitFDs waits up to d until no descriptor is open that was not in
// before, and fails the test naming the ones still open if some are.
func WaitFDs(t testing.TB, d time.Duration, before map[int]string) {
	t.Helper()
	for end := time.Now().Add(d); ; time.Sleep(5 * time.Millisecond) {
		extra := NewFDs(t, before)
		if len(extra) == 0 {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("%d descriptors still open %v later: %s", len(extra), d, strings.Join(extra, ", "))
		}
	}
}
