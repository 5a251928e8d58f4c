#!/bin/sh
# SPDX-License-Identifier: ISC
# Checks okd's units against the container's real systemd; run inside it by
# nspawn.sh. Usage: okd-test CHECK. Prints what failed and exits 1, or exits 0.
set -u
PATH=/usr/sbin:/usr/bin:/sbin:/bin

fail() {
	echo "FAIL [$check]: $*"
	# Later checks need the good config back.
	[ -f "$tmp/good.conf" ] && cp "$tmp/good.conf" /etc/okd/okd.conf
	exit 1
}

prop() {
	systemctl show -p "$2" --value "$1"
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

is() {
	[ "$(prop "$1" "$2")" = "$3" ]
}

# One client: sends $2, half-closes, prints everything the server answered.
client() {
	printf '%s' "$2" | timeout 10 nc -N -w 5 127.0.0.1 "$1"
}

# A held client on port $2: the caller writes to fifo $tmp/in.$1 (which nc
# waits to see opened); answers collect in $tmp/out.$1.
open_client() {
	mkfifo "$tmp/in.$1"
	nc -N 127.0.0.1 "$2" <"$tmp/in.$1" >"$tmp/out.$1" &
	echo $! >"$tmp/pid.$1"
}

got() {
	[ "$(cat "$tmp/out.$1")" = "$2" ]
}

logs() {
	journalctl --sync
	journalctl --no-pager "$@"
}

# The socket listens; a first connection starts okd.service, which answers.
ensure_running() {
	systemctl start okd.socket || fail "cannot start okd.socket"
	if ! is okd.service ActiveState active; then
		r=$(client 8001 hello)
		[ "$r" = OK ] || fail "first client got '$r', want 'OK'"
		poll 5 is okd.service ActiveState active ||
		    fail "okd.service is $(prop okd.service ActiveState) after a connection"
	fi
}

check_units() {
	# A template loads through an instance of it.
	for u in okd.service okd.socket okd-accept.socket okd-accept@0.service; do
		is "$u" LoadState loaded || fail "$u: LoadState $(prop "$u" LoadState)"
	done
	is okd.service Type notify || fail "okd.service is not Type=notify"
	is okd.service ActiveState inactive || fail "okd.service started on its own"
}

check_socket() {
	systemctl start okd.socket || fail "cannot start okd.socket"
	is okd.socket ActiveState active || fail "okd.socket is $(prop okd.socket ActiveState)"
	is okd.service ActiveState inactive ||
	    fail "okd.service is $(prop okd.service ActiveState) before any client"
	r=$(client 8001 hello)
	[ "$r" = OK ] || fail "client got '$r', want 'OK'"
	poll 5 is okd.service ActiveState active ||
	    fail "okd.service is $(prop okd.service ActiveState) after a connection"
	pid=$(prop okd.service MainPID)
	[ "$pid" -gt 0 ] || fail "no MainPID"
	exe=$(readlink "/proc/$pid/exe")
	[ "$exe" = /usr/local/sbin/okd ] || fail "MainPID $pid runs '$exe'"
	r=$(client 8001 again)
	[ "$r" = OK ] || fail "second client got '$r', want 'OK'"
	is okd.socket NAccepted 0 || fail "Accept=no socket counted accepted connections"
}

# The "N served" figure in STATUS= (okd sends it at most once a second).
served() {
	prop okd.service StatusText | sed -n 's/.*[^0-9]\([0-9][0-9]*\) served.*/\1/p;
	    s/^\([0-9][0-9]*\) served.*/\1/p'
}

served_above() {
	[ "$(served)" -gt "$1" ]
}

check_status() {
	ensure_running
	s=$(prop okd.service StatusText)
	echo "StatusText=$s"
	n=$(served)
	[ -n "$n" ] || fail "STATUS= text '$s' has no 'N served' figure"
	r=$(client 8001 status)
	[ "$r" = OK ] || fail "client got '$r'"
	poll 3 served_above "$n" ||
	    fail "STATUS= still '$(prop okd.service StatusText)' after one more client"
	echo "StatusText=$(prop okd.service StatusText)"
}

answers() {
	[ "$(client 8001 x)" = "$1" ]
}

# A reload through systemd applies a changed reply, in the same process.
check_reload() {
	ensure_running
	pid=$(prop okd.service MainPID)
	cp /etc/okd/okd.conf "$tmp/good.conf"
	echo 'reply "YES"' >>/etc/okd/okd.conf
	timeout 20 systemctl reload okd.service || fail "systemctl reload failed"
	poll 5 answers YES || fail "after reload a client got '$(client 8001 x)', want 'YES'"
	is okd.service ActiveState active ||
	    fail "okd.service is $(prop okd.service ActiveState) after reload"
	is okd.service MainPID "$pid" || fail "MainPID changed across reload"
	cp "$tmp/good.conf" /etc/okd/okd.conf
	rm "$tmp/good.conf"
	timeout 20 systemctl reload okd.service || fail "second reload failed"
	poll 5 answers OK || fail "after the second reload a client got '$(client 8001 x)'"
	logs -u okd.service -o cat | grep -q '^Reloaded okd.service' ||
	    fail "no 'Reloaded okd.service' in the journal"
}

check_journal() {
	ensure_running
	r=$(client 8001 journal)
	[ "$r" = OK ] || fail "client got '$r'"
	poll 5 sh -c "journalctl --sync; journalctl -u okd.service -o cat |
	    grep -q 'close peer=127.0.0.1:[0-9]* .*reason=eof'" ||
	    fail "no 'close peer=... reason=eof' line under -u okd.service"
	logs -u okd.service -o cat | grep -q 'accept peer=127.0.0.1:[0-9]* pid=[0-9]* active=' ||
	    fail "no 'accept peer=... pid=... active=' line under -u okd.service"
	v=$(logs -u okd.service -o verbose)
	echo "$v" | grep -q '^ *OKD_PEER=127.0.0.1:[0-9]*$' || fail "no OKD_PEER= field"
	echo "$v" | grep -q '^ *OKD_REASON=eof$' || fail "no OKD_REASON=eof field"
	logs -u okd.service -o cat | grep 'peer=' | tail -n 2
}

# The sandbox holds at run time, and okd still serves under it.
check_sandbox() {
	ensure_running
	pid=$(prop okd.service MainPID)
	st=/proc/$pid/status
	uid=$(awk '/^Uid:/ { print $2 }' "$st")
	[ "$uid" -ge 61184 ] && [ "$uid" -le 65519 ] || fail "uid $uid is not a DynamicUser uid"
	grep -q '^NoNewPrivs:[[:space:]]*1$' "$st" || fail "NoNewPrivs is not set"
	grep -q '^Seccomp:[[:space:]]*2$' "$st" || fail "no seccomp filter"
	grep -q '^CapEff:[[:space:]]*0*$' "$st" || fail "effective capabilities left"
	grep -q '^CapBnd:[[:space:]]*0*$' "$st" || fail "bounding set not empty"
	[ "$(readlink "/proc/$pid/ns/net")" != "$(readlink /proc/1/ns/net)" ] ||
	    fail "okd.service shares the network namespace"
	# IPAddressDeny=any is enforced here (BPF works), yet okd serves: the
	# passed socket belongs to okd.socket, not to the service.
	if systemd-run -q --wait -p IPAddressDeny=any nc -z -w 2 127.0.0.1 8001 2>/dev/null; then
		fail "IPAddressDeny=any is not enforced in this container"
	fi
	# Each child stacks okd's own seccomp filter on top of systemd's.
	open_client c 8001
	exec 4>"$tmp/in.c"
	printf a >&4
	poll 5 got c OK || fail "held client got '$(cat "$tmp/out.c")' under the sandbox"
	kid=$(pgrep -P "$pid" | head -n 1)
	[ -n "$kid" ] || fail "no child of okd for an open connection"
	nf=$(awk '/^Seccomp_filters:/ { print $2 }' "$st")
	kf=$(awk '/^Seccomp_filters:/ { print $2 }' "/proc/$kid/status")
	echo "seccomp filters: supervisor $nf, child $kf"
	[ "$kf" -gt "$nf" ] || fail "child has $kf seccomp filters, supervisor $nf"
	exec 4>&-
	wait "$(cat "$tmp/pid.c")"
}

check_watchdog() {
	ensure_running
	is okd.service WatchdogUSec 30s || fail "WatchdogUSec is $(prop okd.service WatchdogUSec)"
	# A short watchdog for this check: okd must ping before systemd kills it.
	mkdir -p /run/systemd/system/okd.service.d
	printf '[Service]\nWatchdogSec=2s\n' >/run/systemd/system/okd.service.d/wd.conf
	systemctl daemon-reload
	systemctl restart okd.service || fail "restart with WatchdogSec=2s failed"
	pid=$(prop okd.service MainPID)
	t0=$(prop okd.service WatchdogTimestampMonotonic)
	poll 4 sh -c "[ \"\$(systemctl show -p WatchdogTimestampMonotonic --value okd.service)\" != $t0 ]" ||
	    fail "no WATCHDOG=1 within 4 s (WatchdogSec=2s)"
	r=$(client 8001 watchdog)
	[ "$r" = OK ] || fail "client got '$r'"
	is okd.service MainPID "$pid" || fail "okd was restarted (watchdog?)"
	rm -r /run/systemd/system/okd.service.d
	systemctl daemon-reload
	systemctl restart okd.service || fail "restart without the drop-in failed"
}

# A call outside the supervisor's own filter kills it with SIGSYS; systemd
# restarts it (Restart=on-failure) while okd.socket keeps the port.
check_violation() {
	ensure_running
	pid=$(prop okd.service MainPID)
	n=$(prop okd.service NRestarts)
	kill -SYS "$pid"
	poll 10 sh -c "[ \"\$(systemctl show -p MainPID --value okd.service)\" != $pid ] &&
	    [ \"\$(systemctl show -p MainPID --value okd.service)\" != 0 ]" ||
	    fail "okd.service was not restarted after SIGSYS"
	poll 5 is okd.service ActiveState active || fail "okd.service is $(prop okd.service ActiveState)"
	[ "$(prop okd.service NRestarts)" -gt "$n" ] || fail "NRestarts did not grow"
	r=$(client 8001 after)
	[ "$r" = OK ] || fail "client after the restart got '$r'"
}

check_accept() {
	systemctl start okd-accept.socket || fail "cannot start okd-accept.socket"
	n0=$(prop okd-accept.socket NAccepted)
	for i in 1 2 3; do
		r=$(client 8002 "inetd$i")
		[ "$r" = OK ] || fail "inetd client $i got '$r', want 'OK'"
	done
	# Two connections held open at once: one okd -i instance each.
	open_client a 8002
	open_client b 8002
	exec 4>"$tmp/in.a" 5>"$tmp/in.b"
	printf a >&4
	printf b >&5
	poll 5 got a OK || fail "held client a got '$(cat "$tmp/out.a")'"
	poll 5 got b OK || fail "held client b got '$(cat "$tmp/out.b")'"
	n=$(systemctl list-units --no-legend --state=active 'okd-accept@*.service' | wc -l)
	[ "$n" -eq 2 ] || fail "$n active okd-accept@ instances for 2 connections"
	exec 4>&- 5>&-
	wait "$(cat "$tmp/pid.a")" "$(cat "$tmp/pid.b")"
	n1=$(prop okd-accept.socket NAccepted)
	[ $((n1 - n0)) -eq 5 ] || fail "NAccepted went from $n0 to $n1 for 5 connections"
	poll 5 sh -c "[ -z \"\$(systemctl list-units --all --no-legend 'okd-accept@*')\" ]" ||
	    fail "instances not collected: $(systemctl list-units --all --no-legend 'okd-accept@*')"
	if logs -b -o cat _PID=1 | grep -q 'okd-accept@.*Failed'; then
		fail "an okd-accept@ instance failed"
	fi
	# okd -i's own close line reaches the journal (log-target auto), with
	# its OKD_* fields, not only systemd's lines about the instance.
	poll 5 sh -c "journalctl --sync; journalctl -u 'okd-accept@*' -o cat |
	    grep -q 'close peer=127.0.0.1:[0-9]* .*reason=eof'" ||
	    fail "no okd close line under -u 'okd-accept@*': $(logs -u 'okd-accept@*' -o cat | tail -n 3)"
	v=$(logs -u 'okd-accept@*' -o verbose)
	echo "$v" | grep -q '^ *OKD_PEER=127.0.0.1:[0-9]*$' || fail "no OKD_PEER= field from okd -i"
	echo "$v" | grep -q '^ *OKD_REASON=eof$' || fail "no OKD_REASON=eof field from okd -i"
	echo "$v" | grep -q '^ *SYSLOG_IDENTIFIER=okd$' || fail "no SYSLOG_IDENTIFIER=okd from okd -i"
	logs -u 'okd-accept@*' -o cat | grep 'close peer=' | tail -n 1
}

# SIGTERM drains: a session open at stop time is still served, and okd
# exits only when it ends.
check_stop() {
	ensure_running
	open_client s 8001
	exec 4>"$tmp/in.s"
	printf a >&4
	poll 5 got s OK || fail "held client got '$(cat "$tmp/out.s")' before stop"
	systemctl stop --no-block okd.service
	poll 5 is okd.service ActiveState deactivating ||
	    fail "okd.service is $(prop okd.service ActiveState) during stop"
	printf b >&4
	poll 5 got s OKOK || fail "held client got '$(cat "$tmp/out.s")' while draining"
	is okd.service ActiveState deactivating ||
	    fail "okd.service $(prop okd.service ActiveState) with a session still open"
	exec 4>&-
	wait "$(cat "$tmp/pid.s")"
	poll 10 is okd.service ActiveState inactive ||
	    fail "okd.service is $(prop okd.service ActiveState) after the last session"
	is okd.service Result success || fail "stop Result=$(prop okd.service Result)"
}

# The recipe in okd.service's closing comment: a copy of the unit without
# the socket, okd binding its own `listen 127.0.0.1:8001`.
check_standalone() {
	systemctl stop okd.socket okd.service
	sed -e '/^Requires=okd.socket$/d' -e '/^After=okd.socket$/d' \
	    -e 's/^PrivateNetwork=yes$/PrivateNetwork=no/' -e '/^IPAddressDeny=any$/d' \
	    -e 's/^RestrictAddressFamilies=AF_UNIX$/RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6/' \
	    /etc/systemd/system/okd.service >/run/systemd/system/okd-alone.service
	systemctl daemon-reload
	timeout 20 systemctl start okd-alone.service || fail "okd-alone.service did not start"
	is okd.socket ActiveState inactive || fail "okd.socket came up"
	r=$(client 8001 alone)
	[ "$r" = OK ] || fail "client of the standalone okd got '$r'"
	systemctl stop okd-alone.service
	rm /run/systemd/system/okd-alone.service
	systemctl daemon-reload
}

# A bad keyword: okd exits 78, systemd marks it failed and does not restart.
check_config() {
	systemctl stop okd.socket okd.service
	systemctl reset-failed okd.service 2>/dev/null
	cp /etc/okd/okd.conf "$tmp/good.conf"
	echo 'bogus-keyword yes' >>/etc/okd/okd.conf
	if timeout 20 systemctl start okd.service 2>/dev/null; then
		fail "okd.service started with a bad config"
	fi
	cp "$tmp/good.conf" /etc/okd/okd.conf
	rm "$tmp/good.conf"
	is okd.service ExecMainStatus 78 || fail "exit status $(prop okd.service ExecMainStatus), want 78"
	# Over many RestartSec= periods (100 ms) it stays failed, never restarted.
	end=$(($(date +%s) + 2))
	while [ "$(date +%s)" -lt "$end" ]; do
		s=$(systemctl show -p ActiveState -p NRestarts okd.service | sort | tr '\n' ' ')
		[ "$s" = "ActiveState=failed NRestarts=0 " ] || fail "after the failure: $s"
		sleep 0.1
	done
	is okd.service Result exit-code || fail "Result=$(prop okd.service Result)"
	systemctl reset-failed okd.service
}

check=${1:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
case $check in
units|socket|status|reload|journal|sandbox|violation|watchdog|accept|stop|standalone|config)
	"check_$check" ;;
*)	fail "unknown check" ;;
esac
echo "ok [$check]"
