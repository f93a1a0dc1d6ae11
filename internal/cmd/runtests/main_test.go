package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeTest writes a script that prints lines as a -test.v binary does,
// many worker log lines among them, and exits with code.
func fakeTest(t *testing.T, name string, code int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("#!/bin/sh\n")
	b.WriteString("echo '=== RUN   TestA'\necho '--- PASS: TestA (0.00s)'\n")
	b.WriteString("echo '=== RUN   TestB'\necho '    b_test.go:1: needs something'\necho '--- SKIP: TestB (0.00s)'\n")
	b.WriteString("i=0; while [ $i -lt 300 ]; do echo \"INFO worker running pid=$i\" >&2; i=$((i+1)); done\n")
	if code != 0 {
		b.WriteString("echo '--- FAIL: TestC (0.00s)'\necho FAIL\n")
	} else {
		b.WriteString("echo PASS\n")
	}
	b.WriteString("exit " + string(rune('0'+code)) + "\n")
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(b.String()), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestQuietOnSuccess: a passing binary is one line, with its counts; a
// failing one has all of its output before its line.
func TestQuietOnSuccess(t *testing.T) {
	good, bad := fakeTest(t, "good.test", 0), fakeTest(t, "bad.test", 1)
	var out strings.Builder
	if failed := runAll([]string{good}, &out, false); failed != 0 {
		t.Fatalf("a passing binary counted as failed:\n%s", out.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "ok  \tcontainer:good.test\t") ||
		!strings.HasSuffix(lines[0], "\t1 passed, 1 skipped") {
		t.Fatalf("a passing binary printed %d lines, want its summary and the total:\n%s", len(lines), out.String())
	}
	quiet := len(lines)

	out.Reset()
	if failed := runAll([]string{good, bad}, &out, false); failed != 1 {
		t.Fatalf("%d failed, want 1:\n%s", failed, out.String())
	}
	got := out.String()
	if !strings.Contains(got, "--- FAIL: TestC") || strings.Count(got, "INFO worker running") != 300 ||
		!strings.Contains(got, "FAIL\tcontainer:bad.test\t") || !strings.HasSuffix(got, "container: 1 passed, 1 failed\n") {
		t.Fatalf("a failing binary's output is not all there:\n%s", got)
	}
	t.Logf("passing binary: %d lines; failing one: %d lines", quiet, strings.Count(got, "\n"))
}
