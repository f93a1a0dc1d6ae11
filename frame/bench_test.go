package frame_test

import (
	"context"
	"testing"

	"github.com/release-daemon/release/frame"
)

func BenchmarkWriteRead64(b *testing.B) {
	benchWriteRead(b, 64)
}

func BenchmarkWriteRead1M(b *testing.B) {
	benchWriteRead(b, 1<<20)
}

func benchWriteRead(b *testing.B, size int) {
	w, r := pair(b, frame.MaxFrame(2<<20))
	p := make([]byte, size)
	done := make(chan struct{})
	b.ReportAllocs()
	b.SetBytes(int64(frame.HeaderSize + size))
	go func() {
		defer close(done)
		for {
			if _, err := r.Read(); err != nil {
				return
			}
		}
	}()
	for b.Loop() {
		if err := w.Write(p); err != nil {
			b.Fatal(err)
		}
	}
	w.Close()
	<-done
}

func BenchmarkCall64(b *testing.B) {
	a, s := pair(b)
	go frame.Serve(context.Background(), s, pingCodec{}, pingCodec{}, func(_ context.Context, p ping) (ping, error) { return p, nil })
	cl := frame.NewClient[ping, ping](a, pingCodec{}, pingCodec{})
	ctx := context.Background()
	var req ping
	b.ReportAllocs()
	for b.Loop() {
		if _, err := cl.Call(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}
