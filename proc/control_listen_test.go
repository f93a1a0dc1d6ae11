package proc

import (
	"context"
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

func TestControlModeUnderUmask0(t *testing.T) {
	for _, tc := range []struct {
		name string
		mode fs.FileMode
		want fs.FileMode
	}{{"default", 0, 0o600}, {"0660", 0o660, 0o660}} {
		t.Run(tc.name, func(t *testing.T) {
			old := syscall.Umask(0)
			path := sockPath(t)
			stop := startControl(t, path, echoControl, ControlOptions{Mode: tc.mode})
			syscall.Umask(old)
			fi, err := os.Lstat(path)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Type() != fs.ModeSocket || fi.Mode().Perm() != tc.want {
				t.Errorf("socket mode %v, want %v", fi.Mode(), fs.ModeSocket|tc.want)
			}
			stop()
		})
	}
}

func TestControlReplacesStaleSocket(t *testing.T) {
	path := sockPath(t)
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	ln.Close() // a socket file nobody listens on, as a SIGKILLed master leaves
	start := time.Now()
	startControl(t, path, echoControl, ControlOptions{})
	if d := time.Since(start); d > time.Second {
		t.Errorf("replacing the stale socket took %v", d)
	}
	if resp, err := call(dialControl(t, path), "x"); err != nil || resp != "re:x" {
		t.Errorf("after replacing: %q, %v", resp, err)
	}
}

func TestControlRefusesLiveSocket(t *testing.T) {
	path := sockPath(t)
	startControl(t, path, echoControl, ControlOptions{})
	before, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = ControlSocket(ctx, path, echoControl, ControlOptions{Logger: discardLogger()})
	var pe *os.PathError
	if !errors.Is(err, ErrAddrInUse) || !errors.As(err, &pe) || pe.Path != path {
		t.Fatalf("second ControlSocket: %v, want an *os.PathError for ErrAddrInUse", err)
	}
	after, err := os.Lstat(path)
	if err != nil || !os.SameFile(before, after) {
		t.Fatalf("the first socket's file was replaced (%v)", err)
	}
	if resp, err := call(dialControl(t, path), "x"); err != nil || resp != "re:x" {
		t.Errorf("the first socket no longer answers: %q, %v", resp, err)
	}
}

func TestControlRefusesNonSocket(t *testing.T) {
	for _, tc := range []struct {
		name string
		make func(path, target string) error
	}{
		{"regular file", func(path, _ string) error { return os.WriteFile(path, []byte("keep me"), 0o644) }},
		{"symlink", func(path, target string) error { return os.Symlink(target, path) }},
		{"directory", func(path, _ string) error { return os.Mkdir(path, 0o755) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := sockPath(t)
			target := filepath.Join(filepath.Dir(path), "target")
			if err := os.WriteFile(target, []byte("target"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := tc.make(path, target); err != nil {
				t.Fatal(err)
			}
			before, _ := os.Lstat(path)
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			err := ControlSocket(ctx, path, echoControl, ControlOptions{Logger: discardLogger()})
			if !errors.Is(err, ErrNotSocket) {
				t.Fatalf("ControlSocket: %v, want ErrNotSocket", err)
			}
			after, err := os.Lstat(path)
			if err != nil || !os.SameFile(before, after) || before.ModTime() != after.ModTime() {
				t.Errorf("the path was changed (%v)", err)
			}
			if b, err := os.ReadFile(target); err != nil || string(b) != "target" {
				t.Errorf("the target holds %q, %v", b, err)
			}
			if b, err := os.ReadFile(path); tc.name == "regular file" && string(b) != "keep me" {
				t.Errorf("the file holds %q, %v", b, err)
			}
		})
	}
}

func TestControlLeavesAReplacedPath(t *testing.T) {
	path := sockPath(t)
	stop := startControl(t, path, echoControl, ControlOptions{})
	// Another process takes the path over while we run.
	if err := os.Rename(path, path+".old"); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("theirs"), 0o644); err != nil {
		t.Fatal(err)
	}
	stop()
	if b, err := os.ReadFile(path); err != nil || string(b) != "theirs" {
		t.Errorf("the new file at the path was touched: %q, %v", b, err)
	}
}
