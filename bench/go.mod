module github.com/release-daemon/release/bench

go 1.26

require github.com/release-daemon/release v0.0.0

require lukechampine.com/uint128 v1.3.0

replace github.com/release-daemon/release => ../
