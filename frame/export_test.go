package frame

// SpinBackoff returns how many waits c parks at once after its next vain
// spin (see spinner): above 0 once a wait of c has spun in vain.
func SpinBackoff(c *Conn) int { return c.spin.backoff }
