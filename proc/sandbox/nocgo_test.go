//go:build !cgo

package sandbox

// cgoBuild tells the tests which route Apply takes.
const cgoBuild = false
