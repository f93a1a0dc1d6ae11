package config_test

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/release-daemon/release/config"
)

func TestParseReader(t *testing.T) {
	c, err := config.ParseReader("r.conf", iotest.OneByteReader(strings.NewReader("a = 1\n[s]\nb = \"x\"")), nil)
	if err != nil || dump(c) != "a int 1\n[s]\nb string \"x\"\n" || c.File() != "r.conf" {
		t.Fatalf("%v, %v", c, err)
	}
	boom := errors.New("boom")
	if _, err := config.ParseReader("r.conf", iotest.ErrReader(boom), nil); !errors.Is(err, boom) {
		t.Fatalf("reader error: %v", err)
	}
	big := io.LimitReader(zeroReader{}, config.MaxSize+10)
	if _, err := config.ParseReader("r.conf", big, nil); !errors.Is(err, config.ErrTooLarge) {
		t.Fatalf("too large: %v", err)
	}
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	return len(p), nil
}

func TestParseBytesTooLarge(t *testing.T) {
	data := make([]byte, config.MaxSize+1)
	if _, err := config.ParseBytes("b.conf", data, nil); !errors.Is(err, config.ErrTooLarge) {
		t.Fatalf("got %v", err)
	}
}

// TestParseBytesCopies checks that the Config does not share the caller's
// buffer.
func TestParseBytesCopies(t *testing.T) {
	data := []byte("k = \"value\" w = word")
	c, err := config.ParseBytes("b.conf", data, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range data {
		data[i] = 'X'
	}
	if s, _ := c.String("", "k"); s != "value" {
		t.Fatalf("k = %q after the buffer changed", s)
	}
	if w, _ := c.Keyword("", "w"); w != "word" {
		t.Fatalf("w = %q after the buffer changed", w)
	}
}

// TestParseClosesFiles checks that Parse leaves no file open, on success
// and on every kind of failure (W24: the original leaked its channel when
// the lexer raised).
func TestParseClosesFiles(t *testing.T) {
	if _, err := os.Stat("/proc/self/fd"); err != nil {
		t.Skipf("no /proc/self/fd to count open files: %v", err)
	}
	dir := t.TempDir()
	big := filepath.Join(dir, "big.conf")
	writeFile(t, big, strings.Repeat("#", config.MaxSize+1))
	files := []string{
		"testdata/layout/values.conf", "testdata/malformed/bad-unterminated-string.conf",
		"testdata/malformed/bad-unknown-key.conf", "testdata/malformed/bad-nul.conf", dir, big,
		filepath.Join(dir, "missing"),
	}
	before := openFiles(t)
	for range 20 {
		for _, f := range files {
			config.Parse(f, malformedSpec)
		}
	}
	if after := openFiles(t); after != before {
		t.Fatalf("%d open files before, %d after", before, after)
	}
}

func openFiles(t *testing.T) int {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(fds)
}

func TestParseDirectory(t *testing.T) {
	_, err := config.Parse(t.TempDir(), nil)
	var pe *fs.PathError
	if !errors.As(err, &pe) {
		t.Fatalf("got %v (%T); want an *fs.PathError", err, err)
	}
}
