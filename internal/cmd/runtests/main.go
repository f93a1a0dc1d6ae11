// Command runtests is the entry point of the root-test container built by
// scripts/docker-test.sh: it runs every test binary in /tests, as root, and
// prints one summary line per binary, with how many tests passed and were
// skipped. A binary that fails has its whole output printed before its
// line; one that passes has none, unless VERBOSE is set. It exits non-zero
// if any failed.
package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

func main() {
	tests, err := filepath.Glob("/tests/*.test")
	if err != nil || len(tests) == 0 {
		fmt.Fprintln(os.Stderr, "runtests: no test binaries in /tests")
		os.Exit(2)
	}
	if failed := runAll(tests, os.Stdout, os.Getenv("VERBOSE") != ""); failed > 0 {
		os.Exit(1)
	}
}

// runAll runs each test binary in turn, writing its summary line to w,
// and its output too when it fails or verbose is set; it returns how many
// failed.
func runAll(tests []string, w io.Writer, verbose bool) (failed int) {
	for _, t := range tests {
		start := time.Now()
		out, err := runOne(t)
		status := "ok  "
		if err != nil {
			status = "FAIL"
			failed++
		}
		if err != nil || verbose {
			w.Write(out)
		}
		passed, skipped := count(out)
		fmt.Fprintf(w, "%s\tcontainer:%s\t%.3fs\t%d passed, %d skipped\n", status, filepath.Base(t),
			time.Since(start).Seconds(), passed, skipped)
	}
	fmt.Fprintf(w, "container: %d passed, %d failed\n", len(tests)-failed, failed)
	return failed
}

// runOne runs one test binary verbosely, from /tmp, and returns its
// combined output.
func runOne(path string) ([]byte, error) {
	cmd := exec.Command(path, "-test.count=1", "-test.timeout=10m", "-test.v")
	cmd.Dir = os.TempDir()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.Bytes(), err
}

// count counts the top-level tests (and examples) that passed and that
// were skipped in a -test.v output.
func count(out []byte) (passed, skipped int) {
	for line := range strings.Lines(string(out)) {
		switch {
		case strings.HasPrefix(line, "--- PASS: "):
			passed++
		case strings.HasPrefix(line, "--- SKIP: "):
			skipped++
		}
	}
	return passed, skipped
}
