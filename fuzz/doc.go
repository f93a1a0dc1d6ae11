// Package fuzz holds the project's go test -fuzz targets, one file per
// package under test, so that every decoder is checked for "never panics"
// and "round-trips" in one place. It has no non-test code.
//
// Run one target with, for example,
//
//	go test -run '^$' -fuzz FuzzEndianReader -fuzztime 30s ./fuzz
//
// Seeds come from f.Add in each target; inputs that once failed are kept
// under testdata/fuzz/FuzzXxx/ and run by a plain go test.
package fuzz
