package fuzz

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/release-daemon/release/proc/sandbox"
)

// FuzzSandboxParse parses arbitrary text as a sandbox spec, which a
// master passes to its workers through their environment.
//
// Checks: no panic; an error wraps sandbox.ErrSpec; an accepted spec
// formats to text that parses to the same Spec and formats the same
// again, and compiles; no input takes more than 2 s.
func FuzzSandboxParse(f *testing.F) {
	for _, s := range []string{
		"", "stdio", "stdio inet unix; unveil /etc/ssl r; /var/lib/app rwc",
		"stdio; allow mount ptrace; action kill; best-effort", `unveil "/a b;c" rwxc`,
		"unveil", "rpath wpath cpath fattr proc exec prot_exec id tty; action eacces",
		`"/\xff" r`, "stdio;;", "unveil /a/../b r", "action log",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		start := time.Now()
		s, err := sandbox.Parse(in)
		if err != nil {
			if !errors.Is(err, sandbox.ErrSpec) {
				t.Fatalf("Parse(%q): %v does not wrap ErrSpec", in, err)
			}
			return
		}
		text := s.String()
		s2, err := sandbox.Parse(text)
		if err != nil {
			t.Fatalf("Parse(%q) = %#v; its text %q does not parse: %v", in, s, text, err)
		}
		if !reflect.DeepEqual(s, s2) {
			t.Fatalf("Parse(%q) = %#v; its text %q parses to %#v", in, s, text, s2)
		}
		if again := s2.String(); again != text {
			t.Fatalf("text %q formats again as %q", text, again)
		}
		if _, err := sandbox.Compile(s); err != nil {
			t.Fatalf("Parse(%q) accepted a spec that does not compile: %v", in, err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("input of %d bytes took %v", len(in), d)
		}
	})
}

// FuzzSandboxProgram decodes arbitrary bytes as a compiled sandbox
// program, the encoding the C shim will read.
//
// Checks: no panic; an error wraps sandbox.ErrProgram; a decoded program
// encodes to the same bytes; no input takes more than 2 s.
func FuzzSandboxProgram(f *testing.F) {
	for _, text := range []string{"", "stdio", "stdio inet; unveil /etc r; unveil /tmp rwc; best-effort", "unveil"} {
		s, _ := sandbox.Parse(text)
		p, _ := sandbox.Compile(s)
		b, _ := p.MarshalBinary()
		f.Add(b)
	}
	f.Add([]byte("RSBX\x01\x02"))
	f.Fuzz(func(t *testing.T, in []byte) {
		start := time.Now()
		var p sandbox.Program
		if err := p.UnmarshalBinary(in); err != nil {
			if !errors.Is(err, sandbox.ErrProgram) {
				t.Fatalf("%v does not wrap ErrProgram", err)
			}
			return
		}
		out, err := p.MarshalBinary()
		if err != nil || !bytes.Equal(out, in) {
			t.Fatalf("decoded program encodes to %x (%v), not its %x", out, err, in)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("input of %d bytes took %v", len(in), d)
		}
	})
}
