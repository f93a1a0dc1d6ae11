package zbuf

// The retained budget. Config.MaxRetained bounds the bytes of free blocks
// kept warm across all classes. Checking one pool-wide counter on every
// Get and Free would cost two atomic operations on the hot path, so the
// budget is handed to the classes in chunks instead: a class keeps a
// block warm only within its allowance, which it borrows from the Pool's
// budget a chunk at a time and repays when it holds more than two chunks
// it does not use. The sum of the allowances never exceeds MaxRetained,
// so neither does the memory retained, and a steady Get/Free cycle touches
// the shared counter not at all.

// chunk is how much of the budget class c borrows at a time: 1/64 of
// MaxRetained, at least one block.
func (c *class) chunk() int64 {
	return max(c.pool.cfg.MaxRetained/64, int64(c.size))
}

// keepLocked reports whether one more free block of size bytes fits the
// class's allowance, borrowing from the Pool's budget if need be, and if
// so counts it as warm.
func (c *class) keepLocked(size int64) bool {
	if need := c.warmBytes + size - c.allowance; need > 0 {
		want := max(need, c.chunk())
		if !c.pool.borrow(want) {
			return false
		}
		c.allowance += want
	}
	c.warmBytes += size
	return true
}

// repayLocked gives a chunk back to the Pool when the class holds more
// than two it does not use.
func (c *class) repayLocked() {
	if k := c.chunk(); c.allowance-c.warmBytes >= 2*k {
		c.allowance -= k
		c.pool.budget.Add(k)
	}
}

// borrow takes n bytes of the Pool's retained budget, if it has them.
func (s *state) borrow(n int64) bool {
	for {
		left := s.budget.Load()
		if left < n {
			return false
		}
		if s.budget.CompareAndSwap(left, left-n) {
			return true
		}
	}
}
