package proc

import (
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/release-daemon/release/frame"
	"github.com/release-daemon/release/internal/testenv"
)

// A flood is floodConns connections, floodConcurrency at a time.
const floodConns, floodConcurrency = 10_000, 32

// helperControlFlood floods the control socket at RELEASE_TEST_SOCK with
// RELEASE_TEST_FLOOD connections, as the calling user, and reports the
// flood. The flood runs in a process of its own, as a hostile client would,
// so that its CPU time is not the server's.
func helperControlFlood() int { return floodAndReport(true) }

// floodAndReport runs the flood a helper was asked for and writes its
// report to stdout; answers says whether the server may answer.
func floodAndReport(answers bool) int {
	n, err := strconv.Atoi(os.Getenv("RELEASE_TEST_FLOOD"))
	if err != nil {
		return 2
	}
	if writeReportTo(os.Stdout, flood(os.Getenv("RELEASE_TEST_SOCK"), n, answers)) != nil {
		return 2
	}
	return 0
}

// runFlood runs the named flooding helper against the socket at path.
func runFlood(t *testing.T, helper, path string, n int) testenv.FloodReport {
	out, err := helperCommand(t, helper, "RELEASE_TEST_SOCK="+path, "RELEASE_TEST_FLOOD="+strconv.Itoa(n)).Output()
	if err != nil {
		t.Fatalf("the flooding helper failed: %v", err)
	}
	var rep testenv.FloodReport
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatalf("the helper's report %q: %v", out, err)
	}
	return rep
}

// junkConn is what connection i of a flood sends: 0 to 8 KiB, a third a valid header then random bytes, a
// third a header past MaxFrame then random bytes, a third a frame cut
// short. Only the first kind may get an answer.
func junkConn(i int) (data []byte, answerable bool) {
	r := rand.New(rand.NewPCG(uint64(i), 0x6a756e6b))
	data = make([]byte, r.IntN(8<<10+1))
	off := r.IntN(len(junkPool) - len(data) + 1)
	copy(data, junkPool[off:])
	if len(data) < frame.HeaderSize {
		return data, i%3 == 0 // a half header, whatever the kind
	}
	body := len(data) - frame.HeaderSize
	var n uint32
	switch i % 3 {
	case 0: // a whole frame then junk, or a header announcing more
		if i%2 == 0 {
			n = uint32(r.IntN(body + 1))
		} else {
			n = uint32(r.IntN(DefaultControlMaxFrame + 1))
		}
	case 1:
		n = DefaultControlMaxFrame + 1 + r.Uint32N(math.MaxUint32-DefaultControlMaxFrame)
	default:
		n = uint32(body + 1 + r.IntN(DefaultControlMaxFrame-body))
	}
	binary.BigEndian.PutUint32(data, n)
	return data, i%3 == 0
}

// junkPool is where junkConn takes its random bytes.
var junkPool = func() []byte {
	b := make([]byte, 256<<10)
	rand.NewChaCha8([32]byte{'j', 'u', 'n', 'k'}).Read(b)
	return b
}()

// flood makes n connections to the unix socket at path, floodConcurrency
// at a time, each sending junkConn; three in four then hang up at once, as
// a hostile client would, and the fourth reads until the server closes,
// checking the answer: answers says whether there may be any.
func flood(path string, n int, answers bool) testenv.FloodReport {
	return testenv.Flood(n, floodConcurrency, func(i int) (testenv.Problem, error) {
		data, answerable := junkConn(i)
		got, err := sendJunk(path, data, i%4 == 0)
		switch {
		case errors.Is(err, errDial):
			return testenv.DialErr, err
		case err != nil:
			return testenv.Unclosed, err
		case got > 0 && !(answers && answerable):
			return testenv.Answered, fmt.Errorf("connection %d got %d bytes", i, got)
		}
		return testenv.NoProblem, nil
	})
}

var errDial = errors.New("dial")

// sendJunk sends data on a connection of its own and hangs up, or, if
// wait, closes its writing side and returns how many bytes came back
// before the server closed the connection.
func sendJunk(path string, data []byte, wait bool) (int, error) {
	nc, err := net.DialTimeout("unix", path, 5*time.Second)
	if err != nil {
		return 0, fmt.Errorf("%w: %v", errDial, err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(5 * time.Second))
	nc.Write(data) // may fail once the server closes
	if !wait {
		return 0, nil
	}
	nc.(*net.UnixConn).CloseWrite()
	got, err := io.Copy(io.Discard, nc)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return int(got), errors.New("the server did not close the connection within 5s")
	}
	return int(got), nil // a reset (unread bytes at close) counts as closed too
}

