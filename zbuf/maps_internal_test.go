package zbuf

import (
	"bufio"
	"fmt"
	"os"
	"strings"
)

// mapping is one line of /proc/self/maps: [lo, hi).
type mapping struct {
	lo, hi uintptr
	zbuf   bool // named [anon:zbuf]
}

type mappings []mapping

// readMaps reads the address ranges of /proc/self/maps.
func readMaps() (mappings, error) {
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var ms mappings
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m mapping
		if _, err := fmt.Sscanf(sc.Text(), "%x-%x", &m.lo, &m.hi); err != nil {
			return nil, err
		}
		m.zbuf = strings.HasSuffix(sc.Text(), " [anon:zbuf]")
		ms = append(ms, m)
	}
	return ms, sc.Err()
}

// covers reports whether [lo, hi) is mapped, by one or several adjacent
// mappings (the kernel merges and splits them as it likes).
func (ms mappings) covers(lo, hi uintptr) bool {
	for lo < hi {
		next := lo
		for _, m := range ms {
			if m.lo <= lo && lo < m.hi {
				next = m.hi
			}
		}
		if next == lo {
			return false
		}
		lo = next
	}
	return true
}

// zbufOverlaps reports whether a mapping named [anon:zbuf] overlaps
// [lo, hi).
func (ms mappings) zbufOverlaps(lo, hi uintptr) bool {
	for _, m := range ms {
		if m.zbuf && m.lo < hi && lo < m.hi {
			return true
		}
	}
	return false
}

// named reports whether the kernel names zbuf's mappings: whether any
// mapping is named [anon:zbuf].
func (ms mappings) named() bool {
	for _, m := range ms {
		if m.zbuf {
			return true
		}
	}
	return false
}
