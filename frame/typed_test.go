package frame_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/release-daemon/release/frame"
)

func upper(_ context.Context, s string) (string, error) { return strings.ToUpper(s), nil }

// serving starts Serve on one end of a pair and returns a Client on the
// other, and Serve's result.
func serving(t *testing.T, handle func(context.Context, string) (string, error), opts ...frame.ServeOption) (*frame.Client[string, string], <-chan error) {
	t.Helper()
	a, b := pair(t)
	done := make(chan error, 1)
	go func() { done <- frame.Serve(t.Context(), b, frame.String{}, frame.String{}, handle, opts...) }()
	return frame.NewClient[string, string](a, frame.String{}, frame.String{}), done
}

func TestCallAndServe(t *testing.T) {
	cl, done := serving(t, upper)
	for _, s := range []string{"hello", "", "wire"} {
		got, err := cl.Call(t.Context(), s)
		if err != nil || got != strings.ToUpper(s) {
			t.Fatalf("Call(%q) = %q, %v", s, got, err)
		}
	}
	cl.Close()
	if err := <-done; err != nil {
		t.Fatalf("Serve after the client closed: %v, want nil", err)
	}
}

// TestPipelinedCallers: 64 goroutines call at once; each gets its own
// answer.
func TestPipelinedCallers(t *testing.T) {
	cl, _ := serving(t, upper)
	var wg sync.WaitGroup
	for g := range 64 {
		wg.Go(func() {
			for i := range 200 {
				req := fmt.Sprintf("caller %d call %d", g, i)
				got, err := cl.Call(context.Background(), req)
				if err != nil || got != strings.ToUpper(req) {
					t.Errorf("Call(%q) = %q, %v", req, got, err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestCallCanceled(t *testing.T) {
	release := make(chan struct{})
	cl, _ := serving(t, func(ctx context.Context, s string) (string, error) {
		if s == "slow" {
			<-release
		}
		return s, nil
	})
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if _, err := cl.Call(ctx, "slow"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Call past its deadline: %v", err)
	}
	close(release)
	// The late answer to "slow" is dropped, not given to the next caller.
	if got, err := cl.Call(t.Context(), "next"); err != nil || got != "next" {
		t.Fatalf("the call after a canceled one got %q, %v", got, err)
	}
}

func TestServeStopsOnHandlerTrouble(t *testing.T) {
	for name, handle := range map[string]func(context.Context, string) (string, error){
		"error": func(context.Context, string) (string, error) { return "", errors.New("no such thing") },
		"panic": func(context.Context, string) (string, error) { panic("bad request") },
	} {
		t.Run(name, func(t *testing.T) {
			cl, done := serving(t, handle)
			_, err := cl.Call(t.Context(), "x")
			if !errors.Is(err, frame.ErrClientClosed) {
				t.Errorf("the caller got %v, want ErrClientClosed", err)
			}
			if err := <-done; err == nil || !strings.Contains(err.Error(), "handler") {
				t.Errorf("Serve returned %v, want the handler's trouble", err)
			}
		})
	}
}

func TestServeRejectsUndecodable(t *testing.T) {
	a, b := pair(t)
	done := make(chan error, 1)
	go func() {
		done <- frame.Serve(t.Context(), b, frame.JSON[int]{}, frame.JSON[int]{}, func(_ context.Context, n int) (int, error) { return n, nil })
	}()
	a.Write([]byte("not json"))
	if err := <-done; err == nil || !strings.Contains(err.Error(), "decoding a request") {
		t.Fatalf("Serve of garbage returned %v", err)
	}
	if _, err := a.Read(); err != io.EOF {
		t.Fatalf("the connection was not closed: %v", err)
	}
}

func TestServeEOFError(t *testing.T) {
	a, b := pair(t)
	a.Close()
	err := frame.Serve(t.Context(), b, frame.String{}, frame.String{}, upper, frame.EOFError)
	if err != io.EOF {
		t.Fatalf("Serve with EOFError: %v, want io.EOF", err)
	}
}

func TestServeContext(t *testing.T) {
	_, b := pair(t)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- frame.Serve(ctx, b, frame.String{}, frame.String{}, upper) }()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Serve after cancel: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not stop when its context was canceled")
	}
}

func TestCodecs(t *testing.T) {
	type point struct{ X, Y int }
	check := func(name string, got, want any, err error) {
		if err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: %v, %v; want %v", name, got, err, want)
		}
	}
	b, _ := frame.JSON[point]{}.Append(nil, point{1, 2})
	p, err := frame.JSON[point]{}.Decode(b)
	check("JSON", p, point{1, 2}, err)
	b, _ = frame.Gob[point]{}.Append(nil, point{3, 4})
	p, err = frame.Gob[point]{}.Decode(b)
	check("Gob", p, point{3, 4}, err)
	raw := []byte("view")
	cp, err := frame.Bytes{}.Decode(raw)
	raw[0] = 'X'
	check("Bytes copies", string(cp), "view", err)
	if _, err := (frame.Gob[point]{}).Decode([]byte{0xff, 1, 2}); err == nil {
		t.Error("Gob decoded garbage")
	}
}

// TestInteropPython: a python3 peer speaks the wire to a Go Serve.
func TestInteropPython(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed: the interop test needs it")
	}
	a, b := unixPair(t)
	f, err := a.File()
	a.Close()
	if err != nil {
		t.Fatal(err)
	}
	go frame.Serve(t.Context(), frame.New(b), frame.String{}, frame.String{}, upper)
	cmd := exec.Command(py, "testdata/peer.py", "hello", "from", "python")
	cmd.ExtraFiles = []*os.File{f}
	out, err := cmd.Output()
	f.Close()
	if err != nil || string(out) != "HELLO\nFROM\nPYTHON\n" {
		t.Fatalf("python peer: %q, %v", out, err)
	}
}
