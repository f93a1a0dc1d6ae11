package proc

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"github.com/release-daemon/release/frame"
	"golang.org/x/sys/unix"
)

func init() {
	helpers["worker-shm-echo"] = helperWorkerShmEcho
	helpers["worker-shm-serve"] = helperWorkerShmServe
	helpers["worker-shm-refuse"] = helperWorkerShmRefuse
	helpers["master-shm-nomem"] = helperMasterShmNoMem
}

// The tests' ring size: room for two 1 MiB payloads in each direction.
const testShared = 4 << 20

// ringRanges returns the address ranges of this process's mappings of
// frame's rings, from /proc/self/maps (their memfds are named frame-shm).
func ringRanges() [][2]uintptr {
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return nil
	}
	defer f.Close()
	var out [][2]uintptr
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if !strings.Contains(line, "memfd:frame-shm") {
			continue
		}
		lo, hi, _ := strings.Cut(strings.Fields(line)[0], "-")
		a, _ := strconv.ParseUint(lo, 16, 64)
		b, _ := strconv.ParseUint(hi, 16, 64)
		out = append(out, [2]uintptr{uintptr(a), uintptr(b)})
	}
	return out
}

// inRing reports whether p lies in a mapping of a ring: it is a view the
// peer wrote in shared memory, not bytes that came through the socket.
func inRing(p []byte) bool {
	if len(p) == 0 {
		return false
	}
	start := uintptr(unsafe.Pointer(&p[0]))
	for _, r := range ringRanges() {
		if start >= r[0] && start+uintptr(len(p)) <= r[1] {
			return true
		}
	}
	return false
}

// openFDs counts this process's open descriptors.
func openFDs() int {
	e, _ := os.ReadDir("/proc/self/fd")
	return len(e)
}

// flip is the workers' answer to a payload: each byte inverted.
func flip(p []byte) []byte {
	out := make([]byte, len(p))
	for i, b := range p {
		out[i] = ^b
	}
	return out
}

// pattern is a payload of n bytes that differs with seed.
func pattern(n int, seed byte) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(i*7) + seed
	}
	return p
}

// helperWorkerShmEcho answers each frame with a byte saying whether the
// frame was a view of its ring (1) or not (0), then the frame flipped.
// With RELEASE_TEST_ONCE=1 it exits 1 after its first answer: a crash.
func helperWorkerShmEcho() int {
	err := Me(context.Background(), MeOptions{AllowRoot: true, Logger: quietLogger()}, func(ctx context.Context, c *frame.Conn) error {
		Ready()
		for {
			p, err := c.Read()
			if err != nil {
				return err
			}
			via := byte(0)
			if inRing(p) {
				via = 1
			}
			if err := c.Write(append([]byte{via}, flip(p)...)); err != nil {
				return err
			}
			if os.Getenv("RELEASE_TEST_ONCE") == "1" {
				os.Exit(1)
			}
		}
	})
	if err != nil {
		return 1
	}
	return 0
}

// helperWorkerShmServe serves the master's calls with frame.Serve,
// answering each payload flipped.
func helperWorkerShmServe() int {
	Me(context.Background(), MeOptions{AllowRoot: true, Logger: quietLogger()}, func(ctx context.Context, c *frame.Conn) error {
		Ready()
		return frame.Serve(ctx, c, frame.Bytes{}, frame.Bytes{}, func(_ context.Context, p []byte) ([]byte, error) {
			return flip(p), nil
		})
	})
	return 0
}

// helperWorkerShmRefuse is a worker that does not take the shared memory
// its master offers: its Conn is made without frame.AcceptShared. It
// exits 3 when its first read fails, as it must, 0 otherwise.
func helperWorkerShmRefuse() int {
	os.Unsetenv(sharedEnv)
	err := Me(context.Background(), MeOptions{AllowRoot: true, Logger: quietLogger()}, func(ctx context.Context, c *frame.Conn) error {
		Ready()
		_, err := c.Read()
		return err
	})
	if err != nil {
		return 3
	}
	return 0
}

