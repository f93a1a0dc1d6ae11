// Command echod is the example daemon of Release for Go, and the README's
// first command: a privileged master binds a TCP port and hands the
// listening socket to unprivileged worker processes, which echo each line
// back upper-cased and report their counters to the master; the master
// answers control requests (cmd/releasectl) on a unix socket.
//
//	go run ./examples/echod                 # foreground, built-in defaults
//	go run ./examples/echod -d              # daemonize; returns once ready
//	go run ./examples/echod -config examples/echod/echod.conf
//
// Then: nc -N 127.0.0.1 7070, and go run ./cmd/releasectl status.
package main

import (
	"flag"
	"fmt"
	"os"
)

// workerEnv marks echod's own worker processes.
const workerEnv = "ECHOD_WORKER"

func main() {
	if os.Getenv(workerEnv) == "1" {
		os.Exit(runWorker())
	}
	configPath := flag.String("config", "", "settings file in the Release format (default: built-in defaults)")
	daemon := flag.Bool("d", false, "daemonize: detach, and return once the workers are up")
	flag.Bool("foreground", true, "run in the foreground (the default; -d overrides)")
	flag.Parse()
	s, err := loadSettings(*configPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, "echod:", err)
		os.Exit(2)
	}
	os.Exit(runMaster(s, *daemon))
}
