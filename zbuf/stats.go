package zbuf

// Stats are a Pool's figures at one moment, from [Pool.Stats].
type Stats struct {
	// Mappings is the number of mappings the Pool holds: slabs, buffers
	// with a mapping of their own, and mapped files. After Close it drops
	// to 0 once every buffer is freed.
	Mappings int64
	// Mapped is the size of those mappings in bytes.
	Mapped int64
	// InUse is the bytes of memory held by live buffers. A buffer holds
	// its whole size class: a 5000-byte buffer holds 8 KiB.
	InUse int64
	// Retained is the bytes of free memory kept resident for reuse; it
	// never exceeds [Config.MaxRetained].
	Retained int64
	// Leaked counts the buffers that became unreachable without being
	// freed; their cleanup gave their memory back. Tests check that it
	// stays 0.
	Leaked int64
}

// Stats returns p's figures. It takes each class's lock in turn, so under
// concurrent use the figures are only approximately simultaneous.
func (p *Pool) Stats() Stats {
	s := p.s
	st := Stats{
		Mappings: s.mappings.Load(),
		Mapped:   s.mappedBytes.Load(),
		Leaked:   s.leaked.Load(),
	}
	for i := range s.classes {
		inUse, warm := s.classes[i].used()
		st.InUse += inUse
		st.Retained += warm
	}
	inUse, _ := s.misc.used()
	st.InUse += inUse
	return st
}

// used returns the bytes of c's blocks held by live buffers and kept warm.
func (c *class) used() (inUse, warm int64) {
	c.mu.Lock()
	inUse, warm = c.inUse, c.warmBytes
	c.mu.Unlock()
	hot := min(c.hotBytes(), inUse)
	return inUse - hot, warm + hot
}
