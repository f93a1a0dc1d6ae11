package proc

import (
	"fmt"
	"net"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// Listener is a socket a Master opens once and hands to its workers by
// name (see [Master].Listeners and [Worker].Listeners): a listening TCP
// or unix stream socket, or a bound UDP or unix datagram one. Its workers
// take it with [Listen] or [ListenPacket]. Made by [Bind], it comes from
// a previous image of the same master across an upgrade, from systemd's
// socket activation when the service manager passed one of that name, or
// else from binding the address: a program calls Bind the same way in
// all three cases, and clients never see the socket close.
type Listener struct {
	name    string
	network string
	file    *os.File // close-on-exec; the master's copy
	addr    net.Addr
	source  string // "bound", "systemd" or "upgrade"
	unlink  string // a unix socket path Bind created, removed by Close
}

// Name is the name workers ask for it by.
func (l *Listener) Name() string { return l.name }

// Network is the network it was bound on ("tcp", "udp", "unix", ...).
func (l *Listener) Network() string { return l.network }

// Addr is the address the socket is bound to: with port 0, the port the
// kernel chose.
func (l *Listener) Addr() net.Addr { return l.addr }

// Source says where the socket came from: "bound" (Bind bound it),
// "systemd" (socket activation) or "upgrade" (the master's previous
// image held it); "check" in the rehearsal of an upgrade, which has no
// socket.
func (l *Listener) Source() string { return l.source }

// File is the master's descriptor of the socket (close-on-exec). It stays
// the Listener's: do not close it.
func (l *Listener) File() *os.File { return l.file }

// Close closes the master's descriptor, and removes a unix socket's path
// that Bind created. Workers keep the copies they have.
func (l *Listener) Close() error {
	if l.file == nil {
		return nil
	}
	if l.unlink != "" {
		os.Remove(l.unlink)
	}
	return l.file.Close()
}

// Bind opens the listener called name on network ("tcp", "tcp4",
// "tcp6", "unix", "unixpacket" for stream sockets that listen; "udp",
// "udp4", "udp6", "unixgram" for datagram sockets) and address addr, as
// [net.Listen] and [net.ListenPacket] take them. In order, it takes:
//
//   - the socket of that name a previous image of this master held, when
//     the process is a master re-executed by an upgrade;
//   - the socket of that name systemd passed (LISTEN_FDS, with
//     FileDescriptorName= in the socket unit; the name with ".socket"
//     appended matches too, systemd's default), or, when systemd passed
//     exactly one socket, that one whatever its name: addr is then
//     ignored, and the socket must be of the network's type;
//   - else a new socket bound to addr. A unix stream socket's stale file
//     (no one accepts on it) is replaced; a unix socket's file is removed
//     again by Close.
//
// A name is 1 to 64 letters, digits, '_', '-' or '.'.
func Bind(name, network, addr string) (*Listener, error) {
	if err := checkListenerName(name); err != nil {
		return nil, err
	}
	kind, err := socketKind(network)
	if err != nil {
		return nil, err
	}
	if checking() { // the rehearsal of an upgrade: the running master holds the sockets
		return checkListener(name, network, addr), nil
	}
	if f, source := inheritedListener(name); f != nil {
		return adoptListener(name, network, kind, f, source)
	}
	return bindListener(name, network, kind, addr)
}

// checkListenerName refuses names that could not cross the environment.
func checkListenerName(name string) error {
	ok := name != "" && len(name) <= 64
	for _, c := range name {
		ok = ok && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("_-.", c))
	}
	if !ok {
		return fmt.Errorf("%w: bad name %q (1 to 64 letters, digits, '_', '-', '.')", ErrListener, name)
	}
	return nil
}

// socketKind is the socket type a network's listener has.
func socketKind(network string) (int, error) {
	switch network {
	case "tcp", "tcp4", "tcp6", "unix":
		return unix.SOCK_STREAM, nil
	case "unixpacket":
		return unix.SOCK_SEQPACKET, nil
	case "udp", "udp4", "udp6", "unixgram":
		return unix.SOCK_DGRAM, nil
	}
	return 0, fmt.Errorf("%w: unknown network %q", ErrListener, network)
}

// bindListener binds a new socket and keeps a close-on-exec duplicate.
func bindListener(name, network string, kind int, addr string) (*Listener, error) {
	l := &Listener{name: name, network: network, source: "bound"}
	var err error
	if kind == unix.SOCK_DGRAM {
		var pc net.PacketConn
		if pc, err = net.ListenPacket(network, addr); err != nil {
			return nil, err
		}
		defer pc.Close()
		l.addr = pc.LocalAddr()
		l.file, err = pc.(interface{ File() (*os.File, error) }).File()
	} else {
		var ln net.Listener
		if network == "unix" && !strings.HasPrefix(addr, "@") {
			if err := clearStale(addr); err != nil {
				return nil, err
			}
		}
		if ln, err = net.Listen(network, addr); err != nil {
			return nil, err
		}
		if ul, ok := ln.(*net.UnixListener); ok {
			ul.SetUnlinkOnClose(false) // the path lives as long as the Listener
		}
		defer ln.Close()
		l.addr = ln.Addr()
		l.file, err = ln.(interface{ File() (*os.File, error) }).File()
	}
	if err != nil {
		return nil, err
	}
	if strings.HasPrefix(network, "unix") && !strings.HasPrefix(addr, "@") {
		l.unlink = addr
	}
	return l, nil
}

// adoptListener checks an inherited socket's type and learns its address.
func adoptListener(name, network string, kind int, f *os.File, source string) (*Listener, error) {
	got, err := unix.GetsockoptInt(fdOf(f), unix.SOL_SOCKET, unix.SO_TYPE)
	if err != nil || got != kind {
		f.Close()
		return nil, fmt.Errorf("%w: %s socket %q is not a %s socket (SO_TYPE %d, %v)", ErrListener, source, name, network, got, err)
	}
	l := &Listener{name: name, network: network, file: f, source: source}
	if kind == unix.SOCK_DGRAM {
		unix.SetNonblock(fdOf(f), true)
		l.addr = sockAddr(fdOf(f))
		return l, nil
	}
	// Not net.FileListener: it would make the socket, shared with the
	// workers of a previous image, blocking for a moment (see fdListener).
	fd := fdOf(f)
	if ok, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ACCEPTCONN); err != nil || ok == 0 {
		f.Close()
		return nil, fmt.Errorf("%w: %s socket %q does not listen (%v)", ErrListener, source, name, err)
	}
	unix.SetNonblock(fd, true)
	l.addr = sockAddr(fd)
	return l, nil
}
