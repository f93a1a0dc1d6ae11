package config_test

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"regexp"
	"time"

	"github.com/release-daemon/release/config"
)

// The original's example spec and file.
var spec = config.Spec{
	{Name: "", Keys: []config.Key{ // the global section
		{Name: "user", Validations: []config.Validation{config.IsString}}, // required
		{Name: "privileged", Default: config.DefaultBool(true), Validations: []config.Validation{config.IsBool}},
		{Name: "read_timeout", Default: config.DefaultInt(5), Validations: []config.Validation{config.IntInRange(0, 10)}},
		{Name: "log_level", Default: config.DefaultLogLevel(config.LevelNotice), Validations: []config.Validation{config.IsLogLevel}},
	}},
	{Name: "some-section", Keys: []config.Key{
		{Name: "match_with", Default: config.DefaultRegexp(regexp.MustCompile(`^[a-z]+$`)), Validations: []config.Validation{config.IsRegexp}},
		{Name: "tmp", Default: config.DefaultString("/tmp"), Validations: []config.Validation{config.StringIn("/tmp", "/var/tmp")}},
	}},
	{Name: "another-section", Keys: []config.Key{
		{Name: "privileged_users", Default: config.DefaultStringList("root"), Validations: []config.Validation{config.IsStringList}},
	}},
}

const file = `# Global settings
user         = "foo"  # string
privileged   = false  # boolean
read_timeout = 1      # integer
log_level    = debug  # log_level

[some-section]  # section declaration
match_with  = /^.+$/  # regular expression
tmp         = "/tmp"  # string

[another-section]  # another section declaration
`

func Example() {
	cfg, err := config.ParseBytes("app.conf", []byte(file), spec)
	if err != nil {
		fmt.Println(err)
		return
	}
	timeout, _ := cfg.Int("", "read_timeout")
	level, _ := cfg.LogLevel("", "log_level")
	users, _ := cfg.StringList("another-section", "privileged_users") // the default
	fmt.Println(timeout, level, users)
	// Output: 1 DEBUG [root]
}

func ExampleDecode() {
	var settings struct {
		User     string         `config:"user"`
		Timeout  time.Duration  `config:"read_timeout"` // an int is seconds
		Level    slog.Level     `config:"log_level"`
		Match    *regexp.Regexp `config:"some-section.match_with"`
		Admins   []string       `config:"another-section.privileged_users"`
		Unlisted int            // no tag: left alone
	}
	cfg, err := config.ParseBytes("app.conf", []byte(file), spec)
	if err == nil {
		err = config.Decode(cfg, &settings)
	}
	fmt.Println(err)
	fmt.Println(settings.User, settings.Timeout, settings.Level, settings.Match, settings.Admins)
	// Output:
	// <nil>
	// foo 1s DEBUG ^.+$ [root]
}

func ExampleErrorList() {
	const bad = `user = "nobody"
read_timeout = 70
verbose = true
[some-section]
tmp = "/home"
tmp = "/tmp"
`
	_, err := config.ParseBytes("app.conf", []byte(bad), spec)
	fmt.Println(err)
	fmt.Println(errors.Is(err, config.ErrDuplicate))
	if errs, ok := errors.AsType[config.ErrorList](err); ok {
		fmt.Println(len(errs), "error(s); the first is on line", errs[0].Line)
	}
	// Output:
	// config: app.conf:6:1: some-section.tmp: duplicate key (first on line 5)
	// true
	// 1 error(s); the first is on line 6
}

func ExampleErrorList_validation() {
	const bad = `read_timeout = 70
verbose = true
[some-section]
tmp = "/home"
`
	_, err := config.ParseBytes("app.conf", []byte(bad), spec)
	fmt.Println(err)
	// Output:
	// config: app.conf:1:16: read_timeout: invalid value: 70 is not in the range [0, 10]
	// config: app.conf:2:1: verbose: unknown key
	// config: app.conf:4:7: some-section.tmp: invalid value: "/home" is not one of ["/tmp" "/var/tmp"]
	// config: app.conf: user: missing required key
}

func ExampleConfig_WriteTo() {
	cfg, err := config.ParseBytes("in.conf", []byte(`b = [1, 2] a = "x\ty" [s] r = /a\/b/ f = .5`), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	cfg.WriteTo(os.Stdout)
	// Output:
	// b = [1, 2]
	// a = "x\ty"
	//
	// [s]
	// r = /a\/b/
	// f = 0.5
}

func ExampleDefaults() {
	config.Defaults(spec).WriteTo(os.Stdout)
	// Output:
	// privileged = true
	// read_timeout = 5
	// log_level = notice
	//
	// [some-section]
	// match_with = /^[a-z]+$/
	// tmp = "/tmp"
	//
	// [another-section]
	// privileged_users = ["root"]
}
