package config_test

import (
	"errors"
	"io/fs"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/release-daemon/release/config"
)

// fileKinds makes one file of each kind in a temporary directory and
// returns their paths by name. The socket listens until the test ends.
func fileKinds(t *testing.T) map[string]string {
	t.Helper()
	dir := t.TempDir()
	p := func(name string) string { return filepath.Join(dir, name) }
	writeFile(t, p("file"), "x")
	writeFile(t, p("empty"), "")
	must(t, os.Mkdir(p("dir"), 0o755))
	must(t, os.Symlink(p("file"), p("link")))
	must(t, os.Symlink(p("missing"), p("dangling")))
	must(t, os.Symlink(p("dir"), p("linkdir")))
	must(t, syscall.Mkfifo(p("fifo"), 0o644))
	ln, err := net.Listen("unix", p("s")) // short: the limit is 108 bytes
	if err != nil {
		t.Fatalf("unix socket: %v", err)
	}
	t.Cleanup(func() { ln.Close() })
	return map[string]string{
		"file": p("file"), "empty": p("empty"), "dir": p("dir"), "link": p("link"),
		"dangling": p("dangling"), "linkdir": p("linkdir"), "fifo": p("fifo"), "socket": p("s"),
		"missing": p("missing"), "null": "/dev/null",
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestFileValidations: every file validation against a
// regular file, an empty one, a directory, a symlink to a file and to a
// directory, a dangling symlink, a fifo, a unix socket, /dev/null and a
// missing path. The table is the one in doc.go.
func TestFileValidations(t *testing.T) {
	paths := fileKinds(t)
	kinds := []string{"file", "empty", "dir", "link", "linkdir", "dangling", "fifo", "socket", "null", "missing"}
	for _, c := range []struct {
		name     string
		validate config.Validation
		ok       string // the kinds that pass, space-separated
	}{
		{"ExistingFile", config.ExistingFile, "file empty dir link linkdir fifo socket null"},
		{"RegularFile", config.RegularFile, "file empty link"},
		{"NonemptyFile", config.NonemptyFile, "file link"},
		{"ExistingDirectory", config.ExistingDirectory, "dir linkdir"},
		{"NamedPipe", config.NamedPipe, "fifo"},
		{"UnixSocket", config.UnixSocket, "socket"},
		{"CharacterDevice", config.CharacterDevice, "null"},
		{"BlockDevice", config.BlockDevice, ""},
		{"SymbolicLink", config.SymbolicLink, "link linkdir dangling"},
	} {
		for _, kind := range kinds {
			t.Run(c.name+"/"+kind, func(t *testing.T) {
				err := c.validate(config.StringValue(paths[kind]))
				if want := contains(c.ok, kind); (err == nil) != want {
					t.Fatalf("%s(%s) = %v; want ok = %v", c.name, paths[kind], err, want)
				}
			})
		}
		t.Run(c.name+"/not a string", func(t *testing.T) {
			if err := c.validate(config.IntValue(1)); err == nil {
				t.Fatal("an int passed")
			}
		})
	}
}

func contains(list, word string) bool { return slices.Contains(strings.Fields(list), word) }

// TestFileValidationErrors checks that a missing file's error is the
// *fs.PathError, so that errors.Is finds fs.ErrNotExist through Parse.
func TestFileValidationErrors(t *testing.T) {
	spec := config.Spec{{Keys: []config.Key{{Name: "path", Validations: []config.Validation{config.ExistingFile}}}}}
	errs := parseErrs(t, "\npath = \"/nonexistent/file\"", spec)
	if !errors.Is(errs, fs.ErrNotExist) || !errors.Is(errs, config.ErrInvalid) || errs[0].Line != 2 || errs[0].Key != "path" {
		t.Fatalf("got %v", errs)
	}
	var pe *fs.PathError
	if !errors.As(errs, &pe) || pe.Path != "/nonexistent/file" {
		t.Fatalf("no *fs.PathError for the path in %v", errs)
	}
}

func TestBlockDevice(t *testing.T) {
	dev := findBlockDevice()
	if dev == "" {
		t.Skip("no block device under /dev to check BlockDevice against")
	}
	if err := config.BlockDevice(config.StringValue(dev)); err != nil {
		t.Fatalf("BlockDevice(%s): %v", dev, err)
	}
	if err := config.CharacterDevice(config.StringValue(dev)); err == nil {
		t.Fatalf("CharacterDevice(%s) passed", dev)
	}
	if err := config.BlockDevice(config.StringValue("/dev/null")); err == nil {
		t.Fatal("BlockDevice(/dev/null) passed")
	}
}

// findBlockDevice returns a block device under /dev, or "".
func findBlockDevice() string {
	for _, pattern := range []string{"/dev/loop*", "/dev/[shv]d?", "/dev/nvme*", "/dev/ram*", "/dev/*"} {
		names, _ := filepath.Glob(pattern)
		for _, name := range names {
			fi, err := os.Stat(name)
			if err == nil && fi.Mode()&fs.ModeDevice != 0 && fi.Mode()&fs.ModeCharDevice == 0 {
				return name
			}
		}
	}
	return ""
}

func TestExistingDirname(t *testing.T) {
	paths := fileKinds(t)
	for _, c := range []struct {
		path string
		ok   bool
	}{
		{filepath.Join(paths["dir"], "new.pid"), true},
		{filepath.Join(paths["linkdir"], "new.pid"), true},
		{paths["file"], true}, // its directory exists
		{filepath.Join(paths["missing"], "new.pid"), false},
		{filepath.Join(paths["file"], "new.pid"), false},
		{"relative-in-cwd.pid", true},
	} {
		if err := config.ExistingDirname(config.StringValue(c.path)); (err == nil) != c.ok {
			t.Errorf("ExistingDirname(%s) = %v; want ok = %v", c.path, err, c.ok)
		}
	}
}

func TestFileWithMode(t *testing.T) {
	paths := fileKinds(t)
	file := paths["file"]
	for _, c := range []struct {
		chmod fs.FileMode
		perm  uint32
		ok    bool
	}{
		{0o640, 0o640, true},
		{0o640, 0o600, false},
		{0o755 | fs.ModeSetuid, 0o4755, true},
		{0o755 | fs.ModeSetuid, 0o755, false},
		{0o750 | fs.ModeSetgid, 0o2750, true},
		{0o755 | fs.ModeSticky, 0o1755, true},
	} {
		must(t, os.Chmod(file, c.chmod))
		if err := config.FileWithMode(c.perm)(config.StringValue(file)); (err == nil) != c.ok {
			t.Errorf("chmod %v, FileWithMode(%#o) = %v; want ok = %v", c.chmod, c.perm, err, c.ok)
		}
	}
	if err := config.FileWithMode(0o777)(config.StringValue(paths["link"])); err == nil {
		t.Errorf("FileWithMode looked at the link's own mode, not the file's")
	}
}

// TestFileWithOwnerAndGroup checks the file's owner and group against the
// current user's, then, as root, against nobody's after a chown.
func TestFileWithOwnerAndGroup(t *testing.T) {
	file := fileKinds(t)["file"]
	me, err := user.Current()
	must(t, err)
	group, err := user.LookupGroupId(me.Gid)
	must(t, err)
	v := config.StringValue(file)
	if err := config.FileWithOwner(me.Username)(v); err != nil {
		t.Errorf("FileWithOwner(%s): %v", me.Username, err)
	}
	if err := config.FileWithGroup(group.Name)(v); err != nil {
		t.Errorf("FileWithGroup(%s): %v", group.Name, err)
	}
	if err := config.FileWithOwner("no-such-user-4242")(v); err == nil {
		t.Error("FileWithOwner of an unknown user passed")
	}
	if err := config.FileWithGroup("no-such-group-4242")(v); err == nil {
		t.Error("FileWithGroup of an unknown group passed")
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root to chown the file to nobody")
	}
	nobody, err := user.Lookup("nobody")
	if err != nil {
		t.Skipf("no user nobody: %v", err)
	}
	uid, _ := strconv.Atoi(nobody.Uid)
	must(t, os.Chown(file, uid, -1))
	if err := config.FileWithOwner("nobody")(v); err != nil {
		t.Errorf("FileWithOwner(nobody) after chown: %v", err)
	}
	if err := config.FileWithOwner(me.Username)(v); err == nil {
		t.Errorf("FileWithOwner(%s) passed after chown to nobody", me.Username)
	}
}
