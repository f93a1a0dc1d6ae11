package config_test

import (
	"errors"
	"io/fs"
	"os"
	"testing"

	"github.com/release-daemon/release/config"
)

// helperEnv, when set, makes the test binary run the named helper instead
// of the tests: a child that a test started with other credentials.
const helperEnv = "RELEASE_CONFIG_TEST_HELPER"

var helpers = map[string]func() int{
	// parse-denied parses the file named by RELEASE_CONFIG_TEST_FILE and
	// exits 0 if that fails with fs.ErrPermission, 3 otherwise.
	"parse-denied": func() int {
		_, err := config.Parse(os.Getenv("RELEASE_CONFIG_TEST_FILE"), nil)
		if errors.Is(err, fs.ErrPermission) {
			return 0
		}
		os.Stderr.WriteString("parse-denied: got " + errString(err) + "\n")
		return 3
	},
}

func errString(err error) string {
	if err == nil {
		return "no error"
	}
	return err.Error()
}

func TestMain(m *testing.M) {
	if name := os.Getenv(helperEnv); name != "" {
		os.Exit(helpers[name]())
	}
	os.Exit(m.Run())
}
