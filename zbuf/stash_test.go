package zbuf

import (
	"encoding/binary"
	"fmt"
	"sync"
	"testing"
	"time"
)

// stamp writes a value unique to (g, i) at both ends of b's memory and
// checks that it reads back: two live buffers sharing memory would
// overwrite each other's stamps.
func stamp(b Buffer, g, i int) error {
	v := uint64(g)<<32 | uint64(i)
	mem := b.h.mem
	binary.LittleEndian.PutUint64(mem, v)
	binary.LittleEndian.PutUint64(mem[len(mem)-8:], v)
	for range 3 { // give a rival time to scribble
		if binary.LittleEndian.Uint64(mem) != v || binary.LittleEndian.Uint64(mem[len(mem)-8:]) != v {
			return fmt.Errorf("buffer %d/%d: memory shared with another live buffer", g, i)
		}
	}
	return nil
}

// cycle runs n warm Get+Free cycles of size bytes, stamping each buffer.
func cycle(p *Pool, g, n, size int) error {
	for i := range n {
		b, err := p.Get(size)
		if err != nil {
			return err
		}
		if err := stamp(b, g, i); err != nil {
			return err
		}
		if err := b.Free(); err != nil {
			return err
		}
	}
	return nil
}

// TestWarmGetFreeSkipsTheFreeLists checks that a warm Get and Free of one
// size take no lock: with the class's free-list mutex held by the test,
// two goroutines still complete their cycles, and no two live buffers
// share memory. Before the stash every Get and Free took that mutex, so
// the goroutines blocked until the deadline.
func TestWarmGetFreeSkipsTheFreeLists(t *testing.T) {
	const size, cycles, workers = 64 << 10, 20000, 2
	p, err := NewPool(Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	warmUp(p, size, 8)
	c, _ := p.s.class(size)
	c.mu.Lock()
	locked := true
	defer func() {
		if locked {
			c.mu.Unlock()
		}
	}()
	start := time.Now()
	errs := make(chan error, workers)
	for g := range workers {
		go func() { errs <- cycle(p, g, cycles, size) }()
	}
	timeout := time.After(30 * time.Second)
	for range workers {
		select {
		case err := <-errs:
			if err != nil {
				t.Error(err)
			}
		case <-timeout:
			c.mu.Unlock()
			locked = false
			for range workers { // they finish once the lock is free
				<-errs
			}
			t.Fatalf("%d goroutines blocked on the class's lock: warm Get+Free still takes it", workers)
		}
	}
	t.Logf("%d×%d warm Get+Free of 64 KiB with the class's lock held: done in %v", workers, cycles, time.Since(start).Round(time.Millisecond))
}

// warmUp gets n buffers of size bytes and frees them, which fills the
// class's stash.
func warmUp(p *Pool, size, n int) {
	bufs := make([]Buffer, n)
	for i := range bufs {
		bufs[i], _ = p.Get(size)
	}
	for _, b := range bufs {
		_ = b.Free()
	}
}

// mixed runs n rounds of Get, Append (which may grow the buffer into a
// larger class), Sub and Free of sizes other than 64 KiB, stamping each
// buffer and freeing some views on another goroutine, counted in views.
func mixed(p *Pool, g, n int, views *sync.WaitGroup) error {
	sizes := []int{4 << 10, 8 << 10, 16 << 10, 128 << 10, 1 << 20}
	for i := range n {
		b, err := p.Get(sizes[(g+i)%len(sizes)])
		if err != nil {
			return err
		}
		if err := stamp(b, g, i); err != nil {
			return err
		}
		if i%7 == 0 && b.Cap() == 4<<10 {
			if err := b.Append(make([]byte, 5<<10)); err != nil { // to 16 KiB
				return err
			}
		}
		_ = b.AppendString("abc")
		v := b.Sub(0, 2)
		if i%2 == 0 {
			views.Go(func() { _ = v.Free() })
		} else {
			_ = v.Free()
		}
		if err := b.Free(); err != nil {
			return err
		}
	}
	return nil
}

// TestStashStress runs Get, Append, Sub and Free of several sizes from
// six goroutines against a small retained budget, with Stats sampled all
// along, while two more cycle warm 64 KiB buffers with that class's
// free-list mutex held by the test (so only the stash serves them). It
// checks that no two live buffers share memory, that Retained is within
// MaxRetained once all is freed, and that everything comes back; run it
// with -race.
func TestStashStress(t *testing.T) {
	const maxRetained, size = 8 << 20, 64 << 10
	p, err := NewPool(Config{MaxRetained: maxRetained, SlabSize: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	warmUp(p, size, 8)
	c, _ := p.s.class(size)
	c.mu.Lock()
	var wg, views sync.WaitGroup
	errs := make(chan error, 16)
	stop := make(chan struct{})
	var maxSeen int64
	wg.Go(func() { // Stats waits for the held mutex, then samples on
		for {
			select {
			case <-stop:
				return
			default:
			}
			maxSeen = max(maxSeen, p.Stats().Retained)
			time.Sleep(100 * time.Microsecond)
		}
	})
	for g := range 6 {
		wg.Go(func() { errs <- mixed(p, g, 3000, &views) })
	}
	cyclers := make(chan error, 2)
	for g := range 2 {
		go func() { cyclers <- cycle(p, 100+g, 20000, size) }()
	}
	timeout := time.After(60 * time.Second)
	for range 2 {
		select {
		case err := <-cyclers:
			errs <- err
		case <-timeout:
			c.mu.Unlock()
			t.Fatal("the 64 KiB cycles blocked on their class's mutex")
		}
	}
	c.mu.Unlock()
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	views.Wait() // the views freed on goroutines of their own, unmapping included
	if st := p.Stats(); st.InUse != 0 {
		t.Errorf("every buffer and view freed: %+v, want InUse 0", st)
	}
	// Under load Stats reads the classes one after another, so its sum
	// may pass MaxRetained for a moment (it did before the stash too);
	// once quiet it must not.
	quiet := p.Stats()
	if quiet.Retained > maxRetained {
		t.Errorf("after the stress: %+v (MaxRetained %d)", quiet, maxRetained)
	}
	_ = p.Close()
	if st := p.Stats(); st.Mappings != 0 || st.Retained != 0 || st.InUse != 0 {
		t.Errorf("after Close: %+v", st)
	}
	t.Logf("6×3000 mixed rounds beside 2×20000 warm 64 KiB cycles under a held mutex: Retained %d of %d once quiet (sampled peak %d), InUse 0, 0 mappings after Close", quiet.Retained, maxRetained, maxSeen)
}
