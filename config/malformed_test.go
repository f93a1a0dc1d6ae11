package config_test

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/release-daemon/release/config"
)

// malformedSpec is the spec the files in testdata/malformed are checked
// against.
var malformedSpec = config.Spec{
	{Name: "", Keys: []config.Key{
		{Name: "user", Validations: []config.Validation{config.IsString}},
		{Name: "offset", Default: config.DefaultInt(0), Validations: []config.Validation{config.IsInt}},
		{Name: "x", Default: config.DefaultInt(0), Validations: []config.Validation{config.IsInt}},
		{Name: "motd", Default: config.DefaultString(""), Validations: []config.Validation{config.IsString}},
		{Name: "names", Default: config.DefaultStringList(), Validations: []config.Validation{config.IsStringList}},
		{Name: "match", Default: config.DefaultKeyword("none")},
		{Name: "timeout", Default: config.DefaultInt(1), Validations: []config.Validation{config.IsInt}},
	}},
	{Name: "server", Keys: []config.Key{
		{Name: "port", Default: config.DefaultInt(80), Validations: []config.Validation{config.IntInRange(1, 65535)}},
		{Name: "name", Default: config.DefaultString(""), Validations: []config.Validation{config.IsString}},
	}},
	{Name: "other"},
}

// TestMalformed: each file of testdata/malformed (and a directory,
// a missing file, an unreadable file and an oversized one) gives the
// expected result: success, or a first error with the given sentinel on
// the given line (0: an error with no line), and takes < 10 ms.
func TestMalformed(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.conf")
	writeFile(t, big, strings.Repeat("# padding\n", config.MaxSize/10+1))
	long := filepath.Join(dir, "long-line.conf")
	writeFile(t, long, "user = \"nobody\"\nmotd = \""+strings.Repeat("x", config.MaxLineLength)+"\"\n")
	for _, c := range []struct {
		file string
		line int
		err  error
		msg  string // in the first error's text
	}{
		{"ok-comment-last-line.conf", 0, nil, ""},
		{"ok-crlf.conf", 0, nil, ""},
		{"ok-lf.conf", 0, nil, ""},
		{"ok-one-letter-key.conf", 0, nil, ""},
		{"ok-negative.conf", 0, nil, ""},
		{"bad-negative-port.conf", 4, config.ErrInvalid, "server.port: invalid value: -5 is not in the range [1, 65535]"},
		{"empty.conf", 0, config.ErrMissing, "user: missing required key"},
		{"bad-unterminated-string.conf", 2, config.ErrSyntax, "unterminated string"},
		{"bad-int-overflow.conf", 3, config.ErrSyntax, "out of range"},
		{"bad-decimal-escape.conf", 2, config.ErrSyntax, `\999 out of range`},
		{"bad-invalid-regexp.conf", 3, config.ErrSyntax, "invalid regexp"},
		{"bad-duplicate-section.conf", 5, config.ErrDuplicate, "server: duplicate section (first on line 2)"},
		{"bad-duplicate-key.conf", 5, config.ErrDuplicate, "server.port: duplicate key (first on line 3)"},
		{"bad-unknown-key.conf", 4, config.ErrUnknown, "server.prot: unknown key"},
		{"bad-unknown-section.conf", 4, config.ErrUnknown, "sever: unknown section"},
		{"bad-missing-key.conf", 0, config.ErrMissing, "user: missing required key"},
		{"bad-nul.conf", 2, config.ErrSyntax, "NUL byte"},
		{"bad-invalid-utf8.conf", 3, config.ErrSyntax, "invalid UTF-8"},
		{"bad-bom.conf", 1, config.ErrSyntax, "byte order mark"},
		{"bad-list-missing-bracket.conf", 2, config.ErrSyntax, "unterminated list"},
		{"bad-section-missing-bracket.conf", 2, config.ErrSyntax, "expected ']' after [server"},
		{"bad-no-value.conf", 2, config.ErrSyntax, `key "offset" has no value`},
		{"bad-no-value-before-section.conf", 2, config.ErrSyntax, "[server] on line 3 is a section header"},
		{"bad-300-brackets.conf", 2, config.ErrSyntax, "expected a section name"},
		{"bad-malformed-number.conf", 2, config.ErrSyntax, "malformed number"},
		{"bad-nested-list.conf", 2, config.ErrSyntax, "nested"},
		{"bad-unterminated-regexp.conf", 2, config.ErrSyntax, "unterminated regexp"},
		{dir, 0, syscall.EISDIR, "is a directory"},
		{filepath.Join(dir, "missing.conf"), 0, fs.ErrNotExist, "no such file"},
		{big, 0, config.ErrTooLarge, "more than"},
		{long, 2, config.ErrTooLarge, "longer than"},
	} {
		name := filepath.Base(c.file)
		if c.file == dir {
			name = "directory"
		}
		t.Run(name, func(t *testing.T) {
			path := c.file
			if !filepath.IsAbs(path) {
				path = filepath.Join("testdata/malformed", path)
			}
			took, err := parseTimed(path)
			checkFirstError(t, err, c.line, c.err, c.msg)
			if took > 10*time.Millisecond && !strings.HasPrefix(c.file, dir) {
				t.Errorf("took %v; the bar is 10 ms", took)
			}
			t.Logf("%v", took)
		})
	}
}

