package proc

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/release-daemon/release/frame"
)

// BenchmarkSandboxRoundTrip is a frame's round trip to a worker that
// upper-cases it, without a sandbox and under "stdio", in the same run:
// what the filter costs a worker that does I/O on its connection.
func BenchmarkSandboxRoundTrip(b *testing.B) {
	for _, spec := range []string{"", "stdio", "stdio; unveil"} {
		name := spec
		if name == "" {
			name = "none"
		}
		b.Run(name, func(b *testing.B) { benchRoundTrip(b, spec) })
	}
}

func benchRoundTrip(b *testing.B, spec string) {
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	conns := make(chan *frame.Conn, 1)
	w := Worker{Name: "upper", Path: exe, Args: []string{"-test.run=^$"}, Sandbox: spec,
		Env: []string{helperEnv + "=worker-upper", "GORACE=atexit_sleep_ms=0"},
		Handler: func(ctx context.Context, p Peer) error {
			conns <- p.Conn
			<-ctx.Done()
			return nil
		}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- (&Master{Workers: []Worker{w}, Logger: quietLogger(), StopGrace: time.Second}).Run(ctx)
	}()
	defer func() { cancel(); <-done }()
	var c *frame.Conn
	select {
	case c = <-conns:
	case err := <-done:
		b.Fatalf("Run: %v", err)
	case <-time.After(20 * time.Second):
		b.Fatal("no worker within 20 s")
	}
	msg := []byte("hello, sandbox")
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Write(msg); err != nil {
			b.Fatal(err)
		}
		if _, err := c.Read(); err != nil {
			b.Fatal(err)
		}
	}
}
