package proc_test

import (
	"context"
	"log"
	"os"
	"os/signal"
	"syscall"

	"github.com/release-daemon/release/proc"
)

// A control socket that tells an admin from a read-only user by the peer's
// uid, and shuts down cleanly on SIGTERM.
func ExampleControlSocket() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	handler := func(ctx context.Context, peer proc.ControlPeer, req []byte) ([]byte, error) {
		switch {
		case string(req) == "status":
			return []byte("running"), nil
		case string(req) == "reload" && peer.UID == 0:
			return []byte("reloading"), nil
		default:
			return []byte("denied"), nil
		}
	}
	err := proc.ControlSocket(ctx, "/run/echod.sock", handler, proc.ControlOptions{
		Mode:      0o660,
		AllowUIDs: []int{0, 1000},
	})
	if err != nil && err != context.Canceled {
		log.Fatal(err) // e.g. ErrAddrInUse: another instance answers there
	}
}
