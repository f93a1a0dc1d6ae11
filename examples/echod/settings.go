package main

import (
	"log/slog"
	"path/filepath"
	"strconv"
	"time"

	"github.com/release-daemon/release/config"
)

// settings are echod's configuration, from echod.conf or the defaults.
type settings struct {
	Listen   string     `config:"listen"`
	Workers  int        `config:"workers"`
	User     string     `config:"user"`
	Control  string     `config:"control"`
	Lock     string     `config:"lock"`
	LogLevel slog.Level `config:"log_level"`
	// Unhealthy is a path that, while it exists, makes the workers answer
	// the master's heartbeats unhealthy (see echod.conf); "" for none.
	Unhealthy string `config:"unhealthy_file"`
	// Sandbox confines the workers to what they need (see workerSandbox).
	Sandbox bool `config:"sandbox"`
	// SandboxSpec, if set, is the workers' sandbox spec instead of the one
	// echod works out ("action learn" learns one); "" for echod's.
	SandboxSpec string `config:"sandbox_spec"`
	// UpgradeCheck bounds the check of a new executable an upgrade makes
	// (proc.Master.UpgradeCheck).
	UpgradeCheck time.Duration `config:"upgrade_check"`
}

// spec is echod.conf's specification: every key, its default, its checks.
var spec = config.Spec{{Name: "", Keys: []config.Key{
	{Name: "listen", Default: config.DefaultString("127.0.0.1:7070"), Validations: []config.Validation{config.IsString}},
	{Name: "workers", Default: config.DefaultInt(2), Validations: []config.Validation{config.IntInRange(1, 64)}},
	{Name: "user", Default: config.DefaultString("nobody"), Validations: []config.Validation{config.IsString}},
	{Name: "control", Default: config.DefaultString("/tmp/echod.sock"), Validations: []config.Validation{config.IsString}},
	{Name: "lock", Default: config.DefaultString("/tmp/echod.pid"), Validations: []config.Validation{config.IsString}},
	{Name: "log_level", Default: config.DefaultLogLevel(slog.LevelInfo), Validations: []config.Validation{config.IsLogLevel}},
	{Name: "unhealthy_file", Default: config.DefaultString(""), Validations: []config.Validation{config.IsString}},
	{Name: "sandbox", Default: config.DefaultBool(true), Validations: []config.Validation{config.IsBool}},
	{Name: "sandbox_spec", Default: config.DefaultString(""), Validations: []config.Validation{config.IsString}},
	{Name: "upgrade_check", Default: config.DefaultString("15s"), Validations: []config.Validation{config.IsString}},
}}}

// loadSettings reads path, or takes the defaults when path is "".
func loadSettings(path string) (settings, error) {
	c := config.Defaults(spec)
	if path != "" {
		var err error
		if c, err = config.Parse(path, spec); err != nil {
			return settings{}, err
		}
	}
	var s settings
	err := config.Decode(c, &s)
	return s, err
}

// workerSandbox is the workers' sandbox spec (proc.Worker.Sandbox): they
// only accept on the listener the master hands them and read and write
// their connections and their frames to the master, so stdio, and no
// path at all; with unhealthy_file, their probe looks it up (rpath),
// beneath its directory only. Best-effort: where Landlock is missing (an
// old kernel, or a container such as systemd-nspawn that filters it out)
// the seccomp filter alone applies, and the master logs a warning. ""
// when echod.conf turns the sandbox off; sandbox_spec when it names one.
func workerSandbox(s settings) string {
	switch {
	case !s.Sandbox:
		return ""
	case s.SandboxSpec != "":
		return s.SandboxSpec
	case s.Unhealthy != "":
		return "stdio rpath; unveil " + strconv.Quote(filepath.Dir(s.Unhealthy)) + " r; best-effort"
	}
	return "stdio; unveil; best-effort"
}
