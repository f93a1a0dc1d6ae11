// Command tableflip-echo is the comparison for upgrades under load: echod's
// line service (each line answered upper-cased) in one process on
// github.com/cloudflare/tableflip, upgraded the tableflip way. On SIGHUP it
// starts its executable again, which inherits the listener; once the new
// process is ready, the old one stops accepting and serves its live
// connections until their clients close them or the drain deadline passes,
// then exits. It cannot be upgraded again until then (tableflip refuses
// while a parent lives). SIGTERM or SIGINT stops it, with the same drain.
//
//	tableflip-echo [-listen ADDR] [-pid-file FILE] [-drain D]
//
// A banner, -ldflags "-X main.version=V", tells builds apart. Each process
// says what it does on stdout, one line each, as
// "tableflip-echo V pid P: WHAT", WHAT being "listening on ADDR", "ready",
// "parent exited", "upgrade failed: ERR" or "exiting, N connections cut
// at the drain deadline". The PID file names the ready process.
package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/cloudflare/tableflip"
)

var version = "dev"

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "the TCP address to listen on (kept across upgrades)")
	pidFile := flag.String("pid-file", "", "the file tableflip writes the ready process's PID to")
	drain := flag.Duration("drain", 30*time.Second, "how long an old process serves its live connections")
	flag.Parse()
	if err := run(*listen, *pidFile, *drain); err != nil {
		say("%v", err)
		os.Exit(1)
	}
}

// say prints a line of the banner; one write each, so that the lines of
// the processes sharing stdout do not mix.
func say(format string, args ...any) {
	fmt.Printf("tableflip-echo %s pid %d: %s\n", version, os.Getpid(), fmt.Sprintf(format, args...))
}

func run(listen, pidFile string, drain time.Duration) error {
	upg, err := tableflip.New(tableflip.Options{PIDFile: pidFile})
	if err != nil {
		return err
	}
	defer upg.Stop()
	go onSignals(upg)
	ln, err := upg.Listen("tcp", listen)
	if err != nil {
		return err
	}
	say("listening on %s", ln.Addr())
	var s server
	go s.serve(ln)
	if err := upg.Ready(); err != nil {
		return err
	}
	say("ready")
	if upg.HasParent() {
		go waitParent(upg)
	}
	<-upg.Exit()
	ln.Close()
	say("exiting, %d connections cut at the drain deadline", s.drain(drain))
	return nil
}

// onSignals upgrades on SIGHUP and stops on SIGTERM or SIGINT.
func onSignals(upg *tableflip.Upgrader) {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGHUP, syscall.SIGTERM, syscall.SIGINT)
	for s := range sig {
		if s != syscall.SIGHUP {
			upg.Stop()
			return
		}
		if err := upg.Upgrade(); err != nil {
			say("upgrade failed: %v", err)
		}
	}
}

func waitParent(upg *tableflip.Upgrader) {
	if err := upg.WaitForParent(context.Background()); err != nil {
		say("parent: %v", err)
		return
	}
	say("parent exited")
}

// server serves each connection it accepts until the client closes it.
type server struct {
	wg sync.WaitGroup
	mu sync.Mutex
	n  int // connections open
}

func (s *server) serve(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		s.add(1)
		s.wg.Go(func() {
			defer s.add(-1)
			echo(c)
		})
	}
}

func (s *server) add(d int) {
	s.mu.Lock()
	s.n += d
	s.mu.Unlock()
}

// drain waits until every connection is closed or d has passed, and
// returns how many are still open.
func (s *server) drain(d time.Duration) int {
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

// echo answers each line upper-cased.
func echo(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadBytes('\n')
		if err != nil {
			return
		}
		if _, err := c.Write(bytes.ToUpper(line)); err != nil {
			return
		}
	}
}
