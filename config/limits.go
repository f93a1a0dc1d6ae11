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

	// MaxErrors is the most syntax errors one parse collects; past that it
	// stops and adds one last error saying so.
	MaxErrors = 100
)
