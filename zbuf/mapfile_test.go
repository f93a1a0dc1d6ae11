package zbuf_test

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/release-daemon/release/zbuf"
)

// writeFile writes size bytes (i mod 251) to a new file and returns its
// path and contents.
func writeFile(t testing.TB, size int) (string, []byte) {
	t.Helper()
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(i % 251)
	}
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path, data
}

func TestMapFile(t *testing.T) {
	p := newPool(t, zbuf.Config{})
	path, data := writeFile(t, 3*os.Getpagesize()+100)
	b, err := p.MapFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if b.Len() != len(data) || b.Cap() != len(data) || !bytes.Equal(b.Bytes(), data) || b.String() != string(data) {
		t.Fatalf("mapped %d bytes, want the file's %d", b.Len(), len(data))
	}
	if got, want := b.IndexFrom(300, 7), 251+7+251; got != want {
		t.Errorf("IndexFrom = %d, want %d", got, want)
	}
	v := b.Sub(10, 20)
	for name, err := range map[string]error{
		"Set": b.Set(0, 1), "AppendByte": b.AppendByte(1), "Append": b.Append([]byte("x")),
		"AppendString": v.AppendString("x"), "Wipe": v.Wipe(), "Blit": zbuf.Blit(b, 0, v, 0, 1),
	} {
		if !errors.Is(err, zbuf.ErrReadOnly) {
			t.Errorf("%s on a mapped file: %v, want ErrReadOnly", name, err)
		}
	}
	if st := p.Stats(); st.Mappings != 1 || st.InUse != int64(len(data)) {
		t.Errorf("Stats with a mapped file: %+v", st)
	}
	_ = b.Free()
	if v.At(0) != data[10] {
		t.Error("view lost its bytes after the parent's Free")
	}
	_ = v.Free()
	if st := p.Stats(); st.Mappings != 0 || st.InUse != 0 {
		t.Errorf("Stats after freeing a mapped file: %+v", st)
	}
}

func TestMapFileErrors(t *testing.T) {
	p := newPool(t, zbuf.Config{})
	if _, err := p.MapFile(filepath.Join(t.TempDir(), "missing")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v, want fs.ErrNotExist", err)
	}
	if _, err := p.MapFile(t.TempDir()); err == nil {
		t.Error("mapping a directory succeeded")
	}
	empty, _ := writeFile(t, 0)
	b, err := p.MapFile(empty)
	if err != nil || b.Len() != 0 || !errors.Is(b.Append([]byte("x")), zbuf.ErrReadOnly) {
		t.Errorf("empty file: %v, Len %d", err, b.Len())
	}
	_ = b.Free()
	_ = p.Close()
	if _, err := p.MapFile(empty); !errors.Is(err, zbuf.ErrClosed) {
		t.Errorf("MapFile after Close: %v, want ErrClosed", err)
	}
}

// shrunkFile maps a 4-page file and a view of its third page, then
// truncates the file to one page under the mapping.
func shrunkFile(t *testing.T) (b, v zbuf.Buffer, data []byte) {
	page := os.Getpagesize()
	path, data := writeFile(t, 4*page)
	b, err := zbuf.MapFile(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Free() })
	v = b.Sub(2*page, page)
	t.Cleanup(func() { _ = v.Free() })
	if err := os.Truncate(path, int64(page)); err != nil {
		t.Fatal(err)
	}
	return b, v, data
}

// TestMapFileShrink maps a file, truncates it under the mapping, and
// checks that every safe accessor reports ErrFault instead of the process
// dying of SIGBUS.
func TestMapFileShrink(t *testing.T) {
	page := os.Getpagesize()
	b, v, data := shrunkFile(t)
	if b.At(10) != data[10] || b.Err() != nil {
		t.Fatal("the page still in the file should read fine")
	}
	checks := map[string]func() bool{
		"At":         func() bool { return b.At(3*page) == 0 },
		"Index":      func() bool { return b.IndexFrom(page, 0xff) == -1 },
		"String":     func() bool { return b.String() == "" },
		"view At":    func() bool { return v.At(0) == 0 },
		"view Index": func() bool { return v.Index(1) == -1 },
	}
	for name, ok := range checks {
		if !ok() {
			t.Errorf("%s past the new end: wrong zero value", name)
		}
	}
	if !errors.Is(b.Err(), zbuf.ErrFault) || !errors.Is(v.Err(), zbuf.ErrFault) {
		t.Fatalf("Err after faults: %v, %v; want ErrFault", b.Err(), v.Err())
	}
	if _, err := b.ReadAt(make([]byte, 10), int64(2*page)); !errors.Is(err, zbuf.ErrFault) {
		t.Errorf("ReadAt: %v, want ErrFault", err)
	}
}

// TestMapFileShrinkCopies checks the functions that copy out of a mapped
// file that shrank: Blit, AppendBuffer and WriteAll report ErrFault.
func TestMapFileShrinkCopies(t *testing.T) {
	page := os.Getpagesize()
	b, v, _ := shrunkFile(t)
	dst, _ := zbuf.New(4 * page)
	defer dst.Free()
	if err := zbuf.Blit(b, 0, dst, 0, 4*page); !errors.Is(err, zbuf.ErrFault) || dst.Len() != 0 {
		t.Errorf("Blit from the shrunk file: %v, dst Len %d", err, dst.Len())
	}
	if err := dst.AppendBuffer(v); !errors.Is(err, zbuf.ErrFault) || dst.Len() != 0 {
		t.Errorf("AppendBuffer of the shrunk file: %v, dst Len %d", err, dst.Len())
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	go io.Copy(io.Discard, r)
	if err := zbuf.WriteAll(w, v); !errors.Is(err, zbuf.ErrFault) {
		t.Errorf("WriteAll of the shrunk file: %v, want ErrFault", err)
	}
}
