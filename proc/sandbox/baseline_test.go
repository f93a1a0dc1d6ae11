package sandbox

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// exercises are what a Go program's runtime does on its own while a
// worker runs; helperRuntime runs each under the baseline and stdio.
var exercises = []struct {
	name string
	run  func() error
}{
	{"goroutines and channels", exerciseGoroutines},
	{"allocation, GC, returning memory", exerciseGC},
	{"new threads", exerciseThreads},
	{"timers, tickers, contexts", exerciseTimers},
	{"netpoller on a socketpair", exerciseNetpoll},
	{"signals", exerciseSignals},
	{"preemption of a busy loop", exercisePreemption},
	{"GOMAXPROCS changes", exerciseGOMAXPROCS},
	{"CPU profiler", exerciseProfiler},
	{"crypto/rand", func() error { _, err := rand.Read(make([]byte, 64)); return err }},
	{"sysmon's GOMAXPROCS update (1.2 s)", func() error { time.Sleep(1200 * time.Millisecond); return nil }},
}

// helperRuntime applies the spec (the baseline and stdio, action kill)
// and runs the exercises: a call the baseline lacks kills it.
func helperRuntime() int {
	applyFromEnv()
	for _, e := range exercises {
		if err := e.run(); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", e.name, err)
			return 1
		}
		fmt.Fprintf(os.Stdout, "ok %s\n", e.name)
	}
	return 0
}

func exerciseGoroutines() error {
	var wg sync.WaitGroup
	ch := make(chan int)
	for i := range 200 {
		wg.Go(func() { ch <- i })
	}
	sum := 0
	for range 200 {
		sum += <-ch
	}
	wg.Wait()
	if sum != 199*200/2 {
		return fmt.Errorf("sum %d", sum)
	}
	return nil
}

var sink [][]byte

func exerciseGC() error {
	for i := range 64 {
		sink = append(sink, make([]byte, 1<<20))
		if i%16 == 15 {
			sink = nil
			runtime.GC()
		}
	}
	big := make([]byte, 64<<20) // a large span, mapped fresh
	big[len(big)-1] = 1
	sink = nil
	debug.FreeOSMemory()
	return nil
}

func exerciseThreads() error {
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			runtime.LockOSThread() // not unlocked: the thread exits too
			time.Sleep(10 * time.Millisecond)
		})
	}
	wg.Wait()
	return nil
}

func exerciseTimers() error {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	tk := time.NewTicker(2 * time.Millisecond)
	defer tk.Stop()
	fired := make(chan struct{})
	time.AfterFunc(time.Millisecond, func() { close(fired) })
	for n := 0; n < 3; n++ {
		<-tk.C
	}
	<-fired
	<-ctx.Done()
	return nil
}

func exerciseNetpoll() error {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	conns := make([]net.Conn, 2)
	for i, fd := range fds {
		f := os.NewFile(uintptr(fd), "pair")
		conns[i], err = net.FileConn(f)
		f.Close()
		if err != nil {
			return err
		}
		defer conns[i].Close()
	}
	conns[1].SetReadDeadline(time.Now().Add(10 * time.Millisecond))
	if _, err := conns[1].Read(make([]byte, 1)); !os.IsTimeout(err) {
		return fmt.Errorf("read past deadline: %v", err)
	}
	conns[1].SetReadDeadline(time.Now().Add(10 * time.Second))
	go conns[0].Write([]byte("ping"))
	buf := make([]byte, 4)
	if _, err := io.ReadFull(conns[1], buf); err != nil || string(buf) != "ping" {
		return fmt.Errorf("read %q: %v", buf, err)
	}
	return nil
}

func exerciseSignals() error {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGUSR1)
	defer signal.Stop(ch)
	if err := syscall.Kill(os.Getpid(), syscall.SIGUSR1); err != nil {
		return err
	}
	select {
	case <-ch:
		return nil
	case <-time.After(10 * time.Second):
		return fmt.Errorf("no SIGUSR1")
	}
}

func exercisePreemption() error {
	stop := make(chan struct{})
	done := make(chan int)
	go func() {
		n := 0
		for { // no function calls: only an async preemption (tgkill SIGURG) stops it
			select {
			case <-stop:
				done <- n
				return
			default:
				n++
			}
		}
	}()
	runtime.GC() // stops the world: must preempt the loop
	time.Sleep(5 * time.Millisecond)
	close(stop)
	<-done
	return nil
}

func exerciseGOMAXPROCS() error {
	n := runtime.GOMAXPROCS(1)
	runtime.GOMAXPROCS(n)
	return nil
}

// exerciseProfiler runs the runtime's CPU profiler, its per-thread
// timers and SIGPROF, for 30 ms. (runtime/pprof's writer is not the
// runtime: it reads /proc/self/maps, which needs rpath.)
func exerciseProfiler() error {
	runtime.SetCPUProfileRate(500)
	end := time.Now().Add(30 * time.Millisecond)
	for time.Now().Before(end) {
	}
	runtime.SetCPUProfileRate(0)
	return nil
}

// TestBaselineRunsTheRuntime runs the exercises in a child under the
// baseline and stdio with action kill: any system call the Go runtime
// (and, in a cgo build, the C library's threads) makes that the baseline
// lacks kills the child with SIGSYS. It fails when a new Go release needs
// something new; the failure shows the same run under action trap, whose
// traceback names the call's caller.
func TestBaselineRunsTheRuntime(t *testing.T) {
	r := runHelper(t, "runtime", "stdio; action kill")
	if !r.status.Exited() || r.status.ExitStatus() != 0 {
		trap := runHelper(t, "runtime", "stdio; action trap")
		t.Fatalf("under the baseline and stdio: %v (stdout %q)\nunder action trap: %v", r, r.out, trap)
	}
	t.Logf("%d exercises passed under the baseline and stdio with action kill (%s, cgo %v)",
		len(exercises), runtime.Version(), cgoBuild)
}
