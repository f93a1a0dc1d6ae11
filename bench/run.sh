#!/usr/bin/env bash
# Runs the comparison benchmarks and prints benchstat's table with one column
# per implementation (/impl), the figures quoted in RESULTS.md.
#   bench/run.sh [pattern] [count]
# It runs at nice 10 (BENCH_NICE), so as to disturb other work on a shared
# machine less, and prints the load average before and after the run.
set -euo pipefail
cd "$(dirname "$0")"
pattern=${1:-.}
count=${2:-10}
out=${BENCH_OUT:-/tmp/release-bench.txt}
benchstat=$(go env GOPATH)/bin/benchstat
[ -x "$benchstat" ] || (cd / && GOFLAGS= go install golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da)
uptime
nice -n "${BENCH_NICE:-10}" go test -run '^$' -bench "$pattern" -benchtime 300ms -count "$count" . | tee "$out"
uptime
"$benchstat" -col /impl "$out"
