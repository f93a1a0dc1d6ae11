package fdpass_test

import (
	"fmt"
	"log"
	"net"

	"github.com/release-daemon/release/fdpass"
)

// A privileged master binds a port and hands the listening socket to a
// worker over their unix socket; the worker serves it unprivileged.
func ExampleSendListener() {
	var toWorker *net.UnixConn // the master's end of the worker's socketpair
	ln, err := net.Listen("tcp", ":80")
	if err != nil {
		log.Fatal(err)
	}
	if err := fdpass.SendListener(toWorker, ln); err != nil {
		log.Fatal(err)
	}
	ln.Close() // the worker has its own copy
}

func ExampleRecvListener() {
	var toMaster *net.UnixConn // the worker's end, from its fd 3
	ln, err := fdpass.RecvListener(toMaster)
	if err != nil {
		log.Fatal(err)
	}
	for {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		go func() { fmt.Fprintln(conn, "hello from a worker"); conn.Close() }()
	}
}

func ExampleAppendRights() {
	oob := fdpass.AppendRights(nil, 5, 6)
	fds, err := fdpass.ParseRights(oob, nil, 2)
	fmt.Println(len(oob) == fdpass.RightsSpace(2), fds, err)
	_, err = fdpass.ParseRights(oob, nil, 1)
	fmt.Println(err)
	// Output:
	// true [5 6] <nil>
	// fdpass: files in the message were truncated
}
