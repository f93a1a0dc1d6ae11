package fuzz

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/release-daemon/release/frame"
	"golang.org/x/sys/unix"
)

// The shared-memory descriptors are judged by a worker's reader: a raw
// master sets up two rings by hand, as the package doc's wire format
// says, then sends the fuzzer's bytes. The reader must never panic or
// hang, and must return exactly the frames a one-shot decode of the
// stream, written here from the format alone, says: the ring's bytes for
// each descriptor that names the place where the last payload ended (or
// the start of the next lap, when the payload would cross the ring's
// end), with a length from 1 to half the ring and at most MaxFrame, and
// ErrSharedPeer at the first descriptor that does not (ErrTooLarge for
// one longer than MaxFrame, as in the socket).

const (
	shmRing     = frame.MinSharedSize
	shmHeader   = 4096
	shmMaxFrame = 20000
)

// shmRings are the raw master's memfds, made once and offered to every
// worker: a worker writes only the header of the master's ring, so the
// data the payloads must match stays as filled.
var shmRings = sync.OnceValues(func() ([2]int, error) {
	var fds [2]int
	for i := range fds {
		fd, err := unix.MemfdCreate("fuzz-ring", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
		if err != nil {
			return fds, err
		}
		if err := unix.Ftruncate(fd, shmHeader+shmRing); err != nil {
			return fds, err
		}
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, unix.F_SEAL_SHRINK|unix.F_SEAL_GROW); err != nil {
			return fds, err
		}
		fds[i] = fd
	}
	data := make([]byte, shmRing)
	for i := range data {
		data[i] = byte(i*13 + i>>8)
	}
	_, err := unix.Pwrite(fds[0], data, shmHeader)
	return fds, err
})

func shmSetup() []byte {
	b := []byte{0xFE, 'S', 0, 12, 0, 0, 0, 1}
	return binary.BigEndian.AppendUint64(b, shmRing)
}

func shmDescriptor(pos uint64, n uint32) []byte {
	b := []byte{0xFE, 'D', 0, 12}
	b = binary.BigEndian.AppendUint64(b, pos)
	return binary.BigEndian.AppendUint32(b, n)
}

// shmPattern is the byte the master's ring holds at offset i of its data.
func shmPattern(i uint64) byte { return byte(i*13 + i>>8) }

// oneShotShared decodes a stream after the setup the plain way.
func oneShotShared(stream []byte) ([][]byte, error) {
	var frames [][]byte
	var end uint64 // where the last payload ended
	for {
		switch {
		case len(stream) == 0:
			return frames, io.EOF
		case len(stream) < frame.HeaderSize:
			return frames, io.ErrUnexpectedEOF
		case stream[0] == 0xFE:
			n := int(binary.BigEndian.Uint16(stream[2:]))
			if n > 12 {
				return frames, frame.ErrSharedPeer
			}
			if len(stream) < frame.HeaderSize+n {
				return frames, io.ErrUnexpectedEOF
			}
			if stream[1] != 'D' || n != 12 {
				return frames, frame.ErrSharedPeer // a second setup, or anything else
			}
			pos, m := binary.BigEndian.Uint64(stream[4:]), uint64(binary.BigEndian.Uint32(stream[12:]))
			start := end
			if off := end % shmRing; off+m > shmRing {
				start = end + shmRing - off
			}
			if m == 0 || m > shmRing/2 {
				return frames, frame.ErrSharedPeer
			}
			if m > shmMaxFrame {
				return frames, frame.ErrTooLarge
			}
			if pos != start {
				return frames, frame.ErrSharedPeer
			}
			p := make([]byte, m)
			for i := range p {
				p[i] = shmPattern((pos + uint64(i)) % shmRing)
			}
			frames, end, stream = append(frames, p), pos+m, stream[16:]
		default:
			n := binary.BigEndian.Uint32(stream)
			if n > shmMaxFrame {
				return frames, frame.ErrTooLarge
			}
			if len(stream) < frame.HeaderSize+int(n) {
				return frames, io.ErrUnexpectedEOF
			}
			frames, stream = append(frames, stream[4:4+n]), stream[4+n:]
		}
	}
}

