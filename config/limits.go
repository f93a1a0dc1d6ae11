package config

// Limits on the input. Input over a limit is an error wrapping
// [ErrTooLarge], never a hang or an unbounded allocation.
const (
	// MaxSize is the largest input, in bytes, that Parse, ParseBytes and
	// ParseReader accept. Parse and ParseReader read at most MaxSize+1
	// bytes to find out.
	MaxSize = 16 << 20

	// MaxLineLength is the longest line, in bytes, not counting its line
	// ending.
	MaxLineLength = 64 << 10

	// MaxRegexpParse is the most bytes of regexps, each distinct text
	// counted once, that a parse checks by parsing them with package
	// regexp/syntax: those beyond the common syntax (for instance with a
	// Unicode class such as \pL, \Q...\E, a hex or octal escape, a POSIX
	// class, a named group or a {n,m} after a group, or over 4 KiB). That
	// check can take microseconds per byte: the 15 bytes of
	// [\pL\pN\pP\pS] take 70 µs. The common syntax (literal text,
	// . ^ $ |, groups and flags, * + ? {n,m}, classes of characters and
	// ranges, \d \s \w \b and escaped punctuation) is checked by a quick
	// scan and not counted.
	MaxRegexpParse = 32 << 10

	// MaxErrors is the most syntax errors one parse collects; past that it
	// stops and adds one last error saying so.
	MaxErrors = 100
)
