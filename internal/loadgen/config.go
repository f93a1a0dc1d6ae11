package loadgen

import "time"

// The defaults of a [Config]'s zero fields.
const (
	DefaultConns    = 32                   // persistent connections
	DefaultInterval = 5 * time.Millisecond // between a persistent connection's lines
	DefaultRate     = 50                   // short connections a second
	DefaultTimeout  = 10 * time.Second     // for a reply, a dial, a write
	keptErrors      = 8                    // failure texts a Result keeps
)

// Config is a load: what to connect to, and how much. A zero field takes its
// default; a negative Conns or Rate turns that kind of connection off.
type Config struct {
	Addr     string        // the server's TCP address, host:port
	Conns    int           // persistent connections (DefaultConns)
	Interval time.Duration // between the lines of one persistent connection (DefaultInterval)
	Rate     int           // short connections opened a second (DefaultRate)
	Timeout  time.Duration // the most a reply may take after its line was sent, and a dial (DefaultTimeout)
}

// withDefaults fills the zero fields and checks the rest.
func (c Config) withDefaults() (Config, error) {
	if c.Addr == "" {
		return c, ErrNoAddr
	}
	c.Conns = orDefault(c.Conns, DefaultConns)
	c.Rate = orDefault(c.Rate, DefaultRate)
	c.Interval = orDefault(c.Interval, DefaultInterval)
	c.Timeout = orDefault(c.Timeout, DefaultTimeout)
	if c.Conns < 0 && c.Rate < 0 {
		return c, ErrNoLoad
	}
	return c, nil
}

func orDefault[T int | time.Duration](v, def T) T {
	if v == 0 {
		return def
	}
	return v
}