// awaitEvents waits up to d for n events that f accepts, and reports
// whether they came: unlike eventLog.waitFor, it does not end the test
// from the Master's goroutine, which would leave Run running.
func awaitEvents(l *eventLog, d time.Duration, n int, f func(Event) bool) ([]Event, bool) {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for {
		if got := l.match(f); len(got) >= n {
			return got, true
		}
		select {
		case <-l.added:
		case <-deadline.C:
			return nil, false
		}
	}
}

// sharedWorker is a test Worker of helper with the tests' shared memory.
func sharedWorker(t *testing.T, helper string, handler func(context.Context, Peer) error) Worker {
	w := testWorker(t, helper, 1, handler)
	w.SharedMemory = testShared
	return w
}

// TestSharedMemoryBothWays: with Worker.SharedMemory, 1 MiB payloads
// cross through the rings in both directions, read as views of them on
// both sides, with their content intact; the master's Conn cannot be
// detached (so an upgrade stops the worker, see Upgrade).
func TestSharedMemoryBothWays(t *testing.T) {
	const rounds = 8
	type outcome struct {
		viaMaster, viaWorker, rings int
		err                         error
	}
	done := make(chan outcome, 1)
	handler := func(ctx context.Context, p Peer) error {
		var o outcome
		defer func() { done <- o }()
		o.rings = len(ringRanges())
		for i := range rounds {
			sent := pattern(1<<20, byte(i))
			if o.err = p.Conn.WriteContext(ctx, sent); o.err != nil {
				return o.err
			}
			got, err := p.Conn.ReadContext(ctx)
			if o.err = err; err != nil {
				return err
			}
			if len(got) != 1+len(sent) || !bytes.Equal(got[1:], flip(sent)) {
				o.err = fmt.Errorf("round %d: the answer of %d bytes is not the payload flipped", i, len(got))
				return o.err
			}
			if inRing(got) {
				o.viaMaster++
			}
			o.viaWorker += int(got[0])
		}
		return nil
	}
	m := &Master{Workers: []Worker{sharedWorker(t, "worker-shm-echo", handler)}, Logger: quietLogger()}
	var detachErr error
	m.Main = func(ctx context.Context, peers func() []Peer) error {
		select {
		case o := <-done:
			if o.err != nil {
				t.Errorf("exchange: %v", o.err)
			}
			if o.viaMaster != rounds || o.viaWorker != rounds || o.rings != 2 {
				t.Errorf("%d of %d answers read from the master's ring, %d of %d payloads from the worker's; %d ring mappings, want 2",
					o.viaMaster, rounds, o.viaWorker, rounds, o.rings)
			}
			t.Logf("%d/%d 1 MiB payloads each way through the rings (master read %d views, worker %d), %d ring mappings in the master",
				rounds, rounds, o.viaMaster, o.viaWorker, o.rings)
		case <-time.After(30 * time.Second):
			t.Error("no exchange within 30 s")
		}
		for _, p := range peers() {
			_, detachErr = p.Conn.Detach(ctx)
		}
		return nil
	}
	if err := m.Run(t.Context()); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if !errors.Is(detachErr, frame.ErrSharedRefused) {
		t.Errorf("Detach of a shared worker's Conn: %v, want ErrSharedRefused", detachErr)
	}
	if n := len(ringRanges()); n != 0 {
		t.Errorf("%d ring mappings left after Run", n)
	}
}

// TestSharedMemoryClientServe: a frame.Client in the master calls a
// worker serving with frame.Serve, with payloads above and below the
// threshold, over shared memory.
func TestSharedMemoryClientServe(t *testing.T) {
	const calls = 64
	type outcome struct {
		ok, rings int
		err       error
	}
	done := make(chan outcome, 1)
	handler := func(ctx context.Context, p Peer) error {
		var o outcome
		defer func() { done <- o }()
		cl := frame.NewClient(p.Conn, frame.Bytes{}, frame.Bytes{})
		for i := range calls {
			n := 256 << 10
			if i%4 == 3 {
				n = 100 // inline, in the socket, between the others
			}
			req := pattern(n, byte(i))
			resp, err := cl.Call(ctx, req)
			if o.err = err; err != nil {
				return err
			}
			if !bytes.Equal(resp, flip(req)) {
				o.err = fmt.Errorf("call %d: a wrong answer of %d bytes", i, len(resp))
				return o.err
			}
			o.ok++
		}
		o.rings = len(ringRanges())
		return nil
	}
	m := &Master{Workers: []Worker{sharedWorker(t, "worker-shm-serve", handler)}, Logger: quietLogger()}
	m.Main = func(ctx context.Context, _ func() []Peer) error {
		select {
		case o := <-done:
			if o.err != nil || o.ok != calls || o.rings != 2 {
				t.Errorf("%d/%d calls answered right (%v), %d ring mappings, want 2", o.ok, calls, o.err, o.rings)
			}
			t.Logf("%d/%d calls answered right over shared memory, %d ring mappings in the master", o.ok, calls, o.rings)
		case <-time.After(30 * time.Second):
			t.Error("the calls did not end within 30 s")
		}
		return nil
	}
	if err := m.Run(t.Context()); err != nil {
		t.Fatalf("Run: %v", err)
	}
}

