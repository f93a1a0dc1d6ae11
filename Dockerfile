# The root tests in a container, for developers who are not root. Built by
# scripts/docker-test.sh (`make docker-test`) from a context it assembles:
# nothing is pulled from any registry. The image holds statically linked
# test binaries (cgo with -extldflags -static and the osusergo and netgo
# tags, and CGO_ENABLED=0), a small /etc/passwd and /etc/group with the test
# user, and a runner that runs them all as root.
FROM scratch
COPY rootfs/ /
COPY tests/ /tests/
COPY runtests /runtests
ENV TMPDIR=/tmp PATH=/
ENTRYPOINT ["/runtests"]
