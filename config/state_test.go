package config_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/release-daemon/release/config"
)

// The state-isolation test alternates a file with duplicates and syntax errors, and
// a good file with the same section and key names. The original kept its
// tables between parses, so the good file then reported stale duplicates.
const (
	stateBad  = "a = 1\na = 2\n[s]\nb = \"\\999\"\n[s]\nc = [1\n"
	stateGood = "a = 1\n[s]\nb = \"ok\"\nc = [1, 2]\n[t]\nd = /x/\n"
)

// TestStateIsolation: 1,000 alternations of a bad and a good parse
// in one goroutine, then in each of 8 goroutines at once (run it with
// -race); every good parse must equal the first.
func TestStateIsolation(t *testing.T) {
	want := dump(parse(t, stateGood))
	run := func(n int) error {
		for range n {
			if _, err := config.ParseBytes("bad.conf", []byte(stateBad), nil); err == nil {
				return fmt.Errorf("the bad file parsed")
			}
			cfg, err := config.ParseBytes("good.conf", []byte(stateGood), nil)
			if err != nil {
				return err
			}
			if got := dump(cfg); got != want {
				return fmt.Errorf("a good parse gave\n%s\nwant\n%s", got, want)
			}
		}
		return nil
	}
	if err := run(1000); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() { errs[i] = run(1000) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}
