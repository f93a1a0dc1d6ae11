package proc

import "os"

// startedAsWorker is read once, when the package is initialized: before
// main runs, and before Me removes the marker from the environment.
var startedAsWorker = os.Getenv(workerEnv) == "3"

// IsWorker reports whether a Master started this process as one of its
// workers: whether the marker a Master puts in each worker's environment,
// beside the socket it passes as fd 3, was there when the program started.
// It lets one binary be both the master and its workers (see the example):
// main calls [Me] when IsWorker is true, and runs the [Master] otherwise,
// with its own executable as the Worker's Path.
//
// The answer does not change while the process runs: it stays true after
// [Me] has taken fd 3 and removed the marker from the environment (so that
// the worker's own children do not see it). It only says the marker was
// there; Me checks that fd 3 really leads to the parent, and fails with
// [ErrNotWorker] otherwise.
func IsWorker() bool { return startedAsWorker }
