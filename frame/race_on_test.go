//go:build race

package frame_test

// raceEnabled: the race runtime maps shadow memory as the heap grows.
const raceEnabled = true
