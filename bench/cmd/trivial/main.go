// Command trivial starts and exits: the floor for BenchmarkDaemonStart. It
// calls into C so that, built with cgo, it pays cgo's start-up.
package main

// static int nothing(void) { return 0; }
import "C"

func main() { _ = C.nothing() }
