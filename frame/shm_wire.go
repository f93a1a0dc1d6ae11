package frame

import (
	"encoding/binary"
	"fmt"
)

// appendSetup appends the setup frame of rings of size data bytes.
func appendSetup(dst []byte, size int) []byte {
	dst = append(dst, sharedMark, kindSetup, 0, setupLen)
	dst = binary.BigEndian.AppendUint32(dst, sharedVersion)
	return binary.BigEndian.AppendUint64(dst, uint64(size))
}

// appendDescriptor appends the descriptor frame of n bytes at pos.
func appendDescriptor(dst []byte, pos uint64, n int) []byte {
	dst = append(dst, sharedMark, kindDescriptor, 0, descriptorLen)
	dst = binary.BigEndian.AppendUint64(dst, pos)
	return binary.BigEndian.AppendUint32(dst, uint32(n))
}

// parseSetup checks a whole setup frame b, header included, and returns
// the size it announces.
func parseSetup(b []byte) (int, error) {
	if len(b) != HeaderSize+setupLen || b[0] != sharedMark || b[1] != kindSetup ||
		binary.BigEndian.Uint16(b[2:]) != setupLen {
		return 0, fmt.Errorf("%w: a malformed setup frame % x", ErrSharedPeer, b)
	}
	v, size := binary.BigEndian.Uint32(b[4:]), binary.BigEndian.Uint64(b[8:])
	if v != sharedVersion || size < MinSharedSize || size > MaxSharedSize || size != uint64(roundPage(int(size))) {
		return 0, fmt.Errorf("%w: a setup of version %d, size %d", ErrSharedPeer, v, size)
	}
	return int(size), nil
}

// checkDescriptor is the reader's one judge of a descriptor: b is the
// whole frame, header included, copied into the reader's own memory (the
// read buffer); end is where the last payload it read from the ring ends,
// size the ring's data bytes, maxFrame the Conn's limit. It returns the
// payload's stream position and length, which place within the ring's
// data, and past the payloads the reader holds, by construction: the
// position must be the one the reader computes itself, the length at most
// half the ring, or ErrSharedPeer; and at most maxFrame, or ErrTooLarge,
// as for a frame in the socket.
func checkDescriptor(b []byte, end, size uint64, maxFrame int) (pos uint64, n int, err error) {
	if len(b) != HeaderSize+descriptorLen || b[0] != sharedMark || b[1] != kindDescriptor ||
		binary.BigEndian.Uint16(b[2:]) != descriptorLen {
		return 0, 0, fmt.Errorf("%w: a malformed descriptor % x", ErrSharedPeer, b)
	}
	pos, m := binary.BigEndian.Uint64(b[4:]), uint64(binary.BigEndian.Uint32(b[12:]))
	if m == 0 || m > size/2 {
		return 0, 0, fmt.Errorf("%w: a payload of %d bytes in a ring of %d", ErrSharedPeer, m, size)
	}
	if m > uint64(maxFrame) { // as for a frame in the socket
		return 0, 0, fmt.Errorf("%w (%d > %d bytes)", ErrTooLarge, m, maxFrame)
	}
	if want := place(end, size, int(m)); pos != want {
		return 0, 0, fmt.Errorf("%w: a payload at %d, not %d", ErrSharedPeer, pos, want)
	}
	return pos, int(m), nil
}
