package fdpass

import (
	"encoding/binary"

	"golang.org/x/sys/unix"
)

// MaxFiles is the most files one message can carry: the kernel's SCM_MAX_FD.
const MaxFiles = 253

// RightsSpace is the control buffer size that holds n fds.
func RightsSpace(n int) int { return unix.CmsgSpace(4 * n) }

// maxRightsSpace is RightsSpace(MaxFiles), as a constant for stack buffers:
// a header, then the fds, rounded up to the word size.
const maxRightsSpace = unix.SizeofCmsghdr + (4*MaxFiles+7)&^7

// lenSize is the width of a cmsghdr's length field: the header is the
// length, then the level and the type as int32s.
const lenSize = unix.SizeofCmsghdr - 8

// AppendRights appends an SCM_RIGHTS control message carrying fds to oob
// and returns the extended buffer. It does not allocate when oob has
// RightsSpace(len(fds)) bytes of room.
func AppendRights(oob []byte, fds ...int) []byte {
	start := len(oob)
	oob = append(oob, make([]byte, RightsSpace(len(fds)))...)
	h := oob[start:]
	putLen(h, uint64(unix.CmsgLen(4*len(fds))))
	binary.NativeEndian.PutUint32(h[lenSize:], uint32(unix.SOL_SOCKET))
	binary.NativeEndian.PutUint32(h[lenSize+4:], uint32(unix.SCM_RIGHTS))
	data := h[unix.CmsgLen(0):]
	for i, fd := range fds {
		binary.NativeEndian.PutUint32(data[4*i:], uint32(fd))
	}
	return oob
}

// ParseRights walks the control messages in oob and appends every fd of
// their SCM_RIGHTS messages to fds. It returns all it found even with an
// error, so that the caller can close them: [ErrTruncated] when there are
// more than max. It does not allocate when fds has room. Bytes that do not form a whole control message end the
// walk; it never panics, whatever oob holds.
func ParseRights(oob []byte, fds []int, max int) ([]int, error) {
	found := 0
	for len(oob) >= unix.SizeofCmsghdr {
		n := getLen(oob)
		if n < uint64(unix.CmsgLen(0)) || n > uint64(len(oob)) {
			break
		}
		level := binary.NativeEndian.Uint32(oob[lenSize:])
		typ := binary.NativeEndian.Uint32(oob[lenSize+4:])
		if level == unix.SOL_SOCKET && typ == unix.SCM_RIGHTS {
			for data := oob[unix.CmsgLen(0):n]; len(data) >= 4; data = data[4:] {
				fds = append(fds, int(int32(binary.NativeEndian.Uint32(data))))
				found++
			}
		}
		next := unix.CmsgSpace(int(n) - unix.CmsgLen(0))
		if next > len(oob) {
			break
		}
		oob = oob[next:]
	}
	if found > max {
		return fds, ErrTruncated
	}
	return fds, nil
}

func putLen(b []byte, n uint64) {
	if lenSize == 8 {
		binary.NativeEndian.PutUint64(b, n)
	} else {
		binary.NativeEndian.PutUint32(b, uint32(n))
	}
}

func getLen(b []byte) uint64 {
	if lenSize == 8 {
		return binary.NativeEndian.Uint64(b)
	}
	return uint64(binary.NativeEndian.Uint32(b))
}
