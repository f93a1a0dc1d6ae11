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
//
// Under systemd (echod.service, echod-notify-reload.service, echod.socket
// beside this file): echod says READY=1 once its workers serve, takes its
// listening socket from systemd when one is passed (socket activation),
// exits 0 after a stop that was asked for (SIGTERM, releasectl stop), and
// exits 78 (EX_CONFIG) on a bad setting or command line, which the units
// name in RestartPreventExitStatus= so that systemd does not restart it.
// Under echod-watchdog.service it feeds systemd's watchdog only while its
// workers are healthy; echod.conf's unhealthy_file makes them unhealthy.
//
// The workers run sandboxed (proc.Worker's Sandbox, "stdio; unveil;
// best-effort"): they use the descriptors they were given and nothing
// else, with no file to open, no socket to make and no program to run;
// echod.conf's sandbox = false turns that off.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
)

// version is the build's, set with -ldflags "-X main.version=..."; status
// shows it, so that an upgrade can be seen.
var version = "dev"

// workerEnv marks echod's own worker processes.
const workerEnv = "ECHOD_WORKER"

// exitConfig is EX_CONFIG from sysexits.h: a bad setting or command line,
// which restarting will not mend.
const exitConfig = 78

func main() {
	if os.Getenv(workerEnv) == "1" {
		os.Exit(runWorker())
	}
	fs := flag.NewFlagSet("echod", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	configPath := fs.String("config", "", "settings file in the Release format (default: built-in defaults)")
	daemon := fs.Bool("d", false, "daemonize: detach, and return once the workers are up")
	fs.Bool("foreground", true, "run in the foreground (the default; -d overrides)")
	if err := fs.Parse(os.Args[1:]); err != nil || fs.NArg() > 0 {
		if err == flag.ErrHelp {
			usage(fs, os.Stdout)
			os.Exit(0)
		}
		if err == nil {
			err = fmt.Errorf("unexpected argument %q", fs.Arg(0))
		}
		failConfig(err)
		usage(fs, os.Stderr)
		os.Exit(exitConfig)
	}
	s, err := loadSettings(*configPath)
	if err != nil {
		failConfig(err)
		os.Exit(exitConfig)
	}
	os.Exit(runMaster(s, *daemon))
}

// failConfig prints a configuration or usage error at error priority:
// the "<3>" prefix is what journald reads (sd-daemon(3)).
func failConfig(err error) {
	fmt.Fprintf(os.Stderr, "<3>echod: %v\n", err)
}

func usage(fs *flag.FlagSet, w io.Writer) {
	fmt.Fprintln(w, "usage: echod [-d] [-config FILE]")
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}
