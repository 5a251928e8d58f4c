#!/bin/sh
# SPDX-License-Identifier: ISC
# Boots a throwaway Debian bookworm container under systemd-nspawn with the built
# okd, its units and a config bound in, runs in-container checks, and tears it down.
# Usage: nspawn.sh up STATE OKD UNITDIR CONFFILE | nspawn.sh run STATE CHECK
#        nspawn.sh down STATE | nspawn.sh up-package STATE DEB
# up-package boots the same tree with nothing of okd in it but the package
# DEB (at /usr/local/share/okd-test/okd.deb) and package.sh as the checks.
# With OKD_TEST_OWNER=PID, `up` leaves a watcher that runs `down` once PID ends.
# Exit: 0 done, 77 this machine cannot run it (reason on stdout), other: failure.
set -u

here=$(cd "$(dirname "$0")" && pwd)
cache=${OKD_TEST_CACHE:-/var/cache/okd-test}

skip() {
	echo "skip: $*"
	exit 77
}

die() {
	echo "nspawn: $*" >&2
	exit 1
}

# The cgroup2 mount: all of /sys/fs/cgroup, or its unified part on a hybrid host.
cg2root() {
	if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
		echo /sys/fs/cgroup
	elif [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
		echo /sys/fs/cgroup/unified
	fi
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

# A process identity that survives pid reuse: pid and start time.
ident() {
	st=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	set -- "$1" ${st##*) }
	echo "$1 ${21}"
}

# Prints the pid recorded in file $1 if that very process still runs.
ours() {
	[ -f "$1" ] || return 1
	read -r pid start <"$1" || return 1
	[ "$(ident "$pid")" = "$pid $start" ] && echo "$pid"
}

# Extracts the cached tarball once; --volatile=overlay keeps the tree pristine.
prepare_root() {
	mkdir -p "$cache" || skip "cannot create $cache"
	exec 9>"$cache/lock"
	flock -w 600 9 || die "cannot lock $cache/lock"
	tarball=$(sh "$here/mkroot.sh" "$cache/bookworm.tar") ||
	    skip "cannot build the bookworm tree (debootstrap failed, no mirror?)"
	if [ ! -e "$cache/root.stamp" ] || [ "$tarball" -nt "$cache/root.stamp" ]; then
		rm -rf --one-file-system "$cache/root"
		mkdir "$cache/root" && tar -C "$cache/root" -xf "$tarball" ||
		    die "cannot extract $tarball"
		touch "$cache/root.stamp"
	fi
	exec 9>&-
}

# The checks every boot needs; a container left by a killed run goes first.
preflight() {
	[ "$(id -u)" -eq 0 ] || skip "not root: systemd-nspawn needs root"
	for c in systemd-nspawn nsenter unshare flock debootstrap; do
		command -v "$c" >/dev/null || skip "no $c (install systemd-container debootstrap)"
	done
	[ -d "$1" ] && down "$1"
	return 0
}

up() {
	state=$1 okd=$2 units=$3 conf=$4
	preflight "$state"
	[ -x "$okd" ] || die "no okd binary at $okd"
	[ -f "$conf" ] || die "no config file $conf"
	# nspawn binds need absolute paths.
	okd=$(cd "$(dirname "$okd")" && pwd)/$(basename "$okd")
	units=$(cd "$units" && pwd)
	rm -rf "$state"
	mkdir -p "$state/etc-okd" || die "cannot create $state"
	install -m 644 "$conf" "$state/etc-okd/okd.conf"
	echo "$okd" >"$state/okd"

	binds="--bind-ro=$okd:/usr/local/sbin/okd --bind=$state/etc-okd:/etc/okd"
	binds="$binds --bind-ro=$here/incontainer.sh:/usr/local/libexec/okd-test"
	for u in okd.service okd.socket okd-accept.socket okd-accept@.service; do
		binds="$binds --bind-ro=$units/$u:/etc/systemd/system/$u"
	done
	boot "$state" "$binds"
}

up_package() {
	state=$1 deb=$2
	preflight "$state"
	[ -f "$deb" ] || die "no package at $deb"
	deb=$(cd "$(dirname "$deb")" && pwd)/$(basename "$deb")
	rm -rf "$state"
	mkdir -p "$state" || die "cannot create $state"
	boot "$state" "--bind-ro=$deb:/usr/local/share/okd-test/okd.deb
	    --bind-ro=$here/package.sh:/usr/local/libexec/okd-test"
}

# Boots the tree with the nspawn options $2 and waits for it to be up.
boot() {
	state=$1 binds=$2
	cg2=$(cg2root)
	[ -n "$cg2" ] || skip "no cgroup2 hierarchy mounted"
	prepare_root

	# A cgroup of our own (and in the v1 name=systemd tree on a hybrid host), so
	# that everything the container leaves is found and removed by `down`.
	cg="okd-test.$$"
	cgs="$cg2/$cg"
	v1=/sys/fs/cgroup/systemd
	[ "$cg2" != /sys/fs/cgroup ] && [ -d "$v1" ] && cgs="$cgs $v1/$cg"
	echo "$cgs" >"$state/cgroups"
	for d in $cgs; do
		mkdir "$d" || die "cannot create cgroup $d"
	done

	# The private mount namespace and a tmpfs on /run/systemd keep nspawn's
	# runtime files off the host; --system-call-filter=bpf lets the container's
	# systemd attach the BPF programs that enforce IPAddressDeny=.
	(
		for d in $cgs; do
			echo 0 >"$d/cgroup.procs"
		done
		exec unshare -m --propagation private sh -c '
		    mkdir -p /run/systemd && mount -t tmpfs okd-test /run/systemd &&
		    exec systemd-nspawn -q -b -D "$0" --register=no --keep-unit \
			--volatile=overlay --private-network --system-call-filter=bpf \
			--console=read-only "$@"' "$cache/root" $binds
	) </dev/null >"$state/boot.log" 2>&1 &
	nspawn=$!
	ident "$nspawn" >"$state/nspawn.id"
	# Should the test itself be killed, a watcher still tears down.
	if [ -n "${OKD_TEST_OWNER:-}" ]; then
		setsid sh "$here/nspawn.sh" reap "$state" "$OKD_TEST_OWNER" </dev/null >/dev/null 2>&1 &
		ident $! >"$state/reaper.id"
	fi

	# The container's init is nspawn's child; it is pid 1 in its namespace.
	poll 10 leader_found "$nspawn" "$state" ||
	    { tail -n 20 "$state/boot.log" >&2; down "$state"; die "container did not start"; }
	leader=$(ours "$state/leader.id") || die "container init gone"
	# Readiness: the container's own manager says boot has finished.
	poll 60 booted "$leader" ||
	    { tail -n 20 "$state/boot.log" >&2; down "$state"; die "boot did not finish"; }
	echo "nspawn: container up, leader pid $leader" >&2
}

leader_found() {
	for p in $(cat "/proc/$1/task/$1/children" 2>/dev/null); do
		if grep -q '^NSpid:.*[[:space:]]1$' "/proc/$p/status"; then
			ident "$p" >"$2/leader.id"
			return 0
		fi
	done
	return 1
}

# is-system-running --wait returns once the boot job queue is empty.
booted() {
	s=$(timeout 10 nsenter -t "$1" -a systemctl is-system-running --wait 2>/dev/null)
	case $s in
	running|degraded) return 0 ;;
	esac
	return 1
}

run() {
	state=$1 check=$2
	leader=$(ours "$state/leader.id") || die "no container running in $state"
	timeout -k 5 60 nsenter -t "$leader" -a /bin/sh /usr/local/libexec/okd-test "$check"
}

down() {
	state=$1
	if [ "${2:-}" != reaper ] && r=$(ours "$state/reaper.id"); then
		kill -TERM "$r"
	fi
	nspawn=$(ours "$state/nspawn.id")
	leader=$(ours "$state/leader.id")
	if [ -n "$nspawn" ]; then
		# SIGTERM asks the container to power off; SIGKILL on its init ends
		# the whole pid namespace if that takes too long.
		kill -TERM "$nspawn"
		if ! poll 10 notalive "$nspawn"; then
			[ -n "$leader" ] && kill -KILL "$leader" 2>/dev/null
			kill -KILL "$nspawn" 2>/dev/null
			poll 5 notalive "$nspawn"
		fi
	fi
	# Our cgroups hold only what the container left: end it, remove them.
	for d in $(cat "$state/cgroups" 2>/dev/null); do
		[ -d "$d" ] || continue
		for p in $(cat $(find "$d" -name cgroup.procs) 2>/dev/null); do
			kill -KILL "$p" 2>/dev/null
		done
		poll 5 rmcg "$d" || echo "nspawn: cannot remove cgroup $d" >&2
	done
	rm -f "$state/nspawn.id" "$state/leader.id" "$state/reaper.id" "$state/cgroups"
	return 0
}

# Waits (bounded) for the test process to end, then tears its container down.
reap() {
	timeout 1800 tail --pid="$2" -f /dev/null
	down "$1" reaper
}

notalive() {
	! kill -0 "$1" 2>/dev/null
}

rmcg() {
	find "$1" -depth -type d -exec rmdir {} \; 2>/dev/null
	[ ! -d "$1" ]
}

cmd=${1:-}
[ $# -ge 1 ] && shift
case $cmd in
up)	[ $# -eq 4 ] || die "usage: nspawn.sh up STATE OKD UNITDIR CONFFILE"; up "$@" ;;
up-package) [ $# -eq 2 ] || die "usage: nspawn.sh up-package STATE DEB"; up_package "$@" ;;
reap)	[ $# -eq 2 ] || die "usage: nspawn.sh reap STATE PID"; reap "$@" ;;
run)	[ $# -eq 2 ] || die "usage: nspawn.sh run STATE CHECK"; run "$@" ;;
down)	[ $# -eq 1 ] || die "usage: nspawn.sh down STATE"; down "$@" ;;
*)	die "usage: nspawn.sh up|run|down ..." ;;
esac