// TestSharedMemoryCrashRestartsLeakNothing: a worker that dies after
// each exchange, restarted many times, leaves no ring mapped and no
// descriptor open in the master; and the Master does not unmap the rings
// under a Handler that still looks at its last view after its ctx ended.
func TestSharedMemoryCrashRestartsLeakNothing(t *testing.T) {
	const restarts = 25
	var exchanged, peak atomic.Int64
	handler := func(ctx context.Context, p Peer) error {
		sent := pattern(64<<10, 1)
		if err := p.Conn.WriteContext(ctx, sent); err != nil {
			return err
		}
		got, err := p.Conn.ReadContext(ctx)
		if err != nil {
			return err
		}
		if n := int64(len(ringRanges())); n > peak.Load() {
			peak.Store(n)
		}
		// The worker dies after its answer; the view of it stays the
		// Handler's until it returns, though its ctx has ended.
		<-ctx.Done()
		time.Sleep(10 * time.Millisecond)
		if got[0] == 1 && inRing(got) && bytes.Equal(got[1:], flip(sent)) {
			exchanged.Add(1)
		}
		return nil
	}
	w := sharedWorker(t, "worker-shm-echo", handler)
	w.Env = append(w.Env, "RELEASE_TEST_ONCE=1")
	log := newEventLog()
	m := &Master{Workers: []Worker{w}, Events: log.record, Logger: quietLogger(),
		Restart: RestartPolicy{Burst: 10 * restarts, Interval: time.Second}}
	m.Main = func(ctx context.Context, _ func() []Peer) error {
		if _, ok := awaitEvents(log, 60*time.Second, restarts, func(e Event) bool { return e.Kind == Exited }); !ok {
			t.Errorf("fewer than %d exits within 60 s", restarts)
		}
		return nil
	}
	mapsBefore, fdsBefore := len(ringRanges()), openFDs()
	if err := m.Run(t.Context()); err != nil {
		t.Fatalf("Run: %v", err)
	}
	mapsAfter, fdsAfter := len(ringRanges()), openFDs()
	if exchanged.Load() < restarts || mapsAfter != mapsBefore || fdsAfter != fdsBefore {
		t.Errorf("%d exchanges through the rings for %d crashes; ring mappings %d -> %d, fds %d -> %d",
			exchanged.Load(), restarts, mapsBefore, mapsAfter, fdsBefore, fdsAfter)
	}
	t.Logf("%d crash-restarts, %d exchanges through the rings (at most %d ring mappings at once); ring mappings %d -> %d, fd delta %d",
		restarts, exchanged.Load(), peak.Load(), mapsBefore, mapsAfter, fdsAfter-fdsBefore)
}

