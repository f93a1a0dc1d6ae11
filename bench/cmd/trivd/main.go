// Command trivd is the smallest daemon: it daemonizes and is ready at once.
// BenchmarkDaemonStart times its starting command, built with cgo (the
// shim) and without (a setsid child and a readiness pipe, the way
// go-daemon-style libraries do it).
package main

import (
	"os"

	"github.com/release-daemon/release/proc"
)

func main() {
	if err := proc.Daemon(); err != nil {
		os.Exit(1)
	}
	proc.Ready()
}
