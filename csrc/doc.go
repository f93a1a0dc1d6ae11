// Package csrc holds the C shim that daemonizes a process before the Go
// runtime starts, compiled by cgo. Go cannot fork once its runtime runs (the
// child would hold one thread of many), so package proc re-executes the
// program with a marker in its environment, and the constructor in
// daemonize.c forks, calls setsid and forks again before any Go code or
// thread exists. README.md beside this file walks through the lifecycle.
//
// The constructor runs in every binary that links this package, test
// binaries included, and does nothing unless the marker names a real pipe.
// It never calls into Go; the getters here read what it left behind.
//
// The same constructor then applies a worker's sandbox (sandbox.c), when
// package proc's Master passed one: see [Sandbox] and README.md.
//
// Users do not import this package: [github.com/release-daemon/release/proc]
// does. Without cgo it builds too, with [Enabled] false and getters that
// return -1, and proc falls back to a single setsid child.
package csrc
