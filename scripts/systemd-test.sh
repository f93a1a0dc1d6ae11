#!/usr/bin/env bash
# Runs echod under a real systemd: a Debian trixie root file system
# (systemd 257) booted with systemd-nspawn, systemd as its PID 1, on a
# throw-away overlay; examples/echod's TestSystemd drives it. Needs root,
# systemd-nspawn (systemd-container) and debootstrap. The root file system
# is built once and kept in $RELEASE_SYSTEMD_CACHE (a minute or two with a
# good mirror), then reused.
#   scripts/systemd-test.sh
#   RELEASE_SYSTEMD_CACHE=/srv/cache DEBIAN_MIRROR=http://... scripts/systemd-test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cache=${RELEASE_SYSTEMD_CACHE:-/var/cache/release-systemd}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
rootfs=$cache/trixie
mark=$rootfs/.release-rootfs-complete

if [ "$(id -u)" != 0 ]; then
	echo "systemd-test: needs root (systemd-nspawn, debootstrap)" >&2
	exit 1
fi
for tool in systemd-nspawn debootstrap nsenter; do
	command -v "$tool" >/dev/null || { echo "systemd-test: $tool is missing (apt-get install systemd-container debootstrap)" >&2; exit 1; }
done

if [ ! -e "$mark" ]; then
	start=$(date +%s)
	tmp=$cache/trixie.tmp
	mkdir -p "$cache"
	rm -rf "$tmp" "$rootfs"
	echo "systemd-test: building the root file system in $rootfs (debootstrap trixie, $mirror)"
	if ! timeout 900 debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus \
		trixie "$tmp" "$mirror" >"$cache/debootstrap.log" 2>&1; then
		tail -20 "$cache/debootstrap.log" >&2
		rm -rf "$tmp"
		exit 1
	fi
	rm -rf "$tmp/var/cache/apt/archives/"*.deb
	touch "$tmp/.release-rootfs-complete"
	mv "$tmp" "$rootfs"
	echo "systemd-test: root file system built in $(($(date +%s) - start)) s"
fi

ECHOD_SYSTEMD_ROOTFS=$rootfs exec timeout 600 go test -count=1 -v -timeout 8m -run '^TestSystemd$' ./examples/echod
