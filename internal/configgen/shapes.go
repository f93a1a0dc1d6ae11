package configgen

import (
	"fmt"
	"strings"
)

// Shape is one shape of large configuration file, for the tests and
// benchmarks of the config package's memory and time on big input.
type Shape struct {
	Name string                // for sub-benchmark and log names
	Text func(size int) []byte // a file of this shape of at most size bytes, most of them
}

// Shapes returns the shapes, each filling size bytes (config.MaxSize in
// the tests), but ints, the 15 MB file of 5 million ints that a tester
// measured at 29 times its size in peak heap.
func Shapes() []Shape {
	return []Shape{
		{"ints", func(int) []byte { return list(1<<62, 5000000, 20, ", ", digit) }},
		{"ints-dense", func(size int) []byte { return list(size, -1, 32, ",", digit) }},
		{"floats", func(size int) []byte { return list(size, -1, 16, ",", func(i int) string { return digit(i) + ".5" }) }},
		{"strings", func(size int) []byte { return list(size, -1, 20, ",", func(int) string { return `""` }) }},
		{"escaped-string", escapedString},
		{"keys-in-sections", keysInSections},
		{"keys-global", keysGlobal},
		{"sections", sections},
		{"regexps", regexps},
		{"regexps-unicode", func(size int) []byte { // among the costliest regexps to check
			return list(size, -1, 4, ",", func(i int) string { return fmt.Sprintf(`/[\pL\pN\pP\pS]%d/`, i) })
		}},
		{"nested", nested},
		{"mixed", func(size int) []byte { return Pad(Text(0, size/240), size) }},
	}
}

var digits = [10]string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}

func digit(i int) string { return digits[i%10] }

// list returns "list = [e0, e1, ...]" with n elements made by elem (as
// many as fit in size bytes when n < 0), sep between them and a line break
// after every perLine of them.
func list(size, n, perLine int, sep string, elem func(int) string) []byte {
	var b strings.Builder
	b.WriteString("list = [")
	for i := 0; i != n; i++ {
		e := elem(i)
		if i > 0 {
			if b.Len()+len(sep)+1+len(e)+2 > size {
				break
			}
			b.WriteString(sep)
			if i%perLine == 0 {
				b.WriteString("\n")
			}
		}
		b.WriteString(e)
	}
	b.WriteString("]\n")
	return []byte(b.String())
}

// escapedString is one string of lines of 62 bytes with a \t and a \"
// in each, so that it is decoded, not a slice of the text.
func escapedString(size int) []byte {
	var b strings.Builder
	b.WriteString("s = \"")
	line := strings.Repeat("x", 30) + `\t` + strings.Repeat("y", 26) + `\"` + "\n"
	for b.Len()+len(line)+2 <= size {
		b.WriteString(line)
	}
	b.WriteString("\"\n")
	return []byte(b.String())
}

// keysInSections is sections of the 52 one-letter keys, each "k=1": the
// most keys a file can hold, 4 bytes each.
func keysInSections(size int) []byte {
	var b strings.Builder
	for s := 0; ; s++ {
		header := fmt.Sprintf("[s%d]\n", s)
		if b.Len()+len(header)+52*4 > size {
			break
		}
		b.WriteString(header)
		for _, c := range "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" {
			b.WriteRune(c)
			b.WriteString("=1\n")
		}
	}
	return []byte(b.String())
}

// keysGlobal is keys k0=0, k1=1, ... in the global section.
func keysGlobal(size int) []byte {
	var b strings.Builder
	for i := 0; ; i++ {
		line := fmt.Sprintf("k%d=%d\n", i, i%10)
		if b.Len()+len(line) > size {
			break
		}
		b.WriteString(line)
	}
	return []byte(b.String())
}

// sections is empty sections [s0], [s1], ...
func sections(size int) []byte {
	var b strings.Builder
	for i := 0; ; i++ {
		line := fmt.Sprintf("[s%d]\n", i)
		if b.Len()+len(line) > size {
			break
		}
		b.WriteString(line)
	}
	return []byte(b.String())
}

// regexps is keys whose values are regexps, each different, in the
// common syntax.
func regexps(size int) []byte {
	var b strings.Builder
	for i := 0; ; i++ {
		line := fmt.Sprintf("r%d = /^srv-%d\\.[a-z]+(:\\d{2,5})?$/\n", i, i)
		if b.Len()+len(line) > size {
			break
		}
		b.WriteString(line)
	}
	return []byte(b.String())
}

// nested is "a = " and then '[' to the end, 64 a line: a list in a list,
// which is an error.
func nested(size int) []byte {
	var b strings.Builder
	b.WriteString("a = ")
	line := strings.Repeat("[", 64) + "\n"
	for b.Len()+len(line) <= size {
		b.WriteString(line)
	}
	return []byte(b.String())
}

// Pad fills text to size bytes: cut at the last whole line that fits,
// then a comment.
func Pad(text []byte, size int) []byte {
	s := string(text)
	if len(s) > size-100 {
		s = s[:strings.LastIndexByte(s[:size-100], '\n')+1]
	}
	return []byte(s + "#" + strings.Repeat("-", size-len(s)-2) + "\n")
}
