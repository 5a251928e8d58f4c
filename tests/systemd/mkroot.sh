#!/bin/sh
# SPDX-License-Identifier: ISC
# Builds, once, a minimal Debian bookworm tree with systemd for the container test
# and caches it as a tarball; later runs only print the tarball's path.
# Usage: mkroot.sh [TARBALL]   (default /var/cache/okd-test/bookworm.tar)
set -eu

tarball=${1:-/var/cache/okd-test/bookworm.tar}
pkgs=systemd,systemd-sysv,dbus,procps,netcat-openbsd,libbsd0,libsystemd0,libseccomp2

[ -s "$tarball" ] && { echo "$tarball"; exit 0; }
[ "$(id -u)" -eq 0 ] || { echo "mkroot: needs root" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "mkroot: no debootstrap" >&2; exit 1; }

# The mirror apt already uses, so a machine behind a proxy or a local mirror works.
mirror=$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\/debian\)[[:space:]]*$/\1/p' \
    /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1)
[ -n "$mirror" ] || mirror=$(sed -n \
    's/^deb[[:space:]]\{1,\}\(http[^[:space:]]*\/debian\)[[:space:]]\{1,\}bookworm.*/\1/p' \
    /etc/apt/sources.list 2>/dev/null | head -n1)
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian

mkdir -p "$(dirname "$tarball")"
dir=$(mktemp -d "$(dirname "$tarball")/root.XXXXXX")
# debootstrap mounts proc and sys in the tree: never let rm cross into them.
cleanup() {
	grep -o " $dir/[^ ]*" /proc/self/mounts | sort -r | while read -r m; do
		umount -l "$m"
	done
	rm -rf --one-file-system "$dir" "$tarball.tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM
echo "mkroot: debootstrap bookworm from $mirror (1 to 5 minutes, network-bound)" >&2
timeout 900 debootstrap --variant=minbase --include="$pkgs" bookworm "$dir" "$mirror" \
    >"$dir.log" 2>&1 || { tail -n 20 "$dir.log" >&2; rm -f "$dir.log"; exit 1; }
rm -f "$dir.log"

# Trim what a boot does not need and make the boot quiet and quick.
rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/* \
    "$dir"/usr/share/doc/* "$dir"/usr/share/man/* "$dir"/usr/share/locale/*
echo okd-test >"$dir/etc/hostname"
: >"$dir/etc/machine-id"
for u in systemd-timesyncd.service apt-daily.timer apt-daily-upgrade.timer \
    e2scrub_all.timer fstrim.timer dpkg-db-backup.timer man-db.timer \
    getty@tty1.service console-getty.service systemd-networkd.service \
    systemd-resolved.service; do
	ln -sf /dev/null "$dir/etc/systemd/system/$u"
done
tar -C "$dir" -cf "$tarball.tmp" .
mv "$tarball.tmp" "$tarball"
echo "$tarball"
