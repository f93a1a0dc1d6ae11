package zbuf_test

import (
	"errors"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/release-daemon/release/zbuf"
)

func TestNewPoolConfig(t *testing.T) {
	tests := []struct {
		name string
		in   zbuf.Config
		want zbuf.Config // the effective Config; zero if NewPool fails
		bad  int         // problems reported
	}{
		{"zero means defaults", zbuf.Config{}, zbuf.Config{MaxRetained: 64 << 20, SlabSize: 4 << 20}, 0},
		{"negative retains nothing", zbuf.Config{MaxRetained: -5}, zbuf.Config{MaxRetained: -1, SlabSize: 4 << 20}, 0},
		{"explicit", zbuf.Config{MaxRetained: 1, SlabSize: 1 << 20, Secret: true}, zbuf.Config{MaxRetained: 1, SlabSize: 1 << 20, Secret: true}, 0},
		{"slab too small", zbuf.Config{SlabSize: 64 << 10}, zbuf.Config{}, 1},
		{"slab not a power of two", zbuf.Config{SlabSize: 3 << 20}, zbuf.Config{}, 1},
		{"slab negative", zbuf.Config{SlabSize: -1}, zbuf.Config{}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in
			p, err := zbuf.NewPool(in)
			if in != tt.in {
				t.Errorf("NewPool changed its argument to %+v", in)
			}
			if tt.bad > 0 {
				if !errors.Is(err, zbuf.ErrConfig) || strings.Count(err.Error(), "zbuf: invalid Config") != tt.bad {
					t.Fatalf("NewPool(%+v) = %v, want %d ErrConfig problems", tt.in, err, tt.bad)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			if got := p.Config(); got != tt.want {
				t.Errorf("Config() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestPoolGetPut(t *testing.T) {
	p := newPool(t, zbuf.Config{})
	page := os.Getpagesize()
	for _, n := range []int{1, page - 1, page, page + 1, 64 << 10, 3 << 20, 4 << 20, 9 << 20} {
		b, err := p.Get(n)
		if err != nil {
			t.Fatalf("Get(%d): %v", n, err)
		}
		if b.Len() != 0 || b.Cap() != n {
			t.Errorf("Get(%d): Len %d Cap %d", n, b.Len(), b.Cap())
		}
		if err := b.Append(make([]byte, n)); err != nil || b.Len() != n {
			t.Errorf("Get(%d): filling: %v, Len %d", n, err, b.Len())
		}
		if err := p.Put(b); err != nil {
			t.Errorf("Put: %v", err)
		}
		if err := p.Put(b); !errors.Is(err, zbuf.ErrFreed) {
			t.Errorf("second Put: %v, want ErrFreed", err)
		}
	}
	if _, err := p.Get(-1); !errors.Is(err, zbuf.ErrRange) {
		t.Errorf("Get(-1): %v, want ErrRange", err)
	}
	if _, err := p.Get(1<<40 + 1); !errors.Is(err, zbuf.ErrRange) {
		t.Errorf("Get(1 TiB + 1): %v, want ErrRange", err)
	}
	q := newPool(t, zbuf.Config{})
	b, _ := q.Get(10)
	if err := p.Put(b); !errors.Is(err, zbuf.ErrForeign) {
		t.Errorf("Put of another Pool's buffer: %v, want ErrForeign", err)
	}
	if b.Cap() != 10 {
		t.Error("a refused Put freed the buffer")
	}
	_ = q.Put(b)
}

// TestPoolReuse checks that a freed block is handed out again: same
// memory, no new mapping.
func TestPoolReuse(t *testing.T) {
	p := newPool(t, zbuf.Config{})
	b, _ := p.Get(64 << 10)
	_ = b.AppendString("x")
	first := &b.Bytes()[0]
	_ = b.Free()
	maps := p.Stats().Mappings
	for range 1000 {
		b, _ = p.Get(64 << 10)
		_ = b.AppendString("y")
		if &b.Bytes()[0] != first {
			t.Fatal("a warm Get did not reuse the last freed block")
		}
		_ = b.Free()
	}
	if got := p.Stats().Mappings; got != maps {
		t.Fatalf("Mappings went from %d to %d over warm Get/Free cycles", maps, got)
	}
}

func TestPoolMaxRetained(t *testing.T) {
	const size, count = 64 << 10, 200 // 12.5 MiB held, then freed
	for _, limit := range []int64{-1, 1 << 20, 4 << 20} {
		p := newPool(t, zbuf.Config{MaxRetained: limit, SlabSize: 1 << 20})
		var bufs []zbuf.Buffer
		for range count {
			b, err := p.Get(size)
			if err != nil {
				t.Fatal(err)
			}
			_ = b.Append(make([]byte, size)) // touch every page
			bufs = append(bufs, b)
		}
		for _, b := range bufs {
			_ = b.Free()
			if st := p.Stats(); st.Retained > max(limit, 0) {
				t.Fatalf("MaxRetained %d: Retained %d", limit, st.Retained)
			}
		}
		st := p.Stats()
		if st.InUse != 0 || st.Mapped > max(limit, 0)+1<<20 {
			t.Errorf("MaxRetained %d: after freeing everything %+v", limit, st)
		}
		_ = p.Close()
		if st := p.Stats(); st.Mappings != 0 || st.Retained != 0 {
			t.Errorf("MaxRetained %d: after Close %+v", limit, st)
		}
	}
}

func TestPoolSecret(t *testing.T) {
	p := newPool(t, zbuf.Config{Secret: true, SlabSize: 1 << 20})
	b, err := p.Get(4096)
	if err != nil {
		t.Skipf("mlock failed (RLIMIT_MEMLOCK?): %v", err)
	}
	_ = b.AppendString("hunter2")
	mem := b.Bytes()[:7:7] // kept only to look at the wiped memory below
	v := b.Sub(0, 4)
	_ = b.Free()
	if string(mem) != "hunter2" {
		t.Fatal("memory wiped while a view was alive")
	}
	_ = v.Free()
	if string(mem) != "\x00\x00\x00\x00\x00\x00\x00" {
		t.Fatalf("secret not wiped on the last Free: %q", mem)
	}
	if locked := smapsField(t, mem, "Locked:"); locked == "0 kB" {
		t.Errorf("secret slab not locked in memory")
	}
	if flags := smapsField(t, mem, "VmFlags:"); !strings.Contains(" "+flags+" ", " dd ") {
		t.Errorf("secret slab not excluded from core dumps: VmFlags %s", flags)
	}
}

// TestPoolConcurrent runs Get, Sub and Free from several goroutines at
// once; run it with -race.
func TestPoolConcurrent(t *testing.T) {
	p := newPool(t, zbuf.Config{MaxRetained: 1 << 20, SlabSize: 1 << 20})
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 2000 {
				b, err := p.Get(1 << (12 + (g+i)%6))
				if err != nil {
					t.Error(err)
					return
				}
				_ = b.AppendString("abc")
				v := b.Sub(1, 2)
				go func() { _ = v.Free() }() // views may be freed elsewhere
				_ = b.Free()
			}
		})
	}
	wg.Wait()
	waitFor(t, func() bool { return p.Stats().InUse == 0 })
}

// TestLeakedBufferIsReclaimed checks the safety net: a buffer dropped
// without Free is found by the garbage collector, its memory returns to
// the Pool and Stats.Leaked counts it.
func TestLeakedBufferIsReclaimed(t *testing.T) {
	p := newPool(t, zbuf.Config{})
	func() {
		b, _ := p.Get(64 << 10)
		v := b.Sub(0, 0)
		_ = b.Free()
		_ = v // the view is dropped without Free
	}()
	if p.Stats().InUse == 0 {
		t.Fatal("the dropped view holds nothing")
	}
	waitFor(t, func() bool {
		runtime.GC()
		return p.Stats().Leaked == 1
	})
	if st := p.Stats(); st.InUse != 0 {
		t.Fatalf("after the cleanup: %+v", st)
	}
}

// waitFor polls cond for up to 5 s.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5 s")
		}
		time.Sleep(time.Millisecond)
	}
}
