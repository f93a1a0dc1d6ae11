package sandbox

import (
	"errors"
	"reflect"
	"slices"
	"testing"
)

// TestProgramEncoding encodes compiled programs, decodes them and
// compares; then checks that every truncation and a few corruptions of
// an encoding are refused with ErrProgram.
func TestProgramEncoding(t *testing.T) {
	var enc []byte
	for _, text := range []string{"", "stdio", "stdio inet; unveil /etc r; unveil /tmp rwc; best-effort", "unveil"} {
		s, err := Parse(text)
		if err != nil {
			t.Fatal(err)
		}
		p, err := Compile(s)
		if err != nil {
			t.Fatal(err)
		}
		enc, err = p.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var q Program
		if err := q.UnmarshalBinary(enc); err != nil {
			t.Fatalf("%q: %v", text, err)
		}
		if !reflect.DeepEqual(p, &q) {
			t.Fatalf("%q: decoded %d instructions and %+v, want %d and %+v", text, len(q.Filter), q.Landlock, len(p.Filter), p.Landlock)
		}
	}
	refused := 0
	bad := [][]byte{append(slices.Clone(enc), 0), []byte("RSBX"), nil}
	for n := range len(enc) {
		bad = append(bad, enc[:n])
	}
	for _, i := range []int{0, 4, 5, 6} { // magic, version, flags, arch
		b := slices.Clone(enc)
		b[i] ^= 0x40
		bad = append(bad, b)
	}
	for _, b := range bad {
		var q Program
		if err := q.UnmarshalBinary(b); !errors.Is(err, ErrProgram) {
			t.Errorf("%d bytes: %v, want ErrProgram", len(b), err)
		} else {
			refused++
		}
	}
	t.Logf("%d-byte encoding round-trips; %d/%d truncated or corrupted encodings refused", len(enc), refused, len(bad))
}

// TestLandlockMissing checks what each Landlock ABI cannot enforce of an
// unveiling spec, and whether that is required (fatal unless best-effort).
func TestLandlockMissing(t *testing.T) {
	rs := (&Spec{Veiled: true}).ruleset()
	for _, c := range []struct {
		abi      int
		missing  []string
		required bool
	}{
		{0, []string{"landlock"}, true},
		{1, []string{"landlock refer", "landlock truncate", "landlock ioctl_dev", "landlock resolve_unix", "landlock scopes"}, true},
		{5, []string{"landlock resolve_unix", "landlock scopes"}, true},
		{6, []string{"landlock resolve_unix"}, false},
		{8, []string{"landlock resolve_unix"}, false},
		{9, nil, false},
	} {
		m, req := rs.missing(c.abi)
		if !slices.Equal(m, c.missing) || req != c.required {
			t.Errorf("ABI %d: %v, required %v; want %v, %v", c.abi, m, req, c.missing, c.required)
		}
	}
}

// TestForKernel checks that a program resolved for this kernel handles
// only what its Landlock ABI knows and names what it dropped.
func TestForKernel(t *testing.T) {
	p, err := Compile(Spec{Promises: Stdio, Unveil: []Unveil{{"/tmp", Read | Write}}})
	if err != nil {
		t.Fatal(err)
	}
	abi := landlockABI()
	k, missing, err := p.ForKernel()
	if abi < requiredABI {
		if !errors.Is(err, ErrUnsupported) {
			t.Fatalf("ABI %d: %v, want ErrUnsupported", abi, err)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if k.Landlock.HandledFS&^handledFS(abi) != 0 || k.Landlock.Rules[0].Access&^handledFS(abi) != 0 {
		t.Errorf("ABI %d: handled %#x, rule %#x", abi, k.Landlock.HandledFS, k.Landlock.Rules[0].Access)
	}
	if p.Landlock.HandledFS == k.Landlock.HandledFS && len(missing) > 0 || p.Landlock.HandledFS != k.Landlock.HandledFS && len(missing) == 0 {
		t.Errorf("ABI %d: dropped %#x, missing %v", abi, p.Landlock.HandledFS&^k.Landlock.HandledFS, missing)
	}
	t.Logf("Landlock ABI %d; not enforced here: %v", abi, missing)
}