// healthyStats is what the healthy client saw.
type healthyStats struct {
	Calls, Errs int
	FirstErr    error
	P99, Max    time.Duration
}

// healthyFor calls the control socket at path every 10ms while during
// runs, each time on a connection of its own, as releasectl does, and
// returns what it saw.
func healthyFor(path string, during func()) healthyStats {
	var st healthyStats
	var lat []time.Duration
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			start := time.Now()
			err := callOnce(path, "ping"+strconv.Itoa(i))
			lat = append(lat, time.Since(start))
			st.Calls++
			if err != nil {
				st.Errs++
				st.FirstErr = cmp.Or(st.FirstErr, err)
			}
		}
	}()
	during()
	close(stop)
	<-done
	slices.Sort(lat)
	if len(lat) > 0 {
		st.P99, st.Max = lat[(len(lat)*99+99)/100-1], lat[len(lat)-1]
	}
	return st
}

// callOnce connects to path, sends req and checks the echo, giving up
// after 5s as releasectl does: slower calls fail the latency bar, not this.
func callOnce(path, req string) error {
	nc, err := net.DialTimeout("unix", path, 5*time.Second)
	if err != nil {
		return err
	}
	c := frame.New(nc)
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if err := c.Write([]byte(req)); err != nil {
		return err
	}
	resp, err := c.Read()
	if err == nil && string(resp) != "re:"+req {
		err = fmt.Errorf("answer %q to %q", resp, req)
	}
	return err
}

// refusalCounter is a slog handler that counts the lines of each message
// and sums their "count" attributes.
type refusalCounter struct {
	mu     sync.Mutex
	lines  map[string]int
	counts map[string]int
}

func newRefusalCounter() *refusalCounter {
	return &refusalCounter{lines: map[string]int{}, counts: map[string]int{}}
}

func (h *refusalCounter) Enabled(context.Context, slog.Level) bool { return true }
func (h *refusalCounter) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *refusalCounter) WithGroup(string) slog.Handler            { return h }

func (h *refusalCounter) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.lines[r.Message]++
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "count" {
			h.counts[r.Message] += int(a.Value.Int64())
		}
		return true
	})
	return nil
}

// get returns the lines of msg and the sum of their counts.
func (h *refusalCounter) get(msg string) (lines, count int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.lines[msg], h.counts[msg]
}

