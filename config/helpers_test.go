package config_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/release-daemon/release/config"
)

// parse parses src with no spec and fails the test on error.
func parse(t *testing.T, src string) *config.Config {
	t.Helper()
	cfg, err := config.ParseBytes("t.conf", []byte(src), nil)
	if err != nil {
		t.Fatalf("ParseBytes(%q): %v", src, err)
	}
	return cfg
}

// parseErrs parses src with spec and returns its errors, failing the test
// when there are none or they are not an ErrorList.
func parseErrs(t *testing.T, src string, spec config.Spec) config.ErrorList {
	t.Helper()
	_, err := config.ParseBytes("t.conf", []byte(src), spec)
	if err == nil {
		t.Fatalf("ParseBytes(%q) succeeded; want an error", src)
	}
	errs, ok := errors.AsType[config.ErrorList](err)
	if !ok {
		t.Fatalf("ParseBytes(%q): %v (%T) is not an ErrorList", src, err, err)
	}
	return errs
}

// dump returns every section, key, kind and value of c, a line each, for
// comparisons and golden files.
func dump(c *config.Config) string {
	var b strings.Builder
	for _, s := range append([]string{""}, c.Sections()...) {
		if s != "" {
			fmt.Fprintf(&b, "[%s]\n", s)
		}
		for _, k := range c.Keys(s) {
			v, _ := c.Get(s, k)
			fmt.Fprintf(&b, "%s %s %s\n", k, v.Kind(), v)
		}
	}
	return b.String()
}
