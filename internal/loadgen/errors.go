package loadgen

import "errors"

var (
	// ErrNoAddr means a [Config] without an address to load.
	ErrNoAddr = errors.New("loadgen: no address")

	// ErrNoLoad means a [Config] that turns off both the persistent and
	// the short connections.
	ErrNoLoad = errors.New("loadgen: no connections to make")
)