// rssBytes is the process's resident set size, after a GC.
func rssBytes(t testing.TB) int {
	t.Helper()
	runtime.GC()
	debug.FreeOSMemory()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			if err != nil {
				t.Fatalf("VmRSS: %q", v)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmRSS in /proc/self/status")
	return 0
}

// The bars of a flood: the healthy client's p99 latency and the server's
// RSS growth. Under the race detector, the server's work on each
// connection of the flood is many times slower (filling a new read buffer
// byte by byte, above all) and the healthy client's connection waits
// behind the flood's in the listen queue, so its bar is looser; and the
// detector's own memory grows with every goroutine started (some 1.5 KiB a
// connection, where a run without it stays flat), so the RSS is only
// logged. The plain run, which CI runs too, holds the real bars.
//
// When other processes took more than busyMachine of the machine's CPU
// while the flood ran (other tests, fuzzers), every call is slower, flood
// or not, and the latency bar is busyMachineP99; the share is logged.
var healthyP99, maxRSSGrowth = 100 * time.Millisecond, 16 << 20

const busyMachine, busyMachineP99 = 0.25, 2 * time.Second

func init() {
	helpers["control-flood"] = helperControlFlood
	if raceDetector {
		healthyP99, maxRSSGrowth = 500*time.Millisecond, math.MaxInt
	}
}

// floodWarmUp is the size of the flood that comes first, so that what
// the server allocates once (stacks, buffer pools) is in the RSS it starts
// from.
const floodWarmUp = 3000

// underFlood runs a control socket at path (mode 0666 in a 0755
// directory, so that any user can connect) with the refusals counted, and
// floods it with the named helper: floodWarmUp connections, then
// floodConns with a healthy client calling every 10ms. It checks the
// healthy client's figures and that the server leaks nothing (while it
// runs, its fds are those it had before plus the listening socket; once
// stopped, those it had before), and logs them.
func underFlood(t *testing.T, path, helper string) (*refusalCounter, testenv.FloodReport) {
	if err := os.Chmod(path[:strings.LastIndexByte(path, '/')], 0o755); err != nil {
		t.Fatal(err)
	}
	logs := newRefusalCounter()
	goroutines, fds := goroutineBaseline(), testenv.FDs(t)
	stopServer := startControl(t, path, echoControl, ControlOptions{Mode: 0o666, Logger: slog.New(logs)})
	if rep := runFlood(t, helper, path, floodWarmUp); rep.Problems() != 0 {
		t.Errorf("the warm-up flood saw %d problems, the first: %s", rep.Problems(), rep.FirstErr)
	}
	rss := rssBytes(t)
	var rep testenv.FloodReport
	cpu := markCPU(t)
	st := healthyFor(path, func() {
		time.Sleep(50 * time.Millisecond)
		rep = runFlood(t, helper, path, floodConns)
		time.Sleep(50 * time.Millisecond)
	})
	others, bar := cpu.othersShare(t), healthyP99
	if others > busyMachine {
		bar = busyMachineP99
	}
	// Running, the server holds its listener alone.
	waitFor(t, 5*time.Second, func() bool { return len(testenv.NewFDs(t, fds)) == 1 })
	drss := rssBytes(t) - rss
	stopServer()
	waitGoroutines(t, 5*time.Second, goroutines)
	testenv.WaitFDs(t, 5*time.Second, fds)
	t.Logf("flood: %d connections in %v, %d problems (%s); healthy client: %d calls, %d errors (%v), p99 %v, max %v "+
		"(bar %v; other processes took %.0f%% of the CPU); server: fd delta 0 (running: listener only), goroutine delta %d, RSS delta %d KiB",
		rep.Conns, rep.Elapsed.Round(time.Millisecond), rep.Problems(), rep.FirstErr, st.Calls, st.Errs, st.FirstErr,
		st.P99.Round(time.Microsecond), st.Max.Round(time.Microsecond), bar, 100*others,
		runtime.NumGoroutine()-goroutines, drss>>10)
	if rep.Problems() != 0 {
		t.Errorf("the flood saw %d problems, the first: %s", rep.Problems(), rep.FirstErr)
	}
	if st.Errs != 0 || st.P99 >= bar {
		t.Errorf("the healthy client had %d errors in %d calls (first: %v) and a p99 of %v; want 0 and < %v",
			st.Errs, st.Calls, st.FirstErr, st.P99, bar)
	}
	if drss >= maxRSSGrowth {
		t.Errorf("the RSS grew by %d KiB", drss>>10)
	}
	return logs, rep
}

// TestControlBadFramesCloseOnlyTheirConnection: 10,000 connections of an
// allowed uid, 32 at a time, send junk; each loses its own connection and
// the healthy client beside them sees nothing of it.
func TestControlBadFramesCloseOnlyTheirConnection(t *testing.T) {
	logs, _ := underFlood(t, sockPath(t), "control-flood")
	for _, msg := range []string{"connections refused: too many connections", "control peers refused"} {
		if _, n := logs.get(msg); n != 0 {
			t.Errorf("%d connections logged as %q", n, msg)
		}
	}
}

// TestControlDisallowedFlood: 10,000 connections of a uid not allowed, 32
// at a time, neither keep out nor slow down an allowed client, and their
// refusals are logged a line a second.
func TestControlDisallowedFlood(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: the flood must come from a uid the socket does not allow, " +
			"and only root can start a process as another uid (the allowed-uid flood runs without root)")
	}
	testenv.TestUser(t)
	start := time.Now()
	logs, _ := underFlood(t, sockPath(t), "control-as-user")
	took := time.Since(start)
	lines, count := logs.get("control peers refused") // flushed when the server stopped
	maxLines := int(took/refusalLogInterval) + 2
	t.Logf("%d refusals logged in %d lines over %v", count, lines, took.Round(time.Millisecond))
	if want := floodWarmUp + floodConns; count != want || lines > maxLines {
		t.Errorf("%d refusals logged in %d lines; want %d in at most %d, a line a second", count, lines, want, maxLines)
	}
}
