// Package config reads, checks and writes Release configuration files, the
// key = value format with [sections] of the OCaml Release library's
// Release_config. Parse a file with [Parse] (or [ParseBytes],
// [ParseReader]) against a [Spec] that lists its sections and keys with
// their defaults and validations; read the values with [Config.Get], the
// typed getters such as [Config.Int], or all at once into a struct with
// [Decode]; write a Config back with [Config.WriteTo].
//
// # The format
//
//	# Global settings: the keys before the first section
//	user         = "foo"      # string
//	privileged   = false      # bool
//	read_timeout = 1          # int
//	log_level    = debug      # keyword (a log level)
//
//	[some-section]            # opens a section
//	match_with = /^.+$/       # regexp
//	ratio = .5  weights = [1, -2, 3]
//
// A # starts a comment that runs to the end of the line. Blank space (space,
// tab, carriage return, line feed) separates tokens anywhere: a key, its =
// and its value may sit on different lines, and several pairs may share a
// line. [name] opens a section; each section and each key in a section
// appears once. Identifiers (keys, section names, keywords) start with an
// ASCII letter and run until #, =, [, ], a comma, blank space or a control
// character, so global-list, my_param.x and a are keys. Values:
//
//   - int: -?[0-9]+, an int64; leading zeros are allowed.
//   - float: -?[0-9]+.[0-9]+ or -?.[0-9]+, a float64; there is no exponent,
//     no NaN and no infinity.
//   - bool: true or false.
//   - string: between double quotes, and may span lines. Escapes: \\ \' \"
//     \n \t \b \r, backslash-space for a space, \DDD a decimal byte (at most
//     \255), \xHH a hex byte. A backslash that starts none of these is kept
//     as it is, as in the original. A CR LF line break inside a string
//     reads as LF.
//   - regexp: between slashes, see below.
//   - keyword: a bare identifier such as debug.
//   - list: [v, v, ...] of the values above (not of lists); it may be empty
//     and may span lines; there is no trailing comma.
//
// A word that is not a literal, such as 10s or 1.5.2, is a malformed
// number, not two tokens.
//
// The input must be UTF-8 with no NUL byte and no byte order mark; a line
// ending may be LF or CR LF, and either gives the same Config. Input over
// [MaxSize] bytes, or with a line over [MaxLineLength] bytes, is rejected
// with [ErrTooLarge], and so is a file with too many uncommon regexps (see
// below). Parsing takes time and memory in proportion to the input: a
// Config keeps the text and, beyond it, 16 bytes per key, 9 per list
// element, about 30 per section, and 5 to 11 per key of a section of 16
// keys or more, for its index. At its peak a parse holds at most about 7
// times the size of the file: that is for the densest file, sections of
// one-letter keys (a=1); a list of one-digit numbers takes 5.5 times.
//
// # Regular expressions
//
// A regexp value is written between slashes; \/ stands for a slash. A line
// break inside one is dropped together with the blank space after it, so a
// long expression can be wrapped. Every other backslash is left, with the
// character after it, for the regexp engine: /\d+\.\d+/ is what it looks
// like.
//
// Regexps are Go's ([regexp], RE2 syntax), checked when the file is parsed
// (an invalid one is a syntax error at its line) and compiled when
// [Value.Regexp] first asks for one. The common syntax, named groups,
// POSIX classes and counted repetitions of groups included, is checked by
// a quick scan that allocates nothing; a regexp beyond it (for instance
// with a Unicode class such as \pL, \Q...\E, a hex or octal escape, a
// group name used twice, or over 4 KiB) is parsed by package
// regexp/syntax, which can take
// microseconds per byte, so such regexps may total [MaxRegexpParse] bytes
// in a file, each distinct text counted once; past that the file is
// rejected with [ErrTooLarge]. The original used
// PCRE syntax; the differences are that RE2 has no backreferences (\1), no
// lookahead or lookbehind ((?=, (?!, (?<=, (?<!), no atomic groups or
// possessive quantifiers, no recursion, conditionals or \G, and no \Z (use
// \z or $); \b is a word boundary, never a backspace. In exchange, a match
// always takes time linear in the input. The original also put a backslash
// before every (, ) and |, which made groups and alternation literal; here
// they have their usual meaning.
//
// # Log levels
//
// A log level is a keyword, one of the original's six, read as a
// [slog.Level] by [Value.LogLevel], [Config.LogLevel] and [Decode]: debug is
// [slog.LevelDebug], info [slog.LevelInfo], notice [LevelNotice]
// (slog.LevelInfo+2), warning [slog.LevelWarn], error [slog.LevelError] and
// fatal [LevelFatal] (slog.LevelError+4).
//
// # Specs and validations
//
// A [Spec] lists the global section's keys (the [Section] named "") and the
// named sections' keys. Each [Key] has a name, a default (nil: required),
// made with one of the Default helpers such as [DefaultInt] or
// [DefaultStringList], and validations, all of which must pass. A
// [Validation] is a plain func(Value) error, so custom ones need nothing
// more. The original's validations are here under Go names:
//
//	bool, int, float, string, regexp  IsBool, IsInt, IsFloat, IsString, IsRegexp
//	log_level                         IsLogLevel
//	keyword kw, keywords kws          Keyword(kw), Keywords(kws...)
//	bool_list ... string_list         IsBoolList, IsIntList, IsFloatList, IsStringList (and IsKeywordList)
//	int_in_range (lo, hi)             IntInRange(lo, hi), inclusive
//	int_greater_than, int_less_than   IntGreaterThan(n), IntLessThan(n), strict
//	float_in_range, _greater_than,    FloatInRange(lo, hi), FloatGreaterThan(x),
//	  _less_than                        FloatLessThan(x)
//	string_matching re                StringMatching(expr), Go syntax, unanchored
//	int_in, string_in                 IntIn(is...), StringIn(ss...)
//	existing_file                     ExistingFile: exists, of any type
//	regular_file                      RegularFile
//	nonempty_file                     NonemptyFile: a regular file, size > 0
//	file_with_mode m                  FileWithMode(0o640): the 12 permission bits
//	file_with_owner u, _group g       FileWithOwner(u), FileWithGroup(g)
//	existing_directory                ExistingDirectory
//	existing_dirname                  ExistingDirname: filepath.Dir is a directory
//	block_device, character_device    BlockDevice, CharacterDevice
//	symbolic_link                     SymbolicLink (os.Lstat)
//	named_pipe, unix_socket           NamedPipe, UnixSocket
//	existing_user, existing_group     ExistingUser, ExistingGroup (os/user)
//	unprivileged_user                 UnprivilegedUser: exists and uid != 0
//	list_of v                         ListOf(v...)
//
// The file validations follow symbolic links (os.Stat), except
// SymbolicLink, which looks at the link itself (os.Lstat); the original used
// lstat everywhere, so a symlink to a file failed regular_file. They are
// checks at parse time: the file can change before the program opens it (a
// TOCTOU race), so the program must still handle that. For a path p:
//
//	                   regular  symlink   dangling  directory  fifo  socket  /dev/null
//	                   file     to file   symlink
//	ExistingFile       ok       ok        fails     ok         ok    ok      ok
//	RegularFile        ok       ok        fails     fails      fails fails   fails
//	NonemptyFile       if size>0, as RegularFile otherwise
//	ExistingDirectory  fails    fails     fails     ok         fails fails   fails
//	NamedPipe          fails    fails     fails     fails      ok    fails   fails
//	UnixSocket         fails    fails     fails     fails      fails ok      fails
//	CharacterDevice    fails    fails     fails     fails      fails fails   ok
//	SymbolicLink       fails    ok        ok        fails      fails fails   fails
//
// # Errors
//
// Each error is a [*ParseError] with the file, line, column (in bytes, from
// 1) and "section.key" where it applies, wrapping one of the sentinels
// [ErrSyntax], [ErrDuplicate], [ErrUnknown], [ErrMissing], [ErrInvalid],
// [ErrType] and [ErrTooLarge]; a failing validation's own error is wrapped
// too, so errors.Is(err, fs.ErrNotExist) works through it. Parse returns
// them all at once as an [ErrorList], sorted by line. Parsing reports every
// syntax error, not just the first: after one it skips to the next key or
// [header] that starts a line, and it stops after [MaxErrors]. A duplicate
// section or key names the line of the first. Only a file with no syntax
// or duplicate error is checked against the spec, which reports every
// unknown section and key by name, every missing required key (at its
// section's header, or with no line when the section is not in the file),
// and the first failing validation of every key, at its value; a default
// that fails has no line. Opening and reading a file fail with
// [*fs.PathError]. The typed getters return one *ParseError wrapping
// [ErrMissing] or [ErrType]; [Decode] returns an ErrorList.
//
// A parse shares nothing with any other: there is no global state, so
// parses may run in parallel and a failed parse leaves nothing behind.
//
// # Departures from the original
//
// Beyond fixing its crashes (a comment on the last line, an unterminated
// string, one-letter keys, CR LF files, negative numbers, overflowing
// integers, \999, invalid regexps, and stale state from a previous parse),
// this package:
//
//   - ends an identifier at a comma, so [debug, info] is a list of two
//     keywords (the original read "debug," as one word, and "true," too);
//   - reads -5 and -.5 as numbers, and reports an int or float out of
//     range, or a decimal escape over \255, as a syntax error;
//   - reports a key whose value is missing when the next line's key, or a
//     one-word list alone on a later line that looks like a [section]
//     header, was taken as its value;
//   - drops the keys after a duplicate section header instead of adding
//     them to the section before it;
//   - reports errors of every kind, with lines, instead of the first;
//   - requires NonemptyFile to be a regular file and ExistingDirname's
//     directory to be a directory;
//   - adds RegularFile and IsKeywordList, Decode, WriteTo and the typed
//     getters.
//
// # What it does not do
//
// It does not keep comments or layout when writing, include other files,
// expand environment variables, watch files for changes, or know any
// syntax beyond the original's (no exponents, no nested lists, no
// multi-line keys). It never logs.
package config
