//go:build race

// Built with -race, whose instrumentation makes code several times slower
// and allocates.

package config_test

const raceEnabled = true
