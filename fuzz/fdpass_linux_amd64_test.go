package fuzz

import (
	"errors"
	"slices"
	"testing"

	"github.com/release-daemon/release/fdpass"
)

// FuzzCmsgParse walks arbitrary control-message bytes: it never panics,
// returns exactly the fds an independent walk finds (so every one can be
// closed), and rejects more than the declared maximum. Fds built with
// AppendRights parse back to themselves.
func FuzzCmsgParse(f *testing.F) {
	f.Add([]byte{}, uint16(1))
	f.Add(fdpass.AppendRights(nil, 3, 4, 5), uint16(1))
	f.Add(fdpass.AppendRights(fdpass.AppendRights(nil, 7), 8, 9), uint16(3))
	f.Add(make([]byte, 300), uint16(300))
	f.Fuzz(func(t *testing.T, oob []byte, max uint16) {
		limit := int(max % 301)
		fds, err := fdpass.ParseRights(oob, nil, limit)
		if want := walkRights(oob); !slices.Equal(fds, want) {
			t.Fatalf("ParseRights found %v, an independent walk %v", fds, want)
		}
		if (len(fds) > limit) != errors.Is(err, fdpass.ErrTruncated) {
			t.Fatalf("%d fds with limit %d gave %v", len(fds), limit, err)
		}
		if len(fds) > 0 && len(fds) <= fdpass.MaxFiles {
			back, err := fdpass.ParseRights(fdpass.AppendRights(nil, fds...), nil, fdpass.MaxFiles)
			if err != nil || !slices.Equal(back, fds) {
				t.Fatalf("AppendRights(%v) parsed back as %v, %v", fds, back, err)
			}
		}
	})
}

// walkRights is a second, plain reading of Linux amd64 control messages: a
// 16-byte header (length, level, type), data, padding to 8 bytes.
func walkRights(oob []byte) []int {
	var fds []int
	le := func(b []byte) uint64 {
		var v uint64
		for i := len(b) - 1; i >= 0; i-- {
			v = v<<8 | uint64(b[i])
		}
		return v
	}
	for len(oob) >= 16 {
		n := le(oob[:8])
		if n < 16 || n > uint64(len(oob)) {
			break
		}
		if le(oob[8:12]) == 1 && le(oob[12:16]) == 1 { // SOL_SOCKET, SCM_RIGHTS
			for d := oob[16:n]; len(d) >= 4; d = d[4:] {
				fds = append(fds, int(int32(le(d[:4]))))
			}
		}
		next := (n + 7) &^ 7
		if next > uint64(len(oob)) {
			break
		}
		oob = oob[next:]
	}
	return fds
}
