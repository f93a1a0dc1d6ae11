package zbuf_test

import (
	"testing"

	"github.com/release-daemon/release/zbuf"
)

// newPool returns a Pool closed at the end of the test or benchmark.
func newPool(tb testing.TB, c zbuf.Config) *zbuf.Pool {
	tb.Helper()
	p, err := zbuf.NewPool(c)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = p.Close() })
	return p
}

func benchGetFree(b *testing.B, size int) {
	p := newPool(b, zbuf.Config{})
	b.ReportAllocs()
	for b.Loop() {
		buf, err := p.Get(size)
		if err != nil {
			b.Fatal(err)
		}
		_ = buf.Free()
	}
}

func BenchmarkGetFree4K(b *testing.B)  { benchGetFree(b, 4<<10) }
func BenchmarkGetFree64K(b *testing.B) { benchGetFree(b, 64<<10) }
func BenchmarkGetFree8M(b *testing.B)  { benchGetFree(b, 8<<20) }

// BenchmarkGetFree64KParallel runs Get and Free of one class from every P.
func BenchmarkGetFree64KParallel(b *testing.B) {
	p := newPool(b, zbuf.Config{})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			buf, _ := p.Get(64 << 10)
			_ = buf.Free()
		}
	})
}

func BenchmarkSubFree(b *testing.B) {
	buf, _ := zbuf.Make(1024, 'x')
	defer buf.Free()
	b.ReportAllocs()
	for b.Loop() {
		_ = buf.Sub(10, 100).Free()
	}
}

func BenchmarkAppend4K(b *testing.B) {
	buf, _ := zbuf.New(4096)
	defer buf.Free()
	p := make([]byte, 4096)
	b.ReportAllocs()
	b.SetBytes(4096)
	for b.Loop() {
		buf.Reset()
		_ = buf.Append(p)
	}
}

func BenchmarkAt(b *testing.B) {
	buf, _ := zbuf.Make(4096, 'x')
	defer buf.Free()
	var sum byte
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		sum += buf.At(i & 4095)
	}
	_ = sum
}

func BenchmarkBlit64K(b *testing.B) {
	src, _ := zbuf.Make(64<<10, 'x')
	defer src.Free()
	dst, _ := zbuf.New(64 << 10)
	defer dst.Free()
	b.ReportAllocs()
	b.SetBytes(64 << 10)
	for b.Loop() {
		_ = zbuf.Blit(src, 0, dst, 0, 64<<10)
	}
}

func BenchmarkMapFileReadAt(b *testing.B) {
	path, _ := writeFile(b, 1<<20)
	m, err := zbuf.MapFile(path)
	if err != nil {
		b.Fatal(err)
	}
	defer m.Free()
	p := make([]byte, 64<<10)
	b.ReportAllocs()
	b.SetBytes(int64(len(p)))
	for i := 0; b.Loop(); i++ {
		_, _ = m.ReadAt(p, int64(i%16)<<16)
	}
}
