// Command releasectl is a small control client for daemons built with
// Release for Go: it speaks the control wire (a 4-byte big-endian length,
// then one JSON request; one JSON response back) on a unix socket.
//
//	releasectl [-socket PATH] [-json] status
//	releasectl [-socket PATH] [-timeout D] reload
//	releasectl [-socket PATH] [-timeout D] upgrade
//	releasectl [-socket PATH] broadcast MESSAGE
//	releasectl [-socket PATH] stop
//
// Flags may also follow the command (releasectl status -json). A reload
// answers once the daemon's new workers serve, so that it can be systemd's
// ExecReload=. An upgrade replaces the daemon's master and workers with
// the executable now on disk, keeping the master's PID and every client
// connection: releasectl waits for the outcome (the new workers serve, or
// the old ones serve on and why), prints it, and exits 0 only when the
// upgrade succeeded. Without a command, releasectl prints its usage and
// exits 2.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/release-daemon/release/frame"
	"github.com/release-daemon/release/internal/ctlwire"
)

func main() {
	fs := flag.NewFlagSet("releasectl", flag.ContinueOnError)
	socket := fs.String("socket", "/tmp/echod.sock", "the daemon's control socket")
	asJSON := fs.Bool("json", false, "print the response as JSON")
	timeout := fs.Duration("timeout", 5*time.Second, "give up after this long (a reload answers once the new workers serve; an upgrade waits at least 2m)")
	fs.SetOutput(io.Discard)
	args, err := parseArgs(fs, os.Args[1:])
	switch {
	case errors.Is(err, flag.ErrHelp):
		usage(fs, os.Stdout)
		os.Exit(0)
	case err == nil && len(args) == 0:
		usage(fs, os.Stderr)
		os.Exit(2)
	}
	var req ctlwire.Request
	if err == nil {
		req, err = request(args)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "releasectl:", err)
		usage(fs, os.Stderr)
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	if req.Cmd == "upgrade" {
		os.Exit(upgrade(ctx, *socket, os.Stdout, *asJSON))
	}
	resp, err := call(ctx, *socket, req)
	if err != nil {
		fmt.Fprintln(os.Stderr, "releasectl:", err)
		os.Exit(1)
	}
	os.Exit(show(os.Stdout, req, resp, *asJSON))
}

// parseArgs parses flags before, between and after the command's words
// (`releasectl status -json` as `releasectl -json status`); after "--"
// every argument is a word.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var words []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return words, nil
		}
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			return append(words, rest...), nil
		}
		words, args = append(words, rest[0]), rest[1:]
	}
}

func usage(fs *flag.FlagSet, w io.Writer) {
	fmt.Fprintln(w, "usage: releasectl [-socket PATH] [-json] [-timeout D] status | reload | upgrade | broadcast MESSAGE | stop")
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}

// request builds the request from the command line.
func request(args []string) (ctlwire.Request, error) {
	switch {
	case len(args) == 1 && (args[0] == "status" || args[0] == "reload" || args[0] == "upgrade" || args[0] == "stop"):
		return ctlwire.Request{Cmd: args[0]}, nil
	case len(args) >= 2 && args[0] == "broadcast":
		return ctlwire.Request{Cmd: "broadcast", Arg: strings.Join(args[1:], " ")}, nil
	}
	return ctlwire.Request{}, fmt.Errorf("unknown command %q", strings.Join(args, " "))
}

// call sends one request and reads its response, with errors that say
// what went wrong in the daemon's terms.
func call(ctx context.Context, socket string, req ctlwire.Request) (ctlwire.Response, error) {
	var d net.Dialer
	nc, err := d.DialContext(ctx, "unix", socket)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return ctlwire.Response{}, fmt.Errorf("no control socket at %s: is the daemon running?", socket)
	case errors.Is(err, syscall.ECONNREFUSED):
		return ctlwire.Response{}, fmt.Errorf("%s: nothing is listening (a daemon that died?)", socket)
	case errors.Is(err, os.ErrPermission):
		return ctlwire.Response{}, fmt.Errorf("%s: permission denied (the socket is for its owner only)", socket)
	case err != nil:
		return ctlwire.Response{}, err
	}
	c := frame.New(nc)
	defer c.Close()
	cl := frame.NewClient[ctlwire.Request, ctlwire.Response](c, ctlwire.RequestCodec{}, ctlwire.ResponseCodec{})
	resp, err := cl.Call(ctx, req)
	if errors.Is(err, io.EOF) {
		return resp, errors.New("the daemon closed the connection without answering: this user may not be allowed")
	}
	return resp, err
}

// show prints the response and returns the exit code.
func show(w io.Writer, req ctlwire.Request, resp ctlwire.Response, asJSON bool) int {
	if asJSON {
		json.NewEncoder(w).Encode(resp)
	}
	if !resp.OK {
		if !asJSON {
			fmt.Fprintln(os.Stderr, "releasectl:", resp.Error)
		}
		return 1
	}
	if asJSON {
		return 0
	}
	switch req.Cmd {
	case "status":
		var s ctlwire.Status
		json.Unmarshal(resp.Data, &s)
		fmt.Fprintf(w, "master %d, up %s, %d requests, %d restarts\n", s.PID, s.Uptime, s.Requests, s.Restarts)
		for _, wk := range s.Workers {
			line := fmt.Sprintf("  slot %d: %s for %s", wk.Slot, wk.State, wk.Age)
			if wk.PID != 0 {
				line += fmt.Sprintf(", worker %d", wk.PID)
			}
			if wk.State == "ready" && !wk.Healthy {
				line += ", unhealthy"
			}
			line += fmt.Sprintf(", %d requests", wk.Requests)
			if wk.Reason != "" && wk.State != "ready" {
				line += " (" + wk.Reason + ")"
			}
			fmt.Fprintln(w, line)
		}
	case "broadcast":
		fmt.Fprintf(w, "ok: %s\n", resp.Data)
	default:
		fmt.Fprintln(w, "ok")
	}
	return 0
}
