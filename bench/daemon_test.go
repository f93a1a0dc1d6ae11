package bench

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
)

// BenchmarkDaemonStart times a daemon's starting command from exec until it
// exits, which it does once the daemon is ready. impl=release is proc.Daemon
// through the C shim; impl=setsid is cmd/setsidd, one setsid child and a
// readiness pipe as go-daemon-style libraries do it; impl=plain a Go program
// that only starts and exits. All are built with cgo (cgo=1), as a program
// that links proc's shim is; cgo=0 shows the same without cgo, where
// impl=release is proc's own setsid fallback.
func BenchmarkDaemonStart(b *testing.B) {
	dir := b.TempDir()
	bins := map[string]string{}
	for _, cgo := range []string{"1", "0"} {
		bins["cgo="+cgo+"/impl=release"] = buildCmd(b, dir, "trivd", cgo)
		bins["cgo="+cgo+"/impl=setsid"] = buildCmd(b, dir, "setsidd", cgo)
		if cgo == "1" {
			bins["cgo="+cgo+"/impl=plain"] = buildCmd(b, dir, "trivial", cgo)
		}
	}
	// Orphaned daemons come to this process, which reaps them.
	const prSetChildSubreaper = 36
	syscall.Syscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0)
	for _, name := range []string{"cgo=1/impl=release", "cgo=1/impl=setsid", "cgo=1/impl=plain", "cgo=0/impl=release", "cgo=0/impl=setsid"} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := exec.Command(bins[name]).Run(); err != nil {
					b.Fatal(err)
				}
				reapOrphans()
			}
		})
	}
}

// buildCmd builds bench/cmd/name into dir with CGO_ENABLED set as given.
func buildCmd(b *testing.B, dir, name, cgo string) string {
	b.Helper()
	out := filepath.Join(dir, name+"-cgo"+cgo)
	cmd := exec.Command("go", "build", "-o", out, "./cmd/"+name)
	cmd.Env = append(os.Environ(), "CGO_ENABLED="+cgo)
	if msg, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("go build %s: %v\n%s", name, err, msg)
	}
	return out
}

// reapOrphans collects the daemons that have exited, without blocking.
func reapOrphans() {
	for {
		var ws syscall.WaitStatus
		if pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil); pid <= 0 || err != nil {
			return
		}
	}
}
