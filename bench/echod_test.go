package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// BenchmarkEchod is the load test: 32 concurrent clients each send
// 10,000 lines over loopback and check every reply. impl=release is
// examples/echod (a master and 2 worker processes); impl=plain is a
// single-process Go server doing the same work. lines/s is the figure; a
// lost or wrong reply fails the benchmark.
func BenchmarkEchod(b *testing.B) {
	const clients, lines = 32, 10_000
	b.Run("impl=release", func(b *testing.B) {
		addr := startEchod(b)
		loadLoop(b, addr, clients, lines)
	})
	b.Run("impl=plain", func(b *testing.B) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		defer ln.Close()
		go plainEchoServer(ln)
		loadLoop(b, ln.Addr().String(), clients, lines)
	})
}

func loadLoop(b *testing.B, addr string, clients, lines int) {
	for b.Loop() {
		if err := load(addr, clients, lines); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*clients*lines)/b.Elapsed().Seconds(), "lines/s")
}

// load runs the clients at once and checks every reply.
func load(addr string, clients, lines int) error {
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for c := range clients {
		wg.Go(func() { errs <- client(addr, c, lines) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// client sends lines and reads the replies concurrently, comparing each.
func client(addr string, id, lines int) error {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	go func() {
		w := bufio.NewWriter(conn)
		for i := range lines {
			fmt.Fprintf(w, "client %d line %d\n", id, i)
		}
		w.Flush()
	}()
	r := bufio.NewReader(conn)
	for i := range lines {
		got, err := r.ReadString('\n')
		if err != nil {
			return fmt.Errorf("client %d: reply %d: %w", id, i, err)
		}
		if want := fmt.Sprintf("CLIENT %d LINE %d\n", id, i); got != want {
			return fmt.Errorf("client %d: reply %d is %q, want %q", id, i, got, want)
		}
	}
	return nil
}

// plainEchoServer is the single-process comparison: the same protocol.
func plainEchoServer(ln net.Listener) {
	for {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer conn.Close()
			sc := bufio.NewScanner(conn)
			for sc.Scan() {
				if _, err := conn.Write(append(bytes.ToUpper(sc.Bytes()), '\n')); err != nil {
					return
				}
			}
		}()
	}
}

// startEchod builds and starts examples/echod on a free port with 2
// workers, and the extra echod.conf lines, and returns its address; it is
// stopped when the benchmark ends.
func startEchod(b *testing.B, extra ...string) string {
	dir, err := os.MkdirTemp("", "be")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { os.RemoveAll(dir) })
	bin := filepath.Join(dir, "echod")
	if out, err := exec.Command("go", "build", "-o", bin, "../examples/echod").CombinedOutput(); err != nil {
		b.Fatalf("go build echod: %v\n%s", err, out)
	}
	conf := filepath.Join(dir, "echod.conf")
	os.WriteFile(conf, []byte(`listen = "127.0.0.1:0" workers = 2 log_level = warning control = "`+
		filepath.Join(dir, "ctl")+`" lock = "`+filepath.Join(dir, "pid")+`"`+"\n"+strings.Join(extra, "\n")), 0o644)
	cmd := exec.Command(bin, "-config", conf)
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cmd.Process.Signal(os.Interrupt); cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	_, rest, ok := strings.Cut(line, "listening on ")
	if err != nil || !ok {
		b.Fatalf("echod said %q, %v", line, err)
	}
	go io.Copy(io.Discard, out)
	addr, _, _ := strings.Cut(rest, " ")
	return addr
}
