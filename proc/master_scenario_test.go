package proc

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/release-daemon/release/frame"
)

func init() {
	helpers["worker-asker"] = helperWorkerAsker
}

// helperWorkerAsker asks the master a question and says what it answered,
// then waits for the master to close.
func helperWorkerAsker() int {
	Me(context.Background(), MeOptions{AllowRoot: true, Logger: quietLogger()}, func(ctx context.Context, c *frame.Conn) error {
		Ready()
		cl := frame.NewClient[string, string](c, frame.String{}, frame.String{})
		answer, err := cl.Call(ctx, "what is the answer?")
		if err != nil {
			return err
		}
		if err := cl.Send("heard: " + answer); err != nil {
			return err
		}
		_, err = c.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		return err
	})
	return 0
}

// TestOriginalScenario is the original's own demo (test/master.ml,
// slave.ml, masterctl.ml): a master with two kinds of worker answers a
// worker's request, answers a control client, and delivers the control
// client's broadcast to every worker of a kind.
func TestOriginalScenario(t *testing.T) {
	dir, _ := os.MkdirTemp("", "sc")
	defer os.RemoveAll(dir)
	ctl := filepath.Join(dir, "ctl")
	echoes, heard := make(chan string, 8), make(chan string, 1)
	up := sync.WaitGroup{}
	up.Add(3)
	upper := testWorker(t, "worker-upper", 2, func(ctx context.Context, p Peer) error {
		up.Done()
		for {
			b, err := p.Conn.Read()
			if err != nil {
				return nil
			}
			echoes <- strconv.Itoa(p.PID) + " " + string(b)
		}
	})
	asker := testWorker(t, "worker-asker", 1, func(ctx context.Context, p Peer) error {
		up.Done()
		q, err := p.Conn.ReadCopy()
		if err != nil || string(q) != "what is the answer?" {
			return err
		}
		p.Conn.Write([]byte("42"))
		h, err := p.Conn.ReadCopy()
		heard <- string(h)
		<-ctx.Done()
		return err
	})
	var peers atomic.Pointer[func() []Peer]
	ready := make(chan struct{})
	m := &Master{Workers: []Worker{upper, asker}, Logger: quietLogger(),
		Main: func(ctx context.Context, live func() []Peer) error {
			peers.Store(&live)
			close(ready)
			<-ctx.Done()
			return nil
		},
		Control: Control{Path: ctl, Handler: func(ctx context.Context, _ ControlPeer, req []byte) ([]byte, error) {
			msg, ok := bytes.CutPrefix(req, []byte("broadcast "))
			if !ok {
				return []byte("unknown command"), nil
			}
			n := 0
			for _, p := range (*peers.Load())() {
				if p.Worker == "worker-upper" && p.Conn.Write(msg) == nil {
					n++
				}
			}
			return []byte("sent to " + strconv.Itoa(n)), nil
		}}}
	stop, _ := runMaster(t, m)
	defer stop()
	up.Wait()
	<-ready
	select {
	case h := <-heard:
		if h != "heard: 42" {
			t.Fatalf("the asking worker heard %q", h)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the asking worker got no answer")
	}
	nc, err := net.Dial("unix", ctl)
	if err != nil {
		t.Fatal(err)
	}
	c := frame.New(nc)
	defer c.Close()
	c.Write([]byte("broadcast hello"))
	if got, err := c.Read(); err != nil || string(got) != "sent to 2" {
		t.Fatalf("the control client got %q, %v", got, err)
	}
	from := map[string]bool{}
	for range 2 {
		select {
		case e := <-echoes:
			pid, msg, _ := bytes.Cut([]byte(e), []byte(" "))
			if string(msg) != "HELLO" {
				t.Fatalf("a worker echoed %q", msg)
			}
			from[string(pid)] = true
		case <-time.After(20 * time.Second):
			t.Fatal("the broadcast did not reach both workers")
		}
	}
	if len(from) != 2 {
		t.Fatalf("the echoes came from %v, want two workers", from)
	}
}
