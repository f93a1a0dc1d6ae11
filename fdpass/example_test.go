package fdpass_test

import (
	"bufio"
	"fmt"
	"log"
	"net"
	"os"
	"syscall"

	"github.com/release-daemon/release/fdpass"
)

// A privileged master binds a port and hands the listening socket to a
// worker over their unix socket; the worker serves it unprivileged. Here
// both ends of the socketpair are in one process.
func ExampleSendListener() {
	toWorker, toMaster, err := unixPair()
	if err != nil {
		log.Fatal(err)
	}
	defer toWorker.Close()
	defer toMaster.Close()

	ln, err := net.Listen("tcp", "127.0.0.1:0") // the master binds
	if err != nil {
		log.Fatal(err)
	}
	if err := fdpass.SendListener(toWorker, ln); err != nil {
		log.Fatal(err)
	}
	ln.Close() // the worker has its own copy

	wln, err := fdpass.RecvListener(toMaster) // the worker serves
	if err != nil {
		log.Fatal(err)
	}
	defer wln.Close()
	go func() {
		if conn, err := wln.Accept(); err == nil {
			fmt.Fprintln(conn, "hello from a worker")
			conn.Close()
		}
	}()
	conn, err := net.Dial("tcp", wln.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	line, _ := bufio.NewReader(conn).ReadString('\n')
	fmt.Print(line)
	// Output: hello from a worker
}

// unixPair returns the two ends of a connected unix socketpair, as a
// master and its worker hold them.
func unixPair() (*net.UnixConn, *net.UnixConn, error) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, err
	}
	var ends [2]*net.UnixConn
	for i, fd := range fds {
		f := os.NewFile(uintptr(fd), "socketpair")
		c, err := net.FileConn(f)
		f.Close()
		if err != nil {
			return nil, nil, err
		}
		ends[i] = c.(*net.UnixConn)
	}
	return ends[0], ends[1], nil
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
