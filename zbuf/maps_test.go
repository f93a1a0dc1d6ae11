package zbuf_test

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"testing"
)

// smapsField returns the value of field (such as "Locked:") in the
// /proc/self/smaps entry of the mapping that holds p.
func smapsField(t testing.TB, p []byte, field string) string {
	t.Helper()
	a := address(p)
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		var lo, hi uintptr
		if n, _ := fmt.Sscanf(line, "%x-%x", &lo, &hi); n == 2 && strings.Contains(line, " ") {
			in = lo <= a && a < hi
		} else if in && strings.HasPrefix(line, field) {
			return strings.TrimSpace(strings.TrimPrefix(line, field))
		}
	}
	t.Fatalf("no %s for %#x in /proc/self/smaps", field, a)
	return ""
}

// address returns the address of p's first byte, as %p prints it.
func address(p []byte) uintptr {
	var a uintptr
	fmt.Sscanf(fmt.Sprintf("%p", p), "0x%x", &a)
	return a
}
