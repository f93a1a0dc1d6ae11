package config_test

import (
	"math"
	"regexp"
	"testing"

	"github.com/release-daemon/release/config"
)

var (
	vInt     = config.IntValue(5)
	vFloat   = config.FloatValue(2.5)
	vBool    = config.BoolValue(true)
	vString  = config.StringValue("abc")
	vRegexp  = config.RegexpValue(regexp.MustCompile("^a+$"))
	vKeyword = config.KeywordValue("info")
	vInts    = config.ListValue(config.IntValue(1), config.IntValue(2))
	vEmpty   = config.ListValue()
)

func list(vs ...config.Value) config.Value { return config.ListValue(vs...) }

// TestKindValidations checks each validation of a kind against a value of
// every kind.
func TestKindValidations(t *testing.T) {
	all := []config.Value{vInt, vFloat, vBool, vString, vRegexp, vKeyword, vInts, {}}
	for _, c := range []struct {
		name     string
		validate config.Validation
		ok       []config.Value
	}{
		{"IsBool", config.IsBool, []config.Value{vBool}},
		{"IsInt", config.IsInt, []config.Value{vInt}},
		{"IsFloat", config.IsFloat, []config.Value{vFloat}},
		{"IsString", config.IsString, []config.Value{vString}},
		{"IsRegexp", config.IsRegexp, []config.Value{vRegexp}},
		{"IsLogLevel", config.IsLogLevel, []config.Value{vKeyword}},
		{"IsIntList", config.IsIntList, []config.Value{vInts}},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, v := range all {
				want := false
				for _, ok := range c.ok {
					want = want || v.Equal(ok)
				}
				if err := c.validate(v); (err == nil) != want {
					t.Errorf("%s(%v %v) = %v; want ok = %v", c.name, v.Kind(), v, err, want)
				}
			}
		})
	}
}

