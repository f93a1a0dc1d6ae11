package zbuf

import (
	"errors"
	"testing"

	"golang.org/x/sys/unix"
)

// TestEINTR checks the one helper every read and write goes through: it
// calls again after EINTR, and passes everything else on.
func TestEINTR(t *testing.T) {
	tests := []struct {
		name    string
		results []error // returned by successive calls
		calls   int
		err     error
	}{
		{"no error", []error{nil}, 1, nil},
		{"EINTR twice", []error{unix.EINTR, unix.EINTR, nil}, 3, nil},
		{"EAGAIN", []error{unix.EAGAIN}, 1, unix.EAGAIN},
		{"EINTR then EPIPE", []error{unix.EINTR, unix.EPIPE}, 2, unix.EPIPE},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			op := func(fd int, p []byte) (int, error) {
				err := tt.results[calls]
				calls++
				if err != nil {
					return -1, err
				}
				return len(p), nil
			}
			n, err := eintr(op, 3, make([]byte, 5))
			if calls != tt.calls || !errors.Is(err, tt.err) || (err == nil && n != 5) {
				t.Errorf("%d calls, %d, %v; want %d calls, %v", calls, n, err, tt.calls, tt.err)
			}
		})
	}
}
