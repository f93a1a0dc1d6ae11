# The project's checks. `make test` is the README's test command and what
# .ci/run calls: it installs the one tool it needs (staticcheck, pinned), then
# checks formatting, vets, lints and tests with and without cgo.

GO          ?= go
GOBIN       := $(shell $(GO) env GOPATH)/bin
STATICCHECK := $(GOBIN)/staticcheck
STATICCHECK_VERSION := v0.8.2
BENCHSTAT   := $(GOBIN)/benchstat
BENCHSTAT_VERSION := v0.0.0-20260908200009-22c9c6c9d4da
FUZZTIME    ?= 30s

.PHONY: test tools fmt vet lint unit bench-module container docker-test systemd fuzz bench

test: tools fmt vet lint bench-module container unit systemd

tools: $(STATICCHECK)

$(STATICCHECK):
	cd / && GOFLAGS= $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

$(BENCHSTAT):
	cd / && GOFLAGS= $(GO) install golang.org/x/perf/cmd/benchstat@$(BENCHSTAT_VERSION)

fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...
	CGO_ENABLED=0 $(GO) vet ./...

lint: $(STATICCHECK)
	$(STATICCHECK) ./...

unit:
	$(GO) test -race ./...
	CGO_ENABLED=0 $(GO) test ./...

# The bench module is vetted and its benchmarks compiled, not run: figures
# come from `make bench` on a quiet machine (see bench/RESULTS.md).
bench-module: $(STATICCHECK)
	cd bench && $(GO) vet ./... && $(STATICCHECK) ./... && $(GO) test -run '^$$' ./...

# The root tests again, in a FROM-scratch container (scripts/docker-test.sh),
# when a Docker engine answers; otherwise a line says why they were skipped.
container:
	@if docker info >/dev/null 2>&1; then ./scripts/docker-test.sh; \
	else echo "SKIP container root tests: no Docker engine answers (start dockerd; CI does)"; fi

docker-test:
	./scripts/docker-test.sh

# echod under a real systemd (PID 1 in a systemd-nspawn container of a
# Debian root file system, built once and cached): root only; otherwise a
# line says why it was skipped.
systemd:
	@if [ "$$(id -u)" = 0 ]; then ./scripts/systemd-test.sh; \
	else echo "SKIP systemd tests: they need root (systemd-nspawn, debootstrap); run make systemd as root"; fi

fuzz:
	./fuzz/run.sh $(FUZZTIME)

bench: $(BENCHSTAT)
	./bench/run.sh
