package proc

// HelperEnv and AddHelper let the tests of package proc_test re-run this
// test binary in roles of their own.
const HelperEnv = helperEnv

// AddHelper adds a role, run when HelperEnv names it; call it from init.
func AddHelper(name string, f func() int) { helpers[name] = f }