// parseTimed parses path against malformedSpec, three times, and returns
// the fastest time (the machine is shared) and the error.
func parseTimed(path string) (time.Duration, error) {
	var err error
	best := time.Hour
	for range 3 {
		start := time.Now()
		_, err = config.Parse(path, malformedSpec)
		best = min(best, time.Since(start))
	}
	return best, err
}

func checkFirstError(t *testing.T, err error, line int, want error, msg string) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("error %v; want none", err)
		}
		return
	}
	if !errors.Is(err, want) || !strings.Contains(errString(err), msg) {
		t.Fatalf("error %v; want %v containing %q", err, want, msg)
	}
	if pe, ok := errors.AsType[*config.ParseError](err); ok && pe.Line != line {
		t.Fatalf("first error on line %d; want %d: %v", pe.Line, line, err)
	} else if !ok && line != 0 {
		t.Fatalf("error %v has no line; want line %d", err, line)
	}
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestMalformedCRLF checks that ok-crlf.conf and ok-lf.conf give the same
// Config.
func TestMalformedCRLF(t *testing.T) {
	a, err := config.Parse("testdata/malformed/ok-crlf.conf", malformedSpec)
	b, err2 := config.Parse("testdata/malformed/ok-lf.conf", malformedSpec)
	if err != nil || err2 != nil || dump(a) != dump(b) {
		t.Fatalf("CR LF and LF differ: %v, %v", err, err2)
	}
}

// TestEmptyFile checks that an empty file is a valid Config with no spec.
func TestEmptyFile(t *testing.T) {
	cfg, err := config.Parse("testdata/malformed/empty.conf", nil)
	if err != nil || len(cfg.Sections()) != 0 || len(cfg.Keys("")) != 0 {
		t.Fatalf("empty file: %v, %v", cfg, err)
	}
}

// TestUnreadable parses a file its process may not read: as a user other
// than root, a file of mode 0; as root, by re-running the test binary as
// uid 4242 on a root-owned file of mode 0600.
func TestUnreadable(t *testing.T) {
	if os.Geteuid() != 0 {
		path := filepath.Join(t.TempDir(), "secret.conf")
		writeFile(t, path, "a = 1\n")
		if err := os.Chmod(path, 0); err != nil {
			t.Fatal(err)
		}
		if _, err := config.Parse(path, nil); !errors.Is(err, fs.ErrPermission) {
			t.Fatalf("Parse of a mode-0 file: %v; want fs.ErrPermission", err)
		}
		return
	}
	dir, err := os.MkdirTemp("", "cfg")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	// The child runs as uid 4242, so it needs a copy of the test binary it
	// can execute, in a directory it can enter.
	bin := filepath.Join(dir, "config.test")
	exe, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, exe, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "secret.conf")
	if err := os.WriteFile(path, []byte("a = 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), helperEnv+"=parse-denied", "RELEASE_CONFIG_TEST_FILE="+path)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 4242, Gid: 4242}}
	out, err := cmd.CombinedOutput()
	if errors.Is(err, fs.ErrPermission) {
		t.Skipf("cannot run the test binary as uid 4242 (%v): is %s on a noexec mount?", err, dir)
	}
	if err != nil {
		t.Fatalf("child as uid 4242: %v\n%s", err, out)
	}
}
