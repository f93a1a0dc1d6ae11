package proc

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"testing"
)

// cpuMark is a reading of the machine's CPU time and of this process's,
// its waited-for children's included, in clock ticks.
type cpuMark struct{ busy, total, ours int }

// markCPU reads the CPU times now.
func markCPU(t testing.TB) cpuMark {
	t.Helper()
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		t.Fatal(err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	var m cpuMark
	for i, f := range strings.Fields(line)[1:] {
		n, _ := strconv.Atoi(f)
		m.total += n
		if i != 3 && i != 4 { // idle, iowait
			m.busy += n
		}
	}
	if b, err = os.ReadFile("/proc/self/stat"); err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	for _, s := range f[11:15] { // utime, stime, cutime, cstime
		n, _ := strconv.Atoi(s)
		m.ours += n
	}
	return m
}

// othersShare returns the share of the machine's CPU time since m that
// went to other processes than this one and its waited-for children.
func (m cpuMark) othersShare(t testing.TB) float64 {
	now := markCPU(t)
	total := now.total - m.total
	if total <= 0 {
		return 0
	}
	return max(0, float64(now.busy-m.busy-(now.ours-m.ours))/float64(total))
}
