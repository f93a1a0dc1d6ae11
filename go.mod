module github.com/release-daemon/release

go 1.26

require github.com/google/gofuzz v1.2.0 // indirect
