#!/bin/sh
# SPDX-License-Identifier: ISC
# Runs systemd-analyze over okd's units as they would be installed, with
# ExecStart= pointing at a real binary and man: links at the repository's pages.
# Usage: analyze.sh verify|security OKD UNITDIR MANDIR
# Prints systemd-analyze's output on stdout; exit 77 when it cannot run here.
set -u

[ $# -eq 4 ] || { echo "usage: analyze.sh verify|security OKD UNITDIR MANDIR" >&2; exit 2; }
mode=$1 okd=$2 units=$3 mandir=$4
command -v systemd-analyze >/dev/null || { echo "skip: no systemd-analyze"; exit 77; }
[ -x "$okd" ] || { echo "analyze: no binary $okd" >&2; exit 1; }
okd=$(cd "$(dirname "$okd")" && pwd)/$(basename "$okd")

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
names="okd.service okd.socket okd-accept.socket okd-accept@.service"
for u in $names; do
	sed "s|/usr/local/sbin/okd|$okd|" "$units/$u" >"$tmp/$u" || exit 1
done

case $mode in
verify)
	# verify runs man(1) for every man: link; serve it our own pages.
	mkdir -p "$tmp/man/man5" "$tmp/man/man8"
	for p in "$mandir"/*.5 "$mandir"/*.8; do
		[ -f "$p" ] && cp "$p" "$tmp/man/man${p##*.}/"
	done
	cd "$tmp" && MANPATH="$tmp/man" systemd-analyze verify \
	    $(for u in $names; do printf './%s ' "$u"; done) 2>&1
	;;
security)
	cd "$tmp" && systemd-analyze security --offline=yes --no-pager \
	    ./okd.service ./okd-accept@.service 2>&1 |
	    grep 'Overall exposure level'
	;;
*)
	echo "analyze: unknown mode $mode" >&2
	exit 2
	;;
esac
