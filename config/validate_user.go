package config

import (
	"fmt"
	"os/user"
	"strconv"
)

// The validations of accounts. Each wants a string value, a name, looked up
// with os/user when the Config is checked (through the C library's NSS
// with cgo; from /etc/passwd and /etc/group without). A failed lookup is
// os/user's error: [user.UnknownUserError] or [user.UnknownGroupError] for
// an unknown name.

// ExistingUser checks that the value names a user.
func ExistingUser(v Value) error {
	_, err := lookupUser(v)
	return err
}

// UnprivilegedUser checks that the value names a user whose uid is not 0.
func UnprivilegedUser(v Value) error {
	u, err := lookupUser(v)
	if err != nil {
		return err
	}
	if u.Uid == "0" {
		return fmt.Errorf("user %s is privileged (uid 0)", strconv.Quote(u.Username))
	}
	return nil
}

// ExistingGroup checks that the value names a group.
func ExistingGroup(v Value) error {
	name, ok := v.Str()
	if !ok {
		return notA(v, KindString)
	}
	_, err := user.LookupGroup(name)
	return err
}

func lookupUser(v Value) (*user.User, error) {
	name, ok := v.Str()
	if !ok {
		return nil, notA(v, KindString)
	}
	return user.Lookup(name)
}
