// Package testenv holds helpers shared by the project's tests: skipping
// tests that need root, and the test user and jail the privilege tests drop
// to. It is internal: users of the library never import it.
package testenv

import (
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"testing"
)

// The test user: uid and gid 4242, no shell,
// and a home that is a root-owned 0755 jail holding a root-only secret.
const (
	UserName = "reltest"               // its name
	UserID   = 4242                    // its uid and gid
	Jail     = "/var/tmp/reltest-jail" // its home
	Secret   = "secret"                // a 0600 root file inside the jail
)

// RequireRoot skips the test unless it runs as root.
func RequireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: run `make docker-test` to run it in a container as root")
	}
}

// TestUser makes sure the test user and its jail exist, creating them with
// useradd when needed, and returns the user. It needs root.
func TestUser(t testing.TB) *user.User {
	t.Helper()
	RequireRoot(t)
	if err := makeJail(); err != nil {
		t.Fatalf("making the jail %s: %v", Jail, err)
	}
	u, err := user.Lookup(UserName)
	if err == nil {
		return u
	}
	id := strconv.Itoa(UserID)
	if _, err := user.LookupGroupId(id); err != nil {
		if out, err := exec.Command("groupadd", "--gid", id, UserName).CombinedOutput(); err != nil {
			t.Skipf("cannot create the test group (groupadd: %v: %s)", err, out)
		}
	}
	out, err := exec.Command("useradd", "--uid", id, "--gid", id, "--no-create-home",
		"--home-dir", Jail, "--shell", "/usr/sbin/nologin", UserName).CombinedOutput()
	if err != nil {
		t.Skipf("cannot create the test user (useradd: %v: %s)", err, out)
	}
	if u, err = user.Lookup(UserName); err != nil {
		t.Fatalf("looking up %s after useradd: %v", UserName, err)
	}
	return u
}

// makeJail creates the jail, root-owned 0755, with a 0600 secret inside.
func makeJail() error {
	if err := os.MkdirAll(Jail, 0o755); err != nil {
		return err
	}
	if err := os.Chown(Jail, 0, 0); err != nil {
		return err
	}
	if err := os.Chmod(Jail, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(Jail, Secret), []byte("not for workers\n"), 0o600)
}

// OpenFDs counts the calling process's open file descriptors, for the
// leak checks that compare counts before and after.
func OpenFDs(t testing.TB) int {
	t.Helper()
	startPoller()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}