// TestSharedMemoryWorkerNeverReads: a worker that never reads its Conn
// never takes the rings, and stalls the heartbeats behind the setup: it
// is found hung and stopped, and the Handler, which filled the ring,
// stops waiting for room in it when the worker goes.
func TestSharedMemoryWorkerNeverReads(t *testing.T) {
	type outcome struct {
		written int
		err     error
	}
	done := make(chan outcome, 1)
	handler := func(ctx context.Context, p Peer) error {
		var o outcome
		defer func() { done <- o }()
		for o.err == nil {
			if o.err = p.Conn.WriteContext(ctx, pattern(1<<20, 0)); o.err == nil {
				o.written++
			}
		}
		return o.err
	}
	w := beatingWorker(t, "worker-beats", 1, handler)
	w.SharedMemory = testShared
	w.Restart = Temporary
	w.Env = append(w.Env, "RELEASE_TEST_NO_READ=1")
	log := newEventLog()
	m := &Master{Workers: []Worker{w}, Events: log.record, Logger: quietLogger(), StopGrace: testGrace}
	start := time.Now()
	m.Main = func(ctx context.Context, _ func() []Peer) error {
		if _, ok := awaitEvents(log, 30*time.Second, 1, func(e Event) bool { return e.Kind == Hung }); !ok {
			t.Error("the worker was not found hung within 30 s")
			return nil
		}
		if _, ok := awaitEvents(log, 30*time.Second, 1, func(e Event) bool { return e.Kind == Exited }); !ok {
			t.Error("the hung worker did not exit within 30 s")
			return nil
		}
		select {
		case o := <-done:
			if o.err == nil || o.written != testShared/(1<<20) { // the ring full, then no more
				t.Errorf("the Handler wrote %d payloads of 1 MiB, want %d (a ring of %d bytes), then %v", o.written, testShared/(1<<20), testShared, o.err)
			}
			t.Logf("hung and stopped after %v; the Handler wrote %d MiB, then: %v", time.Since(start).Round(time.Millisecond), o.written, o.err)
		case <-time.After(30 * time.Second):
			t.Error("the Handler's write still waits 30 s after the worker exited")
		}
		return nil
	}
	if err := m.Run(t.Context()); err != nil {
		t.Fatalf("Run: %v", err)
	}
}

// TestSharedMemoryWorkerRefuses: a worker whose Conn does not accept
// shared memory fails at its first read, at once, and the master's
// Handler sees the connection end.
func TestSharedMemoryWorkerRefuses(t *testing.T) {
	read := make(chan error, 1)
	handler := func(ctx context.Context, p Peer) error {
		_, err := p.Conn.ReadContext(ctx)
		read <- err
		return err
	}
	w := sharedWorker(t, "worker-shm-refuse", handler)
	w.Restart = Temporary
	log := newEventLog()
	m := &Master{Workers: []Worker{w}, Events: log.record, Logger: quietLogger()}
	start := time.Now()
	m.Main = func(ctx context.Context, _ func() []Peer) error {
		exits, ok := awaitEvents(log, 30*time.Second, 1, func(e Event) bool { return e.Kind == Exited })
		if !ok {
			t.Error("the worker did not exit within 30 s")
			return nil
		}
		if exits[0].Code != 3 {
			t.Errorf("the worker exited %d, want 3 (its read failed)", exits[0].Code)
		}
		select {
		case err := <-read:
			if err == nil {
				t.Error("the Handler read a frame")
			}
			t.Logf("worker exited %d after %v; the Handler's read: %v", exits[0].Code, time.Since(start).Round(time.Millisecond), err)
		case <-time.After(30 * time.Second):
			t.Error("the Handler's read still waits 30 s after the worker exited")
		}
		return nil
	}
	if err := m.Run(t.Context()); err != nil {
		t.Fatalf("Run: %v", err)
	}
}

// shmNoMemReport is what helperMasterShmNoMem prints.
type shmNoMemReport struct {
	Err      string // the first StartFailed event's
	PID      int    // its PID: 0, no worker was left to run
	Took     string // from Run to the event
	Children int    // processes this master still has when it ends
}

