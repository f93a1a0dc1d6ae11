module github.com/release-daemon/release/bench

go 1.26.0

require github.com/release-daemon/release v0.0.0

require lukechampine.com/uint128 v1.3.0

require (
	github.com/cloudflare/tableflip v1.2.3
	golang.org/x/sys v0.49.0
	gopkg.in/ini.v1 v1.67.3
)

replace github.com/release-daemon/release => ../

require github.com/edsrzf/mmap-go v1.2.0 // indirect
