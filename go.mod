module github.com/release-daemon/release

go 1.26.0

require (
	github.com/edsrzf/mmap-go v1.2.0
	github.com/google/gofuzz v1.2.0
	golang.org/x/sys v0.49.0
)
