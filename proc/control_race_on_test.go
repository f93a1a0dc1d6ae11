//go:build race

package proc

// raceDetector is whether the tests run under the race detector.
const raceDetector = true