// helperMasterShmNoMem runs a Master whose address space cannot hold the
// rings of its worker (RLIMIT_AS), and prints what the first start did.
func helperMasterShmNoMem() int {
	var vm uint64
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		for line := range strings.Lines(string(b)) {
			if v, ok := strings.CutPrefix(line, "VmSize:"); ok {
				kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
				vm = kb << 10
			}
		}
	}
	lim := unix.Rlimit{Cur: vm + 256<<20, Max: vm + 256<<20}
	if err := unix.Setrlimit(unix.RLIMIT_AS, &lim); err != nil {
		fmt.Println("setrlimit:", err)
		return 2
	}
	exe, _ := os.Executable()
	failed := make(chan Event, 1)
	m := &Master{Workers: []Worker{{Name: "shm", Path: exe, Args: []string{"-test.run=^$"}, SharedMemory: frame.MaxSharedSize,
		Env: []string{helperEnv + "=worker-shm-echo", "GORACE=atexit_sleep_ms=0"}}},
		Logger: quietLogger(), Restart: RestartPolicy{Backoff: time.Hour},
		Events: func(e Event) {
			if e.Kind == StartFailed {
				select {
				case failed <- e:
				default:
				}
			}
		}}
	var rep shmNoMemReport
	start := time.Now()
	m.Main = func(ctx context.Context, _ func() []Peer) error {
		select {
		case e := <-failed:
			rep.Err, rep.PID, rep.Took = e.Err.Error(), e.PID, time.Since(start).String()
		case <-time.After(20 * time.Second):
			rep.Err = "no StartFailed event within 20 s"
		}
		return nil
	}
	m.Run(context.Background())
	if b, err := os.ReadFile(fmt.Sprintf("/proc/self/task/%d/children", os.Getpid())); err == nil {
		rep.Children = len(strings.Fields(string(b)))
	}
	json.NewEncoder(os.Stdout).Encode(rep)
	return 0
}

// TestSharedMemorySetupFails: a master that cannot set the rings up (no
// address space for them) reports a failed start with the cause, at
// once, and leaves no worker running.
func TestSharedMemorySetupFails(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	cmd := helperCommand(t, "master-shm-nomem")
	cmd = exec.CommandContext(ctx, cmd.Path, cmd.Args[1:]...)
	cmd.Env = append(os.Environ(), helperEnv+"=master-shm-nomem", "GORACE=atexit_sleep_ms=0")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("helper: %v; %s", err, out)
	}
	var rep shmNoMemReport
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatalf("helper's report %q: %v", out, err)
	}
	if !strings.Contains(rep.Err, "proc: shared memory of") || !strings.Contains(rep.Err, "mmap") || rep.Children != 0 {
		t.Errorf("start failed with %q (pid %d), %d children left", rep.Err, rep.PID, rep.Children)
	}
	t.Logf("start failed after %s: %s; %d children left", rep.Took, rep.Err, rep.Children)
}

// A master whose workers take requests of up to 4 MiB: with 8 MiB of
// shared memory each way, every payload above 1 KiB crosses through it.
// The worker's side is Me as ever; its Serve takes the rings with its
// first read.
func ExampleWorker_sharedMemory() {
	exe, _ := os.Executable()
	m := &Master{Workers: []Worker{{
		Path:         exe,
		SharedMemory: 8 << 20,
		Handler: func(ctx context.Context, p Peer) error {
			cl := frame.NewClient(p.Conn, frame.Bytes{}, frame.Bytes{})
			resp, err := cl.Call(ctx, make([]byte, 1<<20))
			fmt.Println(len(resp), err)
			return err
		},
	}}}
	if IsWorker() {
		Me(context.Background(), MeOptions{}, func(ctx context.Context, c *frame.Conn) error {
			Ready()
			return frame.Serve(ctx, c, frame.Bytes{}, frame.Bytes{}, func(_ context.Context, req []byte) ([]byte, error) {
				return req, nil
			})
		})
		return
	}
	m.Run(context.Background())
}

// TestSharedMemoryRefusedSizes: Run refuses a SharedMemory no start could
// set up, before it starts anything, rather than failing every start.
func TestSharedMemoryRefusedSizes(t *testing.T) {
	refused := 0
	for _, size := range []int{-1, frame.MaxSharedSize + 1} {
		w := testWorker(t, "worker-shm-echo", 1, nil)
		w.SharedMemory = size
		log := newEventLog()
		m := &Master{Workers: []Worker{w}, Events: log.record, Logger: quietLogger()}
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
		err := m.Run(ctx)
		cancel()
		if err == nil || !strings.Contains(err.Error(), "SharedMemory of "+strconv.Itoa(size)) || len(log.match(func(Event) bool { return true })) != 0 {
			t.Errorf("SharedMemory %d: Run returned %v after %d events", size, err, len(log.match(func(Event) bool { return true })))
			continue
		}
		refused++
		t.Logf("SharedMemory %d: %v", size, err)
	}
	t.Logf("%d/2 sizes refused by Run before any start", refused)
}
