#!/usr/bin/env bash
# Runs every fuzz target in ./fuzz for the given time each (default 30s).
# go test -fuzz takes one target per call, so each runs on its own. New
# crashers land in fuzz/testdata/fuzz/<Target>/: commit them with the fix.
set -euo pipefail
cd "$(dirname "$0")/.."
time=${1:-30s}
targets=$(go test -list '^Fuzz' ./fuzz | grep '^Fuzz')
for t in $targets; do
	echo "== $t ($time)"
	go test -run '^$' -fuzz "^${t}\$" -fuzztime "$time" -fuzzminimizetime 2s ./fuzz 2>&1 | tail -n 3
done
