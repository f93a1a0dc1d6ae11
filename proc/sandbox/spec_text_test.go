package sandbox

import (
	"errors"
	"reflect"
	"syscall"
	"testing"
)

// TestParseFormat parses specs in their text form and checks the Spec and
// its canonical text.
func TestParseFormat(t *testing.T) {
	for _, c := range []struct {
		in, out string
		want    Spec
	}{
		{"", "", Spec{}},
		{"  \n", "", Spec{}},
		{"stdio", "stdio", Spec{Promises: Stdio}},
		{"inet stdio unix", "stdio inet unix", Spec{Promises: Stdio | Inet | Unix}},
		{"stdio inet unix; unveil /etc/ssl r; /var/lib/app rwc",
			"stdio inet unix; unveil /etc/ssl r; unveil /var/lib/app rwc",
			Spec{Promises: Stdio | Inet | Unix, Veiled: true, Unveil: []Unveil{{"/etc/ssl", Read}, {"/var/lib/app", Read | Write | Create}}}},
		{"stdio;unveil", "stdio; unveil", Spec{Promises: Stdio, Veiled: true}},
		{"unveil /b cxwr; unveil /a x", "unveil /a x; unveil /b rwxc",
			Spec{Veiled: true, Unveil: []Unveil{{"/a", Execute}, {"/b", Read | Write | Execute | Create}}}},
		{`unveil "/with space;semi" r`, `unveil "/with space;semi" r`,
			Spec{Veiled: true, Unveil: []Unveil{{"/with space;semi", Read}}}},
		{`"/q" w`, `unveil /q w`, Spec{Veiled: true, Unveil: []Unveil{{"/q", Write}}}},
		{"allow mount ptrace; stdio", "stdio; allow mount ptrace", Spec{Promises: Stdio, Allow: []string{"mount", "ptrace"}}},
		{"stdio; action kill", "stdio; action kill", Spec{Promises: Stdio, Action: Action{Kind: Kill}}},
		{"stdio; action eperm", "stdio", Spec{Promises: Stdio, Action: Action{Errno: syscall.EPERM}}},
		{"action enosys; best-effort", "action enosys; best-effort", Spec{Action: Action{Errno: syscall.ENOSYS}, BestEffort: true}},
		{"stdio; rpath", "stdio rpath", Spec{Promises: Stdio | Rpath}},
		{"\tstdio\t;\taction\tlog\n", "stdio; action log", Spec{Promises: Stdio, Action: Action{Kind: Log}}},
	} {
		s, err := Parse(c.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.in, err)
			continue
		}
		if !reflect.DeepEqual(s, c.want) {
			t.Errorf("Parse(%q) = %#v, want %#v", c.in, s, c.want)
		}
		if got := s.String(); got != c.out {
			t.Errorf("Parse(%q).String() = %q, want %q", c.in, got, c.out)
		}
	}
}

// TestParseErrors checks that malformed specs fail with ErrSpec.
func TestParseErrors(t *testing.T) {
	bad := []string{
		";", "stdio;", ";stdio", "stdio;;rpath", "stdio stdio", "stdio; stdio", "sdtio",
		"unveil /a", "unveil a r", "unveil /a/ r", "unveil /a/../b r", "unveil /a q",
		"unveil /a rr", "unveil /a r w", "unveil /a r; unveil /a w", "/a", `"/a`, `"/a"x r`,
		`unveil "/a\x00" r`, `unveil /a "r"`, "allow", "allow nosuchcall", "allow read read",
		"action", "action die", "action kill; action trap", "action kill trap",
		"best-effort x", "best-effort; best-effort", `"stdio"`, `allow "read"`,
		string(make([]byte, maxSpecText+1)),
	}
	refused := 0
	for _, in := range bad {
		if s, err := Parse(in); !errors.Is(err, ErrSpec) {
			t.Errorf("Parse(%.40q) = %v, %v; want ErrSpec", in, s, err)
		} else {
			refused++
		}
	}
	t.Logf("%d/%d malformed specs refused", refused, len(bad))
}

// TestCompileChecks checks that a Spec built in Go is checked as Parse
// would check its text.
func TestCompileChecks(t *testing.T) {
	for _, s := range []Spec{
		{Promises: 1 << 30},
		{Allow: []string{"nosuchcall"}},
		{Allow: []string{"read", "read"}},
		{Unveil: []Unveil{{"relative", Read}}},
		{Unveil: []Unveil{{"/a", 0}}},
		{Unveil: []Unveil{{"/a", 1 << 5}}},
		{Unveil: []Unveil{{"/a", Read}, {"/a", Write}}},
		{Action: Action{Kind: 9}},
		{Action: Action{Errno: syscall.EIO}},
	} {
		if _, err := Compile(s); !errors.Is(err, ErrSpec) {
			t.Errorf("Compile(%#v) = %v, want ErrSpec", s, err)
		}
	}
}
