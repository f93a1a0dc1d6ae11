package config

import (
	"fmt"
	"log/slog"
	"math"
	"reflect"
	"regexp"
	"time"
)

var (
	typeRegexp   = reflect.TypeFor[*regexp.Regexp]()
	typeLevel    = reflect.TypeFor[slog.Level]()
	typeDuration = reflect.TypeFor[time.Duration]()
	typeValue    = reflect.TypeFor[Value]()
)

// decodeValue stores v in dst, or says why it does not fit.
func decodeValue(dst reflect.Value, v Value) error {
	switch dst.Type() {
	case typeValue:
		dst.Set(reflect.ValueOf(v))
		return nil
	case typeRegexp:
		re, ok := v.Regexp()
		if !ok {
			return mismatch(v, dst)
		}
		dst.Set(reflect.ValueOf(re))
		return nil
	case typeLevel:
		l, ok := v.LogLevel()
		if !ok {
			return fmt.Errorf("%s is not a log level (debug, info, notice, warning, error or fatal)", v)
		}
		dst.SetInt(int64(l))
		return nil
	case typeDuration:
		d, err := duration(v)
		if err != nil {
			return err
		}
		dst.SetInt(int64(d))
		return nil
	}
	return decodeKind(dst, v)
}

// decodeKind stores v in dst by dst's kind.
func decodeKind(dst reflect.Value, v Value) error {
	switch dst.Kind() {
	case reflect.Bool:
		b, ok := v.Bool()
		if !ok {
			return mismatch(v, dst)
		}
		dst.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		i, ok := v.Int()
		if !ok {
			return mismatch(v, dst)
		}
		if dst.OverflowInt(i) {
			return fmt.Errorf("%d overflows %s", i, dst.Type())
		}
		dst.SetInt(i)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		i, ok := v.Int()
		if !ok {
			return mismatch(v, dst)
		}
		if i < 0 || dst.OverflowUint(uint64(i)) {
			return fmt.Errorf("%d overflows %s", i, dst.Type())
		}
		dst.SetUint(uint64(i))
	case reflect.Float32, reflect.Float64:
		f, ok := asFloat(v)
		if !ok {
			return mismatch(v, dst)
		}
		if dst.OverflowFloat(f) {
			return fmt.Errorf("%v overflows %s", f, dst.Type())
		}
		dst.SetFloat(f)
	case reflect.String:
		s, ok := v.Str()
		if !ok {
			if s, ok = v.Keyword(); !ok {
				return mismatch(v, dst)
			}
		}
		dst.SetString(s)
	case reflect.Slice:
		return decodeSlice(dst, v)
	default:
		return fmt.Errorf("cannot decode into a field of type %s", dst.Type())
	}
	return nil
}

// decodeSlice stores the list v in the slice dst, element by element.
func decodeSlice(dst reflect.Value, v Value) error {
	if v.kind != KindList {
		return mismatch(v, dst)
	}
	out := reflect.MakeSlice(dst.Type(), v.len(), v.len())
	for i := range v.len() {
		if err := decodeValue(out.Index(i), v.index(i)); err != nil {
			return fmt.Errorf("element %d: %w", i+1, err)
		}
	}
	dst.Set(out)
	return nil
}

// duration converts a string such as "1m30s", or a number of seconds.
func duration(v Value) (time.Duration, error) {
	switch v.kind {
	case KindString:
		return time.ParseDuration(v.str)
	case KindInt, KindFloat:
		f, _ := asFloat(v)
		secs := f * float64(time.Second)
		if math.Abs(secs) >= math.MaxInt64 {
			return 0, fmt.Errorf("%s seconds overflows time.Duration", v)
		}
		if i, ok := v.Int(); ok {
			return time.Duration(i) * time.Second, nil
		}
		return time.Duration(secs), nil
	}
	return 0, fmt.Errorf("%s is %s, not a duration (a string such as \"1m30s\" or a number of seconds)", v, aKind(v.kind))
}

func mismatch(v Value, dst reflect.Value) error {
	return fmt.Errorf("%s is %s, which does not fit %s", v, aKind(v.kind), dst.Type())
}
