// Command setsidd daemonizes the way go-daemon-style libraries do, for
// BenchmarkDaemonStart to compare with proc.Daemon: the parent starts itself
// again as one child in a new session with a readiness pipe as fd 3, and
// exits when the child writes to it. It links package proc without using
// it, so that both programs pay the same start-up (package initialisation,
// binary size, cgo) and only the way they daemonize differs.
package main

import (
	"io"
	"os"
	"syscall"

	_ "github.com/release-daemon/release/proc" // the same start-up as cmd/trivd
)

func main() {
	if os.Getenv("SETSIDD_CHILD") == "1" {
		ready := os.NewFile(3, "ready")
		ready.Write([]byte("R"))
		ready.Close()
		return
	}
	r, w, err := os.Pipe()
	if err != nil {
		os.Exit(1)
	}
	null, _ := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	_, err = os.StartProcess("/proc/self/exe", os.Args, &os.ProcAttr{
		Dir: "/", Env: append(os.Environ(), "SETSIDD_CHILD=1"),
		Files: []*os.File{null, null, null, w}, Sys: &syscall.SysProcAttr{Setsid: true},
	})
	w.Close()
	if err != nil {
		os.Exit(1)
	}
	if b, _ := io.ReadAll(r); string(b) != "R" {
		os.Exit(1)
	}
}
