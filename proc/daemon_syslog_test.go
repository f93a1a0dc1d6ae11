package proc

import "testing"

// TestLinePriority: a line's "<N>" prefix sets its severity, emergency and
// alert are capped at critical, and anything else is info.
func TestLinePriority(t *testing.T) {
	cases := []struct {
		line string
		sev  int
		text string
	}{
		{"<3>an error", 3, "an error"},
		{"<6>info", 6, "info"},
		{"<0>everyone look", 2, "everyone look"},
		{"<1>alert", 2, "alert"},
		{"<27>daemon.err", 3, "daemon.err"},
		{"plain", 6, "plain"},
		{"<999>too big", 6, "<999>too big"},
		{"<x>odd", 6, "<x>odd"},
	}
	for _, c := range cases {
		sev, text := linePriority([]byte(c.line))
		if sev != c.sev || string(text) != c.text {
			t.Errorf("linePriority(%q) = %d, %q; want %d, %q", c.line, sev, text, c.sev, c.text)
		}
	}
}
