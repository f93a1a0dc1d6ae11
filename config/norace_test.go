//go:build !race

// Built without -race.

package config_test

const raceEnabled = false
