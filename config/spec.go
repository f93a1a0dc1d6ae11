package config

import "fmt"

// Spec says which sections and keys a file may hold, their defaults and
// their validations: the original's Release_config.spec. The Section named
// "" is the global section. Each name appears once.
//
// Checking a Config against a Spec reports, each at its line: every section
// and key the Spec does not list ([ErrUnknown]); every required key that is
// absent ([ErrMissing]); and, for every key, the first of its validations
// that fails ([ErrInvalid]). Absent keys take their defaults, which are
// validated too, and sections the Spec lists but the file lacks are added.
//
// A nil Spec checks nothing: any section and key is accepted as it is. An
// empty, non-nil Spec accepts only an empty file.
type Spec []Section

// Section is the spec of one section: its name ("" for the global section)
// and its keys.
type Section struct {
	Name string // the section's name; "" for the global section
	Keys []Key  // the keys it may hold
}

// Key is the spec of one key: its name, its default (nil means the key is
// required) and its validations, all of which must pass. See the Default
// helpers such as [DefaultInt].
type Key struct {
	Name        string       // the key's name within its section
	Default     *Value       // its value when the file leaves it out; nil means required
	Validations []Validation // checks its value must pass, in order
}

// Validation checks a value and returns nil or an error saying what is
// wrong with it. Custom validations are plain functions of this type.
type Validation func(Value) error

// Defaults returns a Config holding every section of spec and the default
// of every key that has one: the original's defaults.
func Defaults(spec Spec) *Config {
	c := newConfig("")
	for _, ss := range spec {
		si := c.ensure(ss.Name)
		for _, k := range ss.Keys {
			if k.Default != nil && c.find(si, k.Name) < 0 {
				c.addDefault(si, c.defaultEntry(k))
			}
		}
	}
	return c
}

// defaultEntry returns the entry of k's default.
func (c *Config) defaultEntry(k Key) entry {
	v := c.box(*k.Default)
	return entry{num: v.num, key: ^c.name(k.Name).off, kind: v.kind}
}

// ensure returns the index of the named section, adding it if it is not
// there.
func (c *Config) ensure(name string) int {
	if i := c.sectionIndex(name); i >= 0 {
		return i
	}
	return c.addSection(c.name(name), -1)
}

// apply checks c against spec, adding defaults to c and errors to s.
func (spec Spec) apply(c *Config, s *sink) {
	nkeys, nsec := c.entries.len(), c.sections.len()
	seen := make([]bool, nkeys+nsec) // the file's keys, then its sections
	for _, ss := range spec {
		si := c.sectionIndex(ss.Name)
		if si < 0 {
			si = c.ensure(ss.Name)
		} else if si < nsec {
			seen[nkeys+si] = true
		}
		for _, k := range ss.Keys {
			pos := c.find(si, k.Name)
			if pos >= 0 && pos < nkeys {
				seen[pos] = true
			}
			c.checkKey(si, pos, k, s)
		}
	}
	for si := range nsec {
		sec := c.sections.at(si)
		name := c.sectionName(int32(si))
		if si > 0 && !seen[nkeys+si] {
			line, col := c.headerPosition(si)
			s.add(line, col, name, fmt.Errorf("%w section", ErrUnknown))
			continue
		}
		for pos := sec.first; pos < sec.first+sec.n; pos++ {
			if !seen[pos] {
				e := c.entries.at(int(pos))
				line, col := c.keyPosition(e)
				s.add(line, col, qualified(name, c.keyText(e)), fmt.Errorf("%w key", ErrUnknown))
			}
		}
	}
}

// checkKey validates k's value, at position pos in entries in section si,
// adding its default or reporting it missing when it is absent (pos < 0).
func (c *Config) checkKey(si, pos int, k Key, s *sink) {
	switch {
	case pos >= 0:
	case k.Default != nil:
		pos = c.addDefault(si, c.defaultEntry(k))
	default:
		line, _ := c.headerPosition(si)
		s.add(line, 0, qualified(c.sectionName(int32(si)), k.Name), fmt.Errorf("%w required key", ErrMissing))
		return
	}
	e := c.entries.at(pos)
	v := c.value(e.val())
	for _, validate := range k.Validations {
		if err := validate(v); err != nil {
			if e.key < 0 {
				err = fmt.Errorf("%w: default %s: %w", ErrInvalid, v, err)
			} else {
				err = fmt.Errorf("%w: %w", ErrInvalid, err)
			}
			line, col := c.valuePosition(e)
			s.add(line, col, qualified(c.sectionName(int32(si)), k.Name), err)
			return
		}
	}
}
