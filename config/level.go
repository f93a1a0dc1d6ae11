package config

import "log/slog"

// The two Release log levels that slog lacks, placed between slog's own:
// debug is [slog.LevelDebug], info [slog.LevelInfo], notice LevelNotice,
// warning [slog.LevelWarn], error [slog.LevelError] and fatal LevelFatal.
const (
	LevelNotice = slog.LevelInfo + 2
	LevelFatal  = slog.LevelError + 4
)

// levelName returns the Release keyword for one of the six levels.
func levelName(l slog.Level) (string, bool) {
	switch l {
	case slog.LevelDebug:
		return "debug", true
	case slog.LevelInfo:
		return "info", true
	case LevelNotice:
		return "notice", true
	case slog.LevelWarn:
		return "warning", true
	case slog.LevelError:
		return "error", true
	case LevelFatal:
		return "fatal", true
	}
	return "", false
}

// levelByName returns the level a Release keyword names.
func levelByName(word string) (slog.Level, bool) {
	switch word {
	case "debug":
		return slog.LevelDebug, true
	case "info":
		return slog.LevelInfo, true
	case "notice":
		return LevelNotice, true
	case "warning":
		return slog.LevelWarn, true
	case "error":
		return slog.LevelError, true
	case "fatal":
		return LevelFatal, true
	}
	return 0, false
}
