//go:build !race

// Built without -race: the race detector's instrumentation allocates.

package config_test

import (
	"testing"

	"github.com/release-daemon/release/config"
)

// TestGettersDoNotAllocate checks that reading scalar values allocates
// nothing: a Config makes its Values on demand, from offsets.
func TestGettersDoNotAllocate(t *testing.T) {
	c := parse(t, getterSrc+"[big]\n"+bigSection(40))
	v, _ := c.Get("", "r")
	v.Regexp() // compile it once, outside the count
	for name, f := range map[string]func(){
		"Get":       func() { c.Get("sec", "i") },
		"Get big":   func() { c.Get("big", "k39") },
		"Int":       func() { c.Int("", "i") },
		"Float":     func() { c.Float("", "n") },
		"String":    func() { c.String("", "s") },
		"Keyword":   func() { c.Keyword("", "k") },
		"LogLevel":  func() { c.LogLevel("", "k") },
		"Regexp":    func() { c.Regexp("", "r") },
		"Line":      func() { c.Line("", "s") },
		"Value.Int": func() { v, _ := c.Get("", "i"); v.Int() },
	} {
		if n := testing.AllocsPerRun(100, f); n != 0 {
			t.Errorf("%s allocates %v times, want 0", name, n)
		}
	}
}

func bigSection(n int) string {
	var b []byte
	for i := range n {
		b = append(b, "k"+itoa(i)+" = "+itoa(i)+"\n"...)
	}
	return string(b)
}

// TestParseAllocs checks the allocation goal: parsing the 10,000-key
// benchmark file takes at most 10,000 allocations.
func TestParseAllocs(t *testing.T) {
	data := genConfig(1000)
	n := testing.AllocsPerRun(3, func() {
		if _, err := config.ParseBytes("bench.conf", data, nil); err != nil {
			t.Fatal(err)
		}
	})
	if n > 10000 {
		t.Errorf("parsing 10,000 keys takes %v allocations; the goal is at most 10,000", n)
	}
	t.Logf("%v allocations", n)
}

// TestCommonRegexpsAllocs checks that the common kinds of regexp (see
// commonRegexps) are checked without regexp/syntax, whose parse made about
// 18 allocations for each: a file of 1,000 distinct ones parses in a
// handful, as many as a file without regexps.
func TestCommonRegexpsAllocs(t *testing.T) {
	data := regexpFile(1000)
	allocs := testing.AllocsPerRun(20, func() {
		if _, err := config.ParseBytes("r.conf", data, nil); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 100 {
		t.Errorf("%v allocations to parse 1000 regexps; want at most 100", allocs)
	}
	t.Logf("1000 distinct regexps of %d kinds: %v allocations per parse", len(commonRegexps), allocs)
}
