#!/bin/sh
# Turns the staging tree `make install DESTDIR=DIR/root` wrote into a binary
# Debian package, doing what debhelper would: strip, compressed manual and
# changelog, copyright, conffiles, md5sums, Depends from the linked libraries.
# Usage: mkdeb.sh DIR VERSION OUT.deb
set -eu

dir=$1 version=$2 out=$3
here=$(cd "$(dirname "$0")" && pwd)
root=$dir/root
arch=$(dpkg --print-architecture)
doc=$root/usr/share/doc/okd

# The debugging symbols stay in the build; the package carries none.
strip --remove-section=.comment --remove-section=.note --strip-unneeded \
    "$root/usr/sbin/okd"
find "$root/usr/share/man" -type f ! -name '*.gz' -exec gzip -9n {} +
install -d -m 755 "$doc"
install -m 644 "$here/copyright" "$doc/copyright"
gzip -9nc "$here/changelog" >"$doc/changelog.Debian.gz"
chmod 644 "$doc/changelog.Debian.gz"

# dpkg-shlibdeps reads a source tree's debian/control; a minimal one is made.
src=$dir/src
mkdir -p "$src/debian"
printf 'Source: okd\n\nPackage: okd\nArchitecture: any\n' >"$src/debian/control"
root_abs=$(cd "$root" && pwd)
depends=$(cd "$src" && dpkg-shlibdeps -O -e"$root_abs/usr/sbin/okd" 2>/dev/null |
    sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || { echo "mkdeb: no dependencies found" >&2; exit 1; }

install -d -m 755 "$root/DEBIAN"
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$size/" \
    -e "s/@DEPENDS@/$depends/" "$here/control.in" >"$root/DEBIAN/control"
install -m 644 "$here/conffiles" "$root/DEBIAN/conffiles"
for s in postinst prerm postrm; do
	install -m 755 "$here/$s" "$root/DEBIAN/$s"
done
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' |
    LC_ALL=C sort -z | xargs -0 md5sum) >"$root/DEBIAN/md5sums"
chmod 644 "$root/DEBIAN/md5sums"

dpkg-deb --root-owner-group -Zxz --build "$root" "$out" >/dev/null
echo "$out"
