package proc

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/release-daemon/release/internal/testenv"
)

// wantUnsafe fails the test unless err is ErrUnsafeLock naming path and
// giving the reason.
func wantUnsafe(t *testing.T, err error, path, reason string) {
	t.Helper()
	if !errors.Is(err, ErrUnsafeLock) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), reason) {
		t.Fatalf("Lock(%s) = %v, want ErrUnsafeLock naming the path and %q", path, err, reason)
	}
}

// lockMustRefuse takes the lock at path, which must be refused for the
// reason given, and returns the error's text.
func lockMustRefuse(t *testing.T, path, reason string) string {
	t.Helper()
	l, err := Lock(path)
	if err == nil {
		l.Unlock()
	}
	wantUnsafe(t, err, path, reason)
	return err.Error()
}

// TestLockRefusesHardLinks names another file by a hard link as the lock
// file: Lock refuses it and the other file keeps its content.
func TestLockRefusesHardLinks(t *testing.T) {
	dir := t.TempDir()
	victim := filepath.Join(dir, "passwd")
	os.WriteFile(victim, []byte("root:x:0:0\n"), 0o644)
	path := filepath.Join(dir, "h.pid")
	if err := os.Link(victim, path); err != nil {
		t.Fatal(err)
	}
	msg := lockMustRefuse(t, path, "2 hard links")
	got, _ := os.ReadFile(victim)
	names := dirNames(t, dir)
	t.Logf("%s; the linked file holds %q; the directory holds %q", msg, got, names)
	if string(got) != "root:x:0:0\n" {
		t.Fatalf("the linked file was changed to %q", got)
	}
	if !slices.Equal(names, []string{"h.pid", "passwd"}) {
		t.Fatalf("the directory holds %q, want only the two names of the file", names)
	}
}

// TestLockRefusesOtherUsersFile leaves another user's lock file alone, even
// to root: that user could hold its lock for ever or rewrite the PID.
func TestLockRefusesOtherUsersFile(t *testing.T) {
	testenv.RequireRoot(t) // only root can make a file another user's
	path := filepath.Join(t.TempDir(), "o.pid")
	os.WriteFile(path, []byte("4242\n"), 0o644)
	if err := os.Chown(path, testenv.UserID, testenv.UserID); err != nil {
		t.Fatal(err)
	}
	msg := lockMustRefuse(t, path, "owned by uid "+strconv.Itoa(testenv.UserID))
	got, _ := os.ReadFile(path)
	t.Logf("%s; the file holds %q", msg, got)
	if string(got) != "4242\n" {
		t.Fatalf("the other user's file was changed to %q", got)
	}
}

// TestLockRefusesWorldWritableFile leaves alone a lock file that anyone
// could rewrite.
func TestLockRefusesWorldWritableFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.pid")
	os.WriteFile(path, []byte("1\n"), 0o644)
	os.Chmod(path, 0o666)
	msg := lockMustRefuse(t, path, "writable by others")
	got, _ := os.ReadFile(path)
	t.Logf("%s; the file holds %q", msg, got)
	if string(got) != "1\n" {
		t.Fatalf("the file was changed to %q", got)
	}
}

// TestLockDirectoryMustBeStickyIfShared refuses a lock in a directory
// anyone can write to, unless it is sticky as /tmp is; there a stale file
// of ours is still reclaimed.
func TestLockDirectoryMustBeStickyIfShared(t *testing.T) {
	shared := filepath.Join(t.TempDir(), "shared")
	os.Mkdir(shared, 0o755)
	os.Chmod(shared, 0o777)
	path := filepath.Join(shared, "d.pid")
	msg := lockMustRefuse(t, path, "not sticky")
	if names := dirNames(t, shared); len(names) != 0 {
		t.Fatalf("a refused Lock left %q in the directory", names)
	}
	os.Chmod(shared, 0o777|os.ModeSticky)
	os.WriteFile(path, []byte("999999999\n"), 0o644)
	l, err := Lock(path)
	if err != nil {
		t.Fatalf("Lock of a stale file of ours in a sticky directory: %v", err)
	}
	defer l.Unlock()
	got, _ := os.ReadFile(path)
	t.Logf("%s; in the sticky directory, the stale file now holds %q", msg, got)
	if string(got) != strconv.Itoa(os.Getpid())+"\n" {
		t.Fatalf("the reclaimed file holds %q", got)
	}
}
