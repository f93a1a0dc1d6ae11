package proc_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"

	"github.com/release-daemon/release/frame"
	"github.com/release-daemon/release/proc"
)

// sumRequest and sumResponse are what the master and its workers say to
// each other, as JSON in frames.
type sumRequest struct{ Numbers []int }
type sumResponse struct{ Sum int }

// One program that is both the master and its workers, as most daemons
// are: started by hand (or by systemd) it is the master, which starts
// itself again twice as a worker, as nobody when it is root, and asks each
// worker to add numbers up.
func ExampleIsWorker() {
	ctx := context.Background()
	if proc.IsWorker() { // started by the Master below
		if err := sumWorker(ctx, proc.MeOptions{}); err != nil {
			log.Fatal(err)
		}
		return
	}
	exe, err := os.Executable() // this very program
	if err != nil {
		log.Fatal(err)
	}
	w := proc.Worker{Name: "summer", Path: exe, Count: 2}
	if os.Geteuid() == 0 {
		w.User = "nobody"
	}
	if err := sumMaster(ctx, w, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// sumWorker is the worker's side: it answers the master's requests until
// the master stops it.
func sumWorker(ctx context.Context, opts proc.MeOptions) error {
	return proc.Me(ctx, opts, func(ctx context.Context, c *frame.Conn) error {
		proc.Ready() // nothing to set up: ready to serve at once
		return frame.Serve(ctx, c, frame.JSON[sumRequest]{}, frame.JSON[sumResponse]{},
			func(_ context.Context, req sumRequest) (sumResponse, error) {
				var resp sumResponse
				for _, n := range req.Numbers {
					resp.Sum += n
				}
				return resp, nil
			})
	})
}

// sumMaster runs w's workers, asks each of them once, prints the answers to
// out, and stops them all.
func sumMaster(ctx context.Context, w proc.Worker, out io.Writer) error {
	answers := make(chan int)
	w.Handler = func(ctx context.Context, p proc.Peer) error {
		cl := frame.NewClient(p.Conn, frame.JSON[sumRequest]{}, frame.JSON[sumResponse]{})
		resp, err := cl.Call(ctx, sumRequest{Numbers: []int{1, 2, 3, 4}})
		if err != nil {
			return err
		}
		select {
		case answers <- resp.Sum:
		case <-ctx.Done():
		}
		<-ctx.Done() // the worker stays up until the Master stops
		return nil
	}
	m := &proc.Master{Workers: []proc.Worker{w},
		Main: func(ctx context.Context, _ func() []proc.Peer) error {
			for range w.Count {
				select {
				case sum := <-answers:
					fmt.Fprintln(out, "a worker says 1+2+3+4 =", sum)
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			return nil // Run stops the workers and returns
		}}
	return m.Run(ctx)
}
