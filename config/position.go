package config

import "strings"

// A Config keeps no line numbers: the lines of keys, values and section
// headers are found from their offsets in the text when they are asked
// for (by Line, and for errors), with the help of a table of the line at
// which every block of lineBlock bytes starts. Keeping four numbers per key
// doubled the memory of a file of short keys.

const lineBlockBits = 12 // 4 KiB: a lookup counts the line breaks of at most that much text

// position returns the line and the column (in bytes, from 1) of offset
// off in the text.
func (c *Config) position(off int) (line, col int) {
	c.linesOnce.Do(c.countLines)
	b := off >> lineBlockBits
	line = int(c.lines[b]) + strings.Count(c.text[b<<lineBlockBits:off], "\n")
	return line, off - strings.LastIndexByte(c.text[:off], '\n')
}

// countLines fills c.lines: the line on which each block of the text
// starts.
func (c *Config) countLines() {
	c.lines = make([]int32, len(c.text)>>lineBlockBits+1)
	line := 1
	for b := range c.lines {
		c.lines[b] = int32(line)
		start := b << lineBlockBits
		line += strings.Count(c.text[start:min(start+1<<lineBlockBits, len(c.text))], "\n")
	}
}

// valueOffset returns the offset of the value of the key at offset key:
// the first token after the key's '='. Only blank space and comments can
// come between them.
func (c *Config) valueOffset(key int) int {
	i := c.skipBlank(wordEnd(c.text, key+1))
	return c.skipBlank(i + 1) // past the '='
}

// skipBlank returns the offset of the first byte at or after i that is
// neither blank space nor in a comment.
func (c *Config) skipBlank(i int) int {
	for i < len(c.text) {
		switch class[c.text[i]] {
		case cBlank, cNewline:
			i++
		case cHash:
			if j := strings.IndexByte(c.text[i:], '\n'); j >= 0 {
				i += j
			} else {
				i = len(c.text)
			}
		default:
			return i
		}
	}
	return i
}
