package bench

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"testing"

	"github.com/release-daemon/release/internal/loadgen"
)

// What BenchmarkUpgrade runs beside the servers: the load, and the
// servers' output lines to wait on.

// loadRun is loadgen running in the background.
type loadRun struct {
	cancel context.CancelFunc
	done   chan loadgen.Result
	once   sync.Once
	result loadgen.Result
}

func startLoad(ctx context.Context, addr string) *loadRun {
	ctx, cancel := context.WithCancel(ctx)
	l := &loadRun{cancel: cancel, done: make(chan loadgen.Result, 1)}
	go func() {
		r, _ := loadgen.Run(ctx, loadgen.Config{Addr: addr})
		l.done <- r
	}()
	return l
}

// stop ends the load, waits for its result and returns it; again, it
// returns the same.
func (l *loadRun) stop() loadgen.Result {
	l.once.Do(func() {
		l.cancel()
		l.result = <-l.done
	})
	return l.result
}

// lineLog collects a process's output lines for waiters.
type lineLog struct {
	mu      sync.Mutex
	lines   []string
	eof     bool
	changed chan struct{}
}

func readLines(f *os.File) *lineLog {
	l := &lineLog{changed: make(chan struct{}, 1)}
	go func() {
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			l.update(func() { l.lines = append(l.lines, sc.Text()) })
		}
		l.update(func() { l.eof = true })
	}()
	return l
}

func (l *lineLog) update(f func()) {
	l.mu.Lock()
	f()
	l.mu.Unlock()
	select {
	case l.changed <- struct{}{}:
	default:
	}
}

// mark is where the next line will be, for wait.
func (l *lineLog) mark() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.lines)
}

// wait returns the first line from the from-th on that match accepts,
// waiting for it until ctx ends or the output does.
func (l *lineLog) wait(ctx context.Context, from int, match func(line string) bool) (string, error) {
	for {
		l.mu.Lock()
		lines, eof := l.lines, l.eof
		l.mu.Unlock()
		for _, line := range lines[from:] {
			if match(line) {
				return line, nil
			}
		}
		if eof {
			return "", fmt.Errorf("the output ended: %q", lines[max(0, len(lines)-6):])
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("%w; output: %q", ctx.Err(), lines[max(0, len(lines)-6):])
		case <-l.changed:
		}
	}
}

// startProcess starts bin with its stdout and stderr on a pipe it reads.
func startProcess(b *testing.B, bin string, args ...string) (*exec.Cmd, *lineLog, chan error) {
	r, w, err := os.Pipe()
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = w, w
	err = cmd.Start()
	w.Close()
	if err != nil {
		r.Close()
		b.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	return cmd, readLines(r), exited
}
