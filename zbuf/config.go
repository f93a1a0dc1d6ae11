package zbuf

import (
	"errors"
	"fmt"
	"math/bits"
)

// Config is the configuration of a [Pool]. Its zero value means the
// documented defaults, so Config{} is a sensible Pool; [NewPool] checks it,
// reports every problem at once and works on its own copy.
type Config struct {
	// MaxRetained is the most bytes of free memory the Pool keeps
	// resident for reuse. A buffer freed beyond it has its pages given
	// back to the kernel (MADV_DONTNEED), or its mapping unmapped when
	// nothing else lives in it. 0 means 64 MiB; a negative value keeps
	// nothing.
	MaxRetained int64

	// SlabSize is the size of the mappings that buffers smaller than it
	// are carved from; a buffer of SlabSize or more gets a mapping of its
	// own. 0 means 4 MiB; otherwise a power of two of 1 MiB or more.
	SlabSize int

	// Secret makes the Pool hold key material: every mapping is locked in
	// memory (mlock: never swapped) and left out of core dumps
	// (MADV_DONTDUMP), and every buffer is wiped (zeroed) when its last
	// handle is freed. Locked pages cannot be dropped one buffer at a
	// time, so a Secret pool gives memory back only a slab at a time.
	Secret bool
}

// Defaults filled in by NewPool.
const (
	defaultMaxRetained = 64 << 20
	defaultSlabSize    = 4 << 20
	minSlabSize        = 1 << 20
)

// withDefaults checks c and returns the copy a Pool works with.
func (c Config) withDefaults() (Config, error) {
	var errs []error
	switch {
	case c.SlabSize == 0:
		c.SlabSize = defaultSlabSize
	case c.SlabSize < minSlabSize || bits.OnesCount(uint(c.SlabSize)) != 1 || c.SlabSize > maxSize:
		errs = append(errs, fmt.Errorf("%w: SlabSize %d is not a power of two from 1 MiB to 1 TiB", ErrConfig, c.SlabSize))
	}
	switch {
	case c.MaxRetained == 0:
		c.MaxRetained = defaultMaxRetained
	case c.MaxRetained < 0:
		c.MaxRetained = -1
	}
	return c, errors.Join(errs...)
}
