#!/usr/bin/env bash
# Builds the root-test image from scratch and runs it: the tests that need
# root (privilege drop, chroot, lock files, daemonizing, the workers'
# sandbox: seccomp, Landlock, the master's supervision of refused calls)
# run as root in the container, whoever runs this. Needs a running Docker
# engine. examples/echod's sandbox tests are not among them: they build
# echod with the go command, which the image does not hold.
# It prints one line per test binary, and the whole output of a binary
# only when it fails.
#   scripts/docker-test.sh            build and run
#   ROOT_TEST_PKGS="./proc/sandbox" scripts/docker-test.sh
#   VERBOSE=1 scripts/docker-test.sh  every binary's output, passing or not
set -euo pipefail
cd "$(dirname "$0")/.."
pkgs=${ROOT_TEST_PKGS:-./proc ./proc/sandbox}
ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
mkdir -p "$ctx/tests" "$ctx/rootfs/etc" "$ctx/rootfs/tmp" "$ctx/rootfs/var/tmp"
chmod 1777 "$ctx/rootfs/tmp" "$ctx/rootfs/var/tmp"

for pkg in $pkgs; do
	name=$(basename "$pkg")
	CGO_ENABLED=1 go test -c -tags osusergo,netgo -ldflags '-linkmode external -extldflags -static' \
		-o "$ctx/tests/$name-cgo.test" "$pkg"
	CGO_ENABLED=0 go test -c -o "$ctx/tests/$name-nocgo.test" "$pkg"
done
CGO_ENABLED=0 go build -o "$ctx/runtests" ./internal/cmd/runtests

cat > "$ctx/rootfs/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
reltest:x:4242:4242:release tests:/var/tmp/reltest-jail:/sbin/nologin
PASSWD
cat > "$ctx/rootfs/etc/group" <<'GROUP'
root:x:0:
nogroup:x:65534:
reltest:x:4242:
GROUP

cp Dockerfile "$ctx/Dockerfile"
if ! docker build -t release-root-tests "$ctx" >"$ctx/build.log" 2>&1; then
	cat "$ctx/build.log" >&2
	exit 1
fi
docker run --rm ${VERBOSE:+-e VERBOSE=1} release-root-tests
