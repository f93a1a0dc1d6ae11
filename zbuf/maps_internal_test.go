package zbuf

import (
	"bufio"
	"fmt"
	"os"
)

// mapping is one line of /proc/self/maps: [lo, hi).
type mapping struct{ lo, hi uintptr }

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