// FuzzShmDescriptor: a worker reading a raw master's setup and then the
// fuzzer's bytes, written in fuzzer-chosen pieces, returns the one-shot
// decode's frames and ending.
func FuzzShmDescriptor(f *testing.F) {
	cat := func(bs ...[]byte) []byte { return bytes.Join(bs, nil) }
	f.Add(shmDescriptor(0, 100), []byte{})
	f.Add(cat(shmDescriptor(0, 100), shmDescriptor(100, 5000), frame.AppendFrame(nil, []byte("inline")), shmDescriptor(5100, 1)), []byte{3, 17})
	f.Add(cat(shmDescriptor(0, shmRing/2), shmDescriptor(shmRing/2, shmRing/2-10), shmDescriptor(shmRing, 100)), []byte{})
	f.Add(cat(shmDescriptor(0, shmRing/2), shmDescriptor(shmRing/2, shmRing/2-10), shmDescriptor(shmRing-10, 100)), []byte{})
	f.Add(cat(shmDescriptor(0, 100), shmDescriptor(50, 100)), []byte{8})
	f.Add(shmDescriptor(shmRing*3, 100), []byte{})
	f.Add(shmDescriptor(^uint64(0)-5, 100), []byte{})
	f.Add(shmDescriptor(0, 0), []byte{})
	f.Add(shmDescriptor(0, shmMaxFrame+1), []byte{})
	f.Add(cat(shmDescriptor(0, 100), shmSetup()), []byte{})
	f.Add([]byte{0xFE, 'D', 0xFF, 0xFF}, []byte{})
	f.Add([]byte{0xFE, 'D', 0, 12, 0, 0}, []byte{})
	f.Add([]byte{0xFE, 'X', 0, 3, 1, 2, 3}, []byte{})
	f.Fuzz(func(t *testing.T, stream, chunks []byte) {
		fds, err := shmRings()
		if err != nil {
			t.Skip("no memfd:", err)
		}
		want, wantEnd := oneShotShared(stream)
		raw, worker := shmWorker(t, fds)
		defer worker.Close()
		go func() {
			defer raw.Close()
			rest := stream
			for len(rest) > 0 {
				k := len(rest)
				if len(chunks) > 0 {
					k, chunks = min(int(chunks[0])+1, k), chunks[1:]
				}
				if _, err := raw.Write(rest[:k]); err != nil {
					return
				}
				rest = rest[k:]
			}
		}()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var end error
		for i := 0; ; i++ {
			p, err := worker.ReadContext(ctx)
			if err != nil {
				end = err
				break
			}
			if i >= len(want) || !bytes.Equal(p, want[i]) {
				t.Fatalf("frame %d: %d bytes, not the one-shot decode's (%d frames)", i, len(p), len(want))
			}
		}
		if !errors.Is(end, wantEnd) {
			t.Fatalf("ended with %v; one-shot: %v after %d frames", end, wantEnd, len(want))
		}
	})
}

// shmWorker returns a worker Conn that has been sent the setup with fds,
// and the raw master's end of the socket.
func shmWorker(t *testing.T, fds [2]int) (*net.UnixConn, *frame.Conn) {
	sp, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	var conns [2]*net.UnixConn
	for i, fd := range sp {
		f := os.NewFile(uintptr(fd), "shm-fuzz")
		c, err := net.FileConn(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		conns[i] = c.(*net.UnixConn)
	}
	if _, _, err := conns[0].WriteMsgUnix(shmSetup(), unix.UnixRights(fds[0], fds[1]), nil); err != nil {
		t.Fatal(err)
	}
	return conns[0], frame.New(conns[1], frame.AcceptShared, frame.MaxFrame(shmMaxFrame))
}
