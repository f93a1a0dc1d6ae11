// Package configgen makes the generated configuration file that the config
// benchmarks and tests parse, in the config package and in the bench module
// alike, so that both measure the same text.
package configgen

import (
	"fmt"
	"strings"
)

// Text returns sections from to n-1 of a configuration of 10 keys per
// section, of mixed kinds: an int, a negative int, a float, a bool, a plain
// string, a string with escapes, a log level keyword, a list of ints, a
// list of strings, and a regexp in one section in ten (a list of keywords
// in the others). Text(0, 1000) is the 10,000-key file of the figures.
func Text(from, n int) []byte {
	var b strings.Builder
	b.WriteString("# generated: ")
	fmt.Fprintf(&b, "%d sections of 10 keys\n", n-from)
	levels := []string{"debug", "info", "notice", "warning", "error", "fatal"}
	for i := from; i < n; i++ {
		fmt.Fprintf(&b, "\n[section%04d]\n", i)
		fmt.Fprintf(&b, "port = %d\n", 1024+i)
		fmt.Fprintf(&b, "offset = -%d\n", i%100)
		fmt.Fprintf(&b, "ratio = %d.%02d\n", i%10, i%100)
		fmt.Fprintf(&b, "enabled = %t\n", i%2 == 0)
		fmt.Fprintf(&b, "name = \"server-%d.example.com\"\n", i)
		fmt.Fprintf(&b, "motd = \"Welcome to %d\\tplease \\\"behave\\\"\\n\"\n", i)
		fmt.Fprintf(&b, "log_level = %s\n", levels[i%len(levels)])
		fmt.Fprintf(&b, "ports = [80, 443, %d]\n", 8000+i)
		fmt.Fprintf(&b, "hosts = [\"a%d.example.com\", \"b%d.example.com\"]\n", i, i)
		if i%10 == 0 {
			fmt.Fprintf(&b, "match = /^srv-%d-[a-z]+$/\n", i)
		} else {
			b.WriteString("match = [tcp, udp]\n")
		}
	}
	return []byte(b.String())
}
