package frame

// KernelWaits returns how many reads have waited in ppoll so far, over
// all Conns (see BlockReads).
func KernelWaits() int64 { return kernelWaited.Load() }
