module github.com/release-daemon/release

go 1.26
