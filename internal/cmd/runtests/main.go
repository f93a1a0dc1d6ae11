// Command runtests is the entry point of the root-test container built by
// scripts/docker-test.sh: it runs every test binary in /tests, as root,
// prints their output and one summary line per binary, and exits non-zero
// if any failed.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

func main() {
	tests, err := filepath.Glob("/tests/*.test")
	if err != nil || len(tests) == 0 {
		fmt.Fprintln(os.Stderr, "runtests: no test binaries in /tests")
		os.Exit(2)
	}
	passed, failed := 0, 0
	for _, t := range tests {
		start := time.Now()
		cmd := exec.Command(t, "-test.count=1", "-test.timeout=10m")
		cmd.Dir = "/tmp"
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		status := "ok  "
		if err := cmd.Run(); err != nil {
			status = "FAIL"
			failed++
		} else {
			passed++
		}
		fmt.Printf("%s\tcontainer:%s\t%.3fs\n", status, filepath.Base(t), time.Since(start).Seconds())
	}
	fmt.Printf("container: %d passed, %d failed\n", passed, failed)
	if failed > 0 {
		os.Exit(1)
	}
}