func TestValidations(t *testing.T) {
	kw := config.KeywordValue
	for _, c := range []struct {
		name     string
		validate config.Validation
		v        config.Value
		ok       bool
	}{
		{"IsLogLevel debug", config.IsLogLevel, kw("debug"), true},
		{"IsLogLevel fatal", config.IsLogLevel, kw("fatal"), true},
		{"IsLogLevel warn", config.IsLogLevel, kw("warn"), false},
		{"IsLogLevel string", config.IsLogLevel, config.StringValue("debug"), false},
		{"IsBoolList", config.IsBoolList, list(vBool, config.BoolValue(false)), true},
		{"IsBoolList mixed", config.IsBoolList, list(vBool, vInt), false},
		{"IsIntList empty", config.IsIntList, vEmpty, true},
		{"IsIntList not a list", config.IsIntList, vInt, false},
		{"IsFloatList", config.IsFloatList, list(vFloat), true},
		{"IsFloatList of ints", config.IsFloatList, vInts, false},
		{"IsStringList", config.IsStringList, list(vString, vString), true},
		{"IsStringList keyword", config.IsStringList, list(vString, vKeyword), false},
		{"IsKeywordList", config.IsKeywordList, list(vKeyword), true},
		{"Keyword same", config.Keyword("info"), kw("info"), true},
		{"Keyword other", config.Keyword("info"), kw("debug"), false},
		{"Keyword string", config.Keyword("info"), config.StringValue("info"), false},
		{"Keywords in", config.Keywords("tcp", "udp"), kw("udp"), true},
		{"Keywords out", config.Keywords("tcp", "udp"), kw("sctp"), false},
		{"IntInRange min-1", config.IntInRange(1, 10), config.IntValue(0), false},
		{"IntInRange min", config.IntInRange(1, 10), config.IntValue(1), true},
		{"IntInRange max", config.IntInRange(1, 10), config.IntValue(10), true},
		{"IntInRange max+1", config.IntInRange(1, 10), config.IntValue(11), false},
		{"IntInRange -2^63", config.IntInRange(1, 10), config.IntValue(math.MinInt64), false},
		{"IntInRange 2^63-1", config.IntInRange(1, 10), config.IntValue(math.MaxInt64), false},
		{"IntInRange full -2^63", config.IntInRange(math.MinInt64, math.MaxInt64), config.IntValue(math.MinInt64), true},
		{"IntInRange full 2^63-1", config.IntInRange(math.MinInt64, math.MaxInt64), config.IntValue(math.MaxInt64), true},
		{"IntInRange float", config.IntInRange(1, 10), config.FloatValue(5), false},
		{"IntGreaterThan above", config.IntGreaterThan(5), config.IntValue(6), true},
		{"IntGreaterThan equal", config.IntGreaterThan(5), config.IntValue(5), false},
		{"IntLessThan below", config.IntLessThan(5), config.IntValue(4), true},
		{"IntLessThan equal", config.IntLessThan(5), config.IntValue(5), false},
		{"IntIn in", config.IntIn(1, 3, 5), config.IntValue(3), true},
		{"IntIn out", config.IntIn(1, 3, 5), config.IntValue(4), false},
		{"FloatInRange in", config.FloatInRange(0, 1), config.FloatValue(0.5), true},
		{"FloatInRange bounds", config.FloatInRange(0, 1), config.FloatValue(1), true},
		{"FloatInRange out", config.FloatInRange(0, 1), config.FloatValue(1.5), false},
		{"FloatInRange int", config.FloatInRange(0, 10), config.IntValue(1), false},
		{"FloatGreaterThan", config.FloatGreaterThan(1), config.FloatValue(1.01), true},
		{"FloatGreaterThan equal", config.FloatGreaterThan(1), config.FloatValue(1), false},
		{"FloatLessThan", config.FloatLessThan(1), config.FloatValue(0.99), true},
		{"FloatLessThan equal", config.FloatLessThan(1), config.FloatValue(1), false},
		{"StringMatching", config.StringMatching(`^[a-z]+$`), config.StringValue("abc"), true},
		{"StringMatching unanchored", config.StringMatching(`b`), config.StringValue("abc"), true},
		{"StringMatching no", config.StringMatching(`^[a-z]+$`), config.StringValue("ab1"), false},
		{"StringMatching bad regexp", config.StringMatching(`(`), config.StringValue("("), false},
		{"StringMatching int", config.StringMatching(`.`), vInt, false},
		{"StringIn in", config.StringIn("/tmp", "/var/tmp"), config.StringValue("/tmp"), true},
		{"StringIn out", config.StringIn("/tmp", "/var/tmp"), config.StringValue("/home"), false},
		{"StringIn keyword", config.StringIn("tmp"), kw("tmp"), false},
		{"ListOf ok", config.ListOf(config.IntInRange(1, 2)), vInts, true},
		{"ListOf element fails", config.ListOf(config.IntInRange(2, 2)), vInts, false},
		{"ListOf all validations", config.ListOf(config.IsInt, config.IntLessThan(2)), vInts, false},
		{"ListOf empty", config.ListOf(config.IsBool), vEmpty, true},
		{"ListOf not a list", config.ListOf(config.IsInt), vInt, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := c.validate(c.v); (err == nil) != c.ok {
				t.Fatalf("validation of %v: %v; want ok = %v", c.v, err, c.ok)
			}
		})
	}
}

// TestValidationMessages checks that a failure says what failed.
func TestValidationMessages(t *testing.T) {
	for _, c := range []struct {
		validate config.Validation
		v        config.Value
		want     string
	}{
		{config.IntInRange(0, 10), config.IntValue(70), "70 is not in the range [0, 10]"},
		{config.IsInt, vString, `"abc" is a string, not an int`},
		{config.IsIntList, list(vInt, vFloat), "element 2: 2.5 is a float, not an int"},
		{config.ListOf(config.IntLessThan(2)), vInts, "element 2: 2 is not less than 2"},
		{config.Keywords("a", "b"), config.KeywordValue("c"), "c is not one of a, b"},
		{config.StringMatching(`^x`), vString, `"abc" does not match /^x/`},
	} {
		if err := c.validate(c.v); err == nil || err.Error() != c.want {
			t.Errorf("validation of %v: %v; want %q", c.v, err, c.want)
		}
	}
}
