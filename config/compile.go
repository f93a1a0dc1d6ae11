package config

import "regexp"

// regexp returns the compiled form of expr, the regexp read from the file
// whose cval.num is num (its span, which no other value has), compiling
// it the first time it is asked for: most programs use few of a file's
// regexps, and compiling costs far more than the syntax check the parse
// made. Keeping a compiled regexp, or room for one, in every value took
// 56 bytes a regexp.
func (c *Config) regexp(num uint64, expr string) *regexp.Regexp {
	c.reMu.RLock()
	re := c.compiled[num]
	c.reMu.RUnlock()
	if re != nil {
		return re
	}
	re = regexp.MustCompile(expr) // checked by the parse: it compiles
	c.reMu.Lock()
	defer c.reMu.Unlock()
	if first := c.compiled[num]; first != nil {
		return first
	}
	if c.compiled == nil {
		c.compiled = make(map[uint64]*regexp.Regexp)
	}
	c.compiled[num] = re
	return re
}
