#!/bin/sh
# SPDX-License-Identifier: ISC
# Checks the Debian package against the container's real systemd, as an
# operator rolls it out: install, upgrade under load, recovery from a broken
# configuration, purge.  Run inside the container by `nspawn.sh up-package`
# and `nspawn.sh run`.  Usage: okd-test CHECK; prints what failed and exits 1.
set -u
PATH=/usr/sbin:/usr/bin:/sbin:/bin
deb=/usr/local/share/okd-test/okd.deb
conf=/etc/okd/okd.conf

fail() {
	echo "FAIL [package $check]: $*"
	exit 1
}

prop() {
	systemctl show -p "$2" --value "$1"
}

is() {
	[ "$(prop "$1" "$2")" = "$3" ]
}

# Polls a command until it succeeds or $1 seconds have passed.
poll() {
	end=$(($(date +%s) + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -ge "$end" ] && return 1
		sleep 0.1
	done
}

# One client: sends x, half-closes, prints what the server answered.
client() {
	printf x | timeout 10 nc -N -w 5 127.0.0.1 8001
}

answers_ok() {
	[ "$(client)" = OK ]
}

check_install() {
	dpkg -i "$deb" >"$tmp/dpkg.log" 2>&1 || { cat "$tmp/dpkg.log"; fail "dpkg -i failed"; }
	[ "$(dpkg-query -W -f='${Status}' okd)" = "install ok installed" ] ||
	    fail "okd is '$(dpkg-query -W -f='${Status}' okd)'"
	[ "$(systemctl is-enabled okd.socket)" = enabled ] ||
	    fail "okd.socket is $(systemctl is-enabled okd.socket), want enabled"
	is okd.socket ActiveState active || fail "okd.socket is $(prop okd.socket ActiveState)"
	is okd.service ActiveState inactive ||
	    fail "okd.service is $(prop okd.service ActiveState) before any client"
	r=$(client)
	[ "$r" = OK ] || fail "first client got '$r', want 'OK'"
	poll 5 is okd.service ActiveState active ||
	    fail "okd.service is $(prop okd.service ActiveState) after a client"
	exe=$(readlink "/proc/$(prop okd.service MainPID)/exe")
	[ "$exe" = /usr/sbin/okd ] || fail "okd.service runs '$exe'"
	man -w okd 2>/dev/null | grep -q 'okd.8.gz$' || [ -f /usr/share/man/man8/okd.8.gz ] ||
	    fail "no compressed manual page"
	[ -f /usr/share/doc/okd/copyright ] || fail "no copyright file"
}

# Connects every 20 ms, $1 times, each client counted in $tmp/ok or $tmp/bad.
client_loop() {
	i=0
	while [ "$i" -lt "$1" ]; do
		if [ "$(client)" = OK ]; then
			echo >>"$tmp/ok"
		else
			echo "$i" >>"$tmp/bad"
		fi
		i=$((i + 1))
		sleep 0.02
	done
}

lines() {
	[ -f "$1" ] && wc -l <"$1" || echo 0
}

at_least() {
	[ "$(lines "$1")" -ge "$2" ]
}

# dpkg -i over itself while a client keeps connecting: okd.socket keeps its
# port (it is never restarted), okd.service is, and every client is answered.
check_upgrade() {
	poll 5 answers_ok || fail "no answer before the upgrade"
	pid=$(prop okd.service MainPID)
	since=$(prop okd.socket ActiveEnterTimestampMonotonic)
	: >"$tmp/ok"
	client_loop 200 &
	loop=$!
	poll 10 at_least "$tmp/ok" 20 || fail "the client loop did not get going"
	dpkg -i "$deb" >"$tmp/dpkg.log" 2>&1 || { cat "$tmp/dpkg.log"; fail "dpkg -i (upgrade) failed"; }
	during=$(lines "$tmp/ok")
	wait "$loop"
	echo "upgrade: $(lines "$tmp/ok") of 200 clients answered OK," \
	    "the upgrade done after $during"
	[ "$(lines "$tmp/bad")" -eq 0 ] ||
	    fail "$(lines "$tmp/bad") of 200 clients not answered OK during the upgrade"
	[ "$during" -lt 200 ] || fail "the upgrade ended after the client loop"
	is okd.socket ActiveEnterTimestampMonotonic "$since" ||
	    fail "okd.socket was restarted by the upgrade"
	[ "$(prop okd.service MainPID)" != "$pid" ] ||
	    fail "okd.service was not restarted onto the new binary"
	is okd.service ActiveState active || fail "okd.service is $(prop okd.service ActiveState)"
}

# A broken configuration: the cause shows in systemctl status, and the
# recovery okd(8) gives (fix, reset-failed, start the socket) works.
check_recover() {
	cp "$conf" "$tmp/good.conf"
	systemctl stop okd.socket okd.service
	echo 'bogus-keyword yes' >>"$conf"
	line=$(wc -l <"$conf")
	systemctl start okd.socket || fail "cannot start okd.socket"
	# Each client starts okd.service again, until systemd gives up on it.
	n=0
	while [ "$n" -lt 20 ] && ! is okd.socket ActiveState failed; do
		printf x | timeout 3 nc -N -w 2 127.0.0.1 8001 >/dev/null 2>&1
		n=$((n + 1))
	done
	poll 5 is okd.socket ActiveState failed ||
	    fail "okd.socket is $(prop okd.socket ActiveState) after $n clients of a broken okd"
	is okd.socket Result service-start-limit-hit ||
	    fail "okd.socket Result=$(prop okd.socket Result)"
	journalctl --sync
	# What an operator sees first, with systemctl's default 10 lines.
	systemctl status --no-pager okd.service >"$tmp/status" 2>&1
	grep -q "$conf:$line: .*bogus-keyword" "$tmp/status" ||
	    { cat "$tmp/status"; false; } ||
	    fail "systemctl status okd.service does not name $conf:$line"
	if answers_ok; then
		fail "a client was answered by the failed socket"
	fi
	cp "$tmp/good.conf" "$conf"
	systemctl reset-failed okd.service okd.socket || fail "reset-failed failed"
	systemctl start okd.socket || fail "cannot start okd.socket after reset-failed"
	poll 5 answers_ok || fail "after the recovery a client got '$(client)'"
}

check_purge() {
	dpkg -L okd >"$tmp/files" || fail "dpkg -L okd"
	dpkg --purge okd >"$tmp/dpkg.log" 2>&1 || { cat "$tmp/dpkg.log"; fail "dpkg --purge failed"; }
	dpkg-query -W -f='${Status}' okd 2>/dev/null | grep -q ' installed$' &&
	    fail "okd is still installed"
	while read -r f; do
		if [ ! -d "$f" ] && { [ -e "$f" ] || [ -L "$f" ]; }; then
			fail "$f is left"
		fi
	done <"$tmp/files"
	for d in /etc/okd /var/lib/okd; do
		[ ! -e "$d" ] || fail "$d is left"
	done
	left=$(find /etc/systemd /lib/systemd/system /var/lib/systemd -name 'okd*' 2>/dev/null)
	[ -z "$left" ] || fail "unit files left: $left"
	grep -rqs okd /var/lib/systemd/deb-systemd-helper-enabled &&
	    fail "deb-systemd-helper still remembers okd"
	for u in okd.socket okd.service; do
		is "$u" LoadState not-found || fail "$u: LoadState $(prop "$u" LoadState)"
	done
	pgrep -x okd >/dev/null && fail "an okd process is left: $(pgrep -a -x okd)"
	if printf x | timeout 3 nc -N -w 2 127.0.0.1 8001 >/dev/null 2>&1; then
		fail "port 8001 still accepts connections"
	fi
	return 0
}

check=${1:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
case $check in
install|upgrade|recover|purge)
	"check_$check" ;;
*)	fail "unknown check" ;;
esac
echo "ok [package $check]"
