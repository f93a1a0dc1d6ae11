package zbuf

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// cycles is the number of New/Free and Get/Put cycles of the leak test.
const cycles = 100_000

// TestNoLeaks checks that zbuf leaks no mapping and no fd. It compares /proc/self/maps and
// the open fds before and after 100,000 New/Free cycles on the default
// Pool, and after 100,000 Get/Put cycles on a Pool of the test's own (plus
// 10,000 on a Pool that retains nothing, so that every Free trims or
// unmaps) once that Pool is closed. Each cycle mixes sizes from 100 bytes
// to a buffer with a mapping of its own, views, growth and (one in 100) a
// mapped file. Afterwards the regions the Pools hold are the same as
// before (none for a closed Pool), /proc/self/maps has the same number of
// lines over them, the fd count is the same and the RSS grew by less than
// 4 MiB (not checked under -race, whose shadow memory grows by tens of
// MiB).
//
// The Go runtime maps memory of its own whenever it likes (heap growth, 8
// MiB stacks and C malloc arenas for a thread added when syscalls block),
// even into holes a Pool left, so the total line count varies by a few
// lines from run to run: it is logged, and the lines compared are those
// over the regions the Pools hold, which the test learns from hooks called
// at each mmap and munmap. TestBufferPoolRandomOps checks each munmap against
// /proc/self/maps the moment it happens.
func TestNoLeaks(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, make([]byte, 10000), 0o600); err != nil {
		t.Fatal(err)
	}
	tr := &tracker{live: map[uintptr]uintptr{}}
	def := defaultPool().s
	def.onMap, def.onRelease = tr.add, tr.release
	t.Cleanup(func() { def.onMap, def.onRelease = nil, nil })
	configs := []struct {
		cfg    Config
		cycles int
	}{{Config{}, cycles}, {Config{MaxRetained: -1, SlabSize: 1 << 20}, cycles / 10}}
	// Warm up the default Pool and the runtime (threads, heap).
	leakCycles(t, defaultPool(), 1000, path)
	for _, c := range configs {
		tr.poolCycles(t, c.cfg, c.cycles/10, path)
	}
	before := tr.snapshot(t)

	leakCycles(t, defaultPool(), cycles, path)
	before.compare(t, tr.snapshot(t), fmt.Sprintf("default Pool, %d New/Free", cycles))
	for _, c := range configs {
		tr.poolCycles(t, c.cfg, c.cycles, path)
		before.compare(t, tr.snapshot(t), fmt.Sprintf("Pool %+v, %d Get/Put and Close", c.cfg, c.cycles))
	}
}

// tracker follows the regions the Pools of the test hold: start -> end.
type tracker struct {
	live map[uintptr]uintptr
}

func (tr *tracker) add(mem []byte) { tr.live[addr(mem)] = addr(mem) + uintptr(len(mem)) }

func (tr *tracker) release(mem []byte, unmapped bool) {
	if unmapped {
		delete(tr.live, addr(mem))
	}
}

// poolCycles runs n cycles on a new Pool and closes it.
func (tr *tracker) poolCycles(t *testing.T, cfg Config, n int, path string) {
	p, err := NewPool(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p.s.onMap, p.s.onRelease = tr.add, tr.release
	leakCycles(t, p, n, path)
	_ = p.Close()
	if st := p.Stats(); st.Mappings != 0 || st.InUse != 0 || st.Leaked != 0 {
		t.Errorf("Pool %+v after Close: %+v", cfg, st)
	}
}

// leakFiller is appended to grow buffers without allocating.
var leakFiller = make([]byte, 64<<10)

// leakCycles runs n cycles on p. Each gets a buffer, writes it, makes a
// view, grows it (one in 7, for small ones), maps a file (one in 100, with
// p) and frees everything.
func leakCycles(t *testing.T, p *Pool, n int, path string) {
	for i := range n {
		b, err := p.Get([...]int{100, 4096, 5000, 64 << 10, 1 << 20, 5 << 20}[i%6])
		if err != nil {
			t.Fatal(err)
		}
		_ = b.AppendString("leak test")
		v := b.Sub(1, 3)
		if i%7 == 0 && b.Cap() <= len(leakFiller) {
			_ = b.Append(leakFiller[:b.Cap()]) // v keeps the old block
		}
		if i%100 == 0 {
			f, err := p.MapFile(path)
			if err != nil {
				t.Fatal(err)
			}
			_ = f.Free()
		}
		if b.Free() != nil || v.Free() != nil {
			t.Fatal("Free failed")
		}
	}
}

// snapshot is what the leak test compares.
type snapshot struct {
	regions          string // the regions the Pools hold
	lines, ours, fds int    // lines of /proc/self/maps, those over the regions, open fds
	rss              int64
}

// snapshot collects garbage, then counts.
func (tr *tracker) snapshot(t *testing.T) snapshot {
	runtime.GC()
	runtime.GC()
	maps, err := readMaps()
	if err != nil {
		t.Fatal(err)
	}
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	s := snapshot{regions: fmt.Sprint(tr.live), lines: len(maps), fds: len(fds), rss: vmRSS(t)}
	for _, m := range maps {
		for lo, hi := range tr.live {
			if m.lo < hi && lo < m.hi {
				s.ours++
				break
			}
		}
	}
	for lo, hi := range tr.live {
		if !maps.covers(lo, hi) {
			t.Errorf("a region a Pool holds, [%#x,%#x), is not in /proc/self/maps", lo, hi)
		}
	}
	return s
}

func (s snapshot) compare(t *testing.T, after snapshot, what string) {
	t.Helper()
	t.Logf("%s: maps lines %d -> %d (over Pool regions %d -> %d), fds %d -> %d, RSS %+d KiB",
		what, s.lines, after.lines, s.ours, after.ours, s.fds, after.fds, (after.rss-s.rss)>>10)
	rssGrew := after.rss-s.rss >= 4<<20 && !raceEnabled // the race detector's own memory grows
	if after.regions != s.regions || after.ours != s.ours || after.fds != s.fds || rssGrew {
		t.Errorf("%s: a Pool's mappings, fds or RSS grew: regions %s -> %s", what, s.regions, after.regions)
	}
}

// vmRSS returns the resident set size from /proc/self/status.
func vmRSS(t *testing.T) int64 {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(status)) {
		if kb, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(kb), " kB"), 10, 64)
			return n << 10
		}
	}
	t.Fatal("no VmRSS in /proc/self/status")
	return 0
}
