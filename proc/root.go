package proc

import "os"

// CheckRoot returns [ErrNotRoot] unless the process runs with effective uid
// 0. The original checked the real uid, which a setuid program gets wrong.
func CheckRoot() error {
	if os.Geteuid() != 0 {
		return ErrNotRoot
	}
	return nil
}

// CheckNonRoot returns [ErrRoot] if the process runs with effective uid 0.
func CheckNonRoot() error {
	if os.Geteuid() == 0 {
		return ErrRoot
	}
	return nil
}
