package config_test

import (
	"os/user"
	"testing"

	"github.com/release-daemon/release/config"
)

// requireUser skips unless the account exists.
func requireUser(t *testing.T, name string) {
	t.Helper()
	if _, err := user.Lookup(name); err != nil {
		t.Skipf("no user %q on this system: %v", name, err)
	}
}

func requireGroup(t *testing.T, name string) {
	t.Helper()
	if _, err := user.LookupGroup(name); err != nil {
		t.Skipf("no group %q on this system: %v", name, err)
	}
}

// TestUserValidations: real accounts, a name that
// does not exist, and root (uid 0) for UnprivilegedUser.
func TestUserValidations(t *testing.T) {
	const missing = "no-such-account-4242"
	for _, c := range []struct {
		name     string
		validate config.Validation
		account  string
		need     func(*testing.T, string)
		ok       bool
	}{
		{"ExistingUser root", config.ExistingUser, "root", requireUser, true},
		{"ExistingUser nobody", config.ExistingUser, "nobody", requireUser, true},
		{"ExistingUser missing", config.ExistingUser, missing, nil, false},
		{"UnprivilegedUser nobody", config.UnprivilegedUser, "nobody", requireUser, true},
		{"UnprivilegedUser root", config.UnprivilegedUser, "root", requireUser, false},
		{"UnprivilegedUser missing", config.UnprivilegedUser, missing, nil, false},
		{"ExistingGroup root", config.ExistingGroup, "root", requireGroup, true},
		{"ExistingGroup nogroup", config.ExistingGroup, "nogroup", requireGroup, true},
		{"ExistingGroup missing", config.ExistingGroup, missing, nil, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.need != nil {
				c.need(t, c.account)
			}
			if err := c.validate(config.StringValue(c.account)); (err == nil) != c.ok {
				t.Fatalf("%s(%s) = %v; want ok = %v", c.name, c.account, err, c.ok)
			}
		})
	}
	for _, v := range []config.Validation{config.ExistingUser, config.UnprivilegedUser, config.ExistingGroup} {
		if err := v(config.KeywordValue("root")); err == nil {
			t.Error("a keyword passed an account validation")
		}
	}
}

// TestUserValidationInSpec runs the original's example: a list of users
// checked with ListOf(ExistingUser), and user = root refused by
// UnprivilegedUser at its line.
func TestUserValidationInSpec(t *testing.T) {
	requireUser(t, "root")
	spec := config.Spec{
		{Keys: []config.Key{{Name: "user", Validations: []config.Validation{config.UnprivilegedUser}}}},
		{Name: "another-section", Keys: []config.Key{
			{Name: "privileged_users", Default: config.DefaultStringList("root"), Validations: []config.Validation{config.ListOf(config.ExistingUser)}},
		}},
	}
	errs := parseErrs(t, "user = \"root\"\n[another-section]\nprivileged_users = [\"root\", \"no-such-account-4242\"]\n", spec)
	if len(errs) != 2 || errs[0].Line != 1 || errs[0].Key != "user" || errs[1].Line != 3 || errs[1].Key != "another-section.privileged_users" {
		t.Fatalf("got %v", errs)
	}
}
