#!/bin/sh
# SPDX-License-Identifier: ISC
# bench.sh: issue 6's benchmark: every server under every workload, in
# interleaved rounds; medians and ratios to forkmin go to build/bench.md.
# Knobs: BENCH_TIME (seconds per run, default 2), BENCH_ROUNDS (default 7),
# BENCH_MEM_ROUNDS (rounds with the 1,000-connection hold, default 1),
# BENCH_HOLD_BIG (default 10000, 0 skips), BENCH_SERVERS (names to run,
# default all but forkmin-static), BENCH_COUNT_CONNS (short connections
# of the counted run, default 2000, 0 skips the counts), BENCH_COUNT_SESSIONS
# (1000-round-trip sessions of the counted run, default 100).

set -u
B=build/bench
ABS=$(pwd)
W=$B/run
OUT=build/bench.md
RES=$W/results
T=${BENCH_TIME:-2}
R=${BENCH_ROUNDS:-7}
MR=${BENCH_MEM_ROUNDS:-1}
HOLD_SMALL=1000
HOLD_BIG=${BENCH_HOLD_BIG:-10000}
HOLD_IDLE=120		# idle timeout while holding: survives the opening
NC=${BENCH_COUNT_CONNS:-2000}
NS=${BENCH_COUNT_SESSIONS:-100}
PORT0=19100
ALL="forkmin forkmin-static epollmin tcpserver xinetd ssa socat okd okd-warn okd-filter okd-nosb okd-bl5"
SERVERS=${BENCH_SERVERS:-$(echo "$ALL" | sed 's/ forkmin-static//')}
MEMSERVERS="forkmin epollmin tcpserver xinetd ssa socat okd okd-nosb"
COUNTSERVERS="forkmin forkmin-static epollmin tcpserver xinetd ssa socat okd okd-warn okd-filter okd-nosb okd-bl5"
BIGSERVERS="forkmin epollmin okd"

. tests/bench/xinetd-conf.sh

die() {
	echo "bench: $*" >&2
	exit 1
}

case $T in ''|*[!0-9]*) die "BENCH_TIME must be 1..60" ;; esac
case $R in ''|*[!0-9]*) die "BENCH_ROUNDS must be a number" ;; esac
case $MR in ''|*[!0-9]*) die "BENCH_MEM_ROUNDS must be a number" ;; esac
[ "$T" -ge 1 ] && [ "$T" -le 60 ] || die "BENCH_TIME must be 1..60"
[ "$R" -ge 1 ] && [ "$R" -le 20 ] || die "BENCH_ROUNDS must be 1..20"
[ "$R" -ge 3 ] || echo "bench: fewer than 3 rounds; medians are weak" >&2
case $NC$NS in *[!0-9]*) die "BENCH_COUNT_CONNS and BENCH_COUNT_SESSIONS must be numbers" ;; esac

mkdir -p "$W" || die "cannot create $W"
rm -f "$W"/*.log "$W/hold.in" "$W/hold.out" "$W/xinetd.conf"
: > "$RES"
: > "$W/commands"

# 10,000 held connections need that many descriptors in the load generator
# (and in epollmin), and one pid per connection (two under socat).
ulimit -n 30000 2>/dev/null || ulimit -n "$(ulimit -Hn)"
NOFILE=$(ulimit -n)
PIDMAX=$(cat /proc/sys/kernel/pid_max)
SOMAXCONN=$(sysctl -n net.core.somaxconn 2>/dev/null || echo "?")
SYNBACKLOG=$(sysctl -n net.ipv4.tcp_max_syn_backlog 2>/dev/null || echo "?")
MEMAVAIL=$(awk '/^MemAvailable:/ { print $2 }' /proc/meminfo)
if [ "$HOLD_BIG" -gt 0 ]; then
	need=$((HOLD_BIG + 200))
	if [ "$NOFILE" -lt "$need" ] || [ "$PIDMAX" -lt $((need * 2)) ] ||
	    [ "$MEMAVAIL" -lt $((HOLD_BIG * 1024)) ]; then
		echo "bench: skipping $HOLD_BIG held connections" \
		    "(nofile $NOFILE, pid_max $PIDMAX, MemAvailable ${MEMAVAIL} kB)" >&2
		HOLD_BIG=0
	fi
fi

HAVE_OKD=0
if [ -x build/okd ] && [ -f conf/okd.conf ]; then
	HAVE_OKD=1
	OKDKEYS=$(build/okd -T -f conf/okd.conf 2>/dev/null)
else
	echo "bench: build/okd or conf/okd.conf missing; okd rows skipped" >&2
fi

portof() {
	i=0
	for s in $ALL; do
		[ "$s" = "$1" ] && { echo $((PORT0 + i)); return; }
		i=$((i + 1))
	done
}

# The okd command line: shipped defaults except what the bench must change.
okdcmd() {
	c="build/okd -D -f conf/okd.conf -o 'listen 127.0.0.1:$2'"
	c="$c -o 'max-children 30000'"
	if printf '%s\n' "$OKDKEYS" | grep -q 'max-per-source'; then
		c="$c -o 'max-per-source 30000'"
	fi
	[ "$1" = okd-bl5 ] || c="$c -o 'backlog 128'"
	# okd-filter: the seccomp filter named explicitly; okd-nosb: the
	# sandbox off, to show what entering the box costs.
	[ "$1" = okd-filter ] && c="$c -o 'sandbox filter'"
	[ "$1" = okd-nosb ] && c="$c -o 'sandbox off'"
	if [ "$1" = okd-warn ]; then
		c="$c -o 'log-level warning'"
	else
		c="$c -o 'log-level info'"
	fi
	c="$c -o 'log-target stderr'"
	[ -n "$3" ] && c="$c -o 'idle-timeout ${3}s'"
	echo "$c"
}

xinetdconf() {
	xinetd_conf "$W/xinetd.conf" "$1" "$ABS/$B/handler" "$2"
}

# Prints the command that runs server $1 on port $2 with idle timeout $3
# (empty: the server's default, 10 s).
servercmd() {
	sidle=${3:-10}
	h="$ABS/$B/handler $sidle"
	case $1 in
	forkmin|forkmin-static|epollmin)
		echo "$B/$1 -b 128 -i $sidle $2" ;;
	tcpserver)
		echo "tcpserver -R -H -l0 -c 30000 -b 128 127.0.0.1 $2 $h" ;;
	xinetd)
		xinetdconf "$2" "$sidle"
		echo "xinetd -dontfork -f $W/xinetd.conf -pidfile $W/xinetd.pid" ;;
	ssa)
		echo "systemd-socket-activate --inetd -a -l 127.0.0.1:$2 $h" ;;
	socat)
		echo "socat TCP-LISTEN:$2,bind=127.0.0.1,reuseaddr,fork,backlog=128 EXEC:'$h'" ;;
	okd|okd-warn|okd-filter|okd-nosb|okd-bl5)
		okdcmd "$1" "$2" "${3:-}" ;;
	esac
}

# Counts the processes of the tree under $1.
treeprocs() {
	$B/memtree -n "$1" 2>/dev/null | sed -n 's/^procs=\([0-9]*\).*/\1/p'
}

# Waits (bounded, 5 s) until the tree under $1 stops shrinking: children of
# the previous connections still exiting would skew the next figure.
settle() {
	prev=-1 same=0 i=0
	while [ $i -lt 100 ]; do
		n=$(treeprocs "$1")
		[ -z "$n" ] && return
		if [ "$n" = "$prev" ]; then
			same=$((same + 1))
			[ $same -ge 2 ] && return
		else
			same=0
		fi
		prev=$n
		i=$((i + 1))
		sleep 0.05
	done
}

# The shell variable that holds the pid of server $1.
pidvar() {
	echo "PID_$(echo "$1" | tr -c 'a-z0-9\n' '_')"
}

pidof_server() {
	eval "echo \${$(pidvar "$1"):-}"
}

# start_server name [idle]: starts it and waits until it answers.
start_server() {
	name=$1 idle=${2:-}
	port=$(portof "$name")
	cmd=$(servercmd "$name" "$port" "$idle")
	grep -qxF "$name: $cmd" "$W/commands" || echo "$name: $cmd" >> "$W/commands"
	sh -c "exec $cmd" >> "$W/$name.log" 2>&1 &
	eval "$(pidvar "$name")=$!"
	if ! $B/loadgen -w -t 10 127.0.0.1 "$port"; then
		echo "bench: $name did not answer on port $port" >&2
		stop_server "$name"
		return 1
	fi
	return 0
}

stop_server() {
	pid=$(pidof_server "$1")
	[ -n "$pid" ] || return
	settle "$pid"
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	eval "$(pidvar "$1")="
}

# run_load round server workload: one timed run against the running
# server, its figures to $RES.
run_load() {
	case $3 in
	s8)	c=8 m=1 ;;
	s64)	c=64 m=1 ;;
	l8)	c=8 m=1000 ;;
	esac
	pid=$(pidof_server "$2")
	if [ -z "$pid" ]; then
		echo "$1 $2 $3 failed=1" >> "$RES"
		return
	fi
	port=$(portof "$2")
	line=$($B/loadgen -c $c -m $m -t "$T" 127.0.0.1 "$port")
	echo "$1 $2 $3 $line" >> "$RES"
	echo "bench: round $1 $2 $3: $line" >&2
	# The next run must not meet this one's children still exiting.
	settle "$pid"
}

# run_hold round server K: memory of the tree per held idle connection.
run_hold() {
	k=$3
	start_server "$2" "$HOLD_IDLE" || { echo "$1 $2 h$k failed=1" >> "$RES"; return; }
	pid=$(pidof_server "$2")
	port=$(portof "$2")
	settle "$pid"
	base=$($B/memtree "$pid" | sed 's/\([a-z_]*\)=/base_\1=/g')
	rm -f "$W/hold.in" "$W/hold.out"
	mkfifo "$W/hold.in" "$W/hold.out" || die "mkfifo failed"
	$B/loadgen -H "$k" -c 64 -t 60 -T 10000 127.0.0.1 "$port" \
	    < "$W/hold.in" > "$W/hold.out" &
	lg=$!
	exec 3> "$W/hold.in"
	read -r line < "$W/hold.out"
	held=$($B/memtree "$pid" | sed 's/\([a-z_]*\)=/tree_\1=/g')
	exec 3>&-
	wait $lg
	rm -f "$W/hold.in" "$W/hold.out"
	echo "$1 $2 h$k $line $base $held" >> "$RES"
	echo "bench: round $1 $2 h$k: $line; $base -> $held" >&2
	stop_server "$2"
}

# Page faults and system calls are counted over the server's whole process
# tree in a run of a fixed number of connections, outside the timed rounds.
# Page faults: minflt+majflt+cminflt+cmajflt of the server's main process
# (/proc/PID/stat fields 10-13) before and after; the c fields hold what
# the children it reaped spent, so they hold no figure for a server that
# lets the kernel reap (SIGCHLD ignored, as forkmin does): there perf's
# page-faults counter, inherited by every child, is taken, or "n/a".
# System calls: perf's raw_syscalls:sys_enter tracepoint, inherited by the
# children (perf stat -p PID), or strace -c -f in the same run when perf
# cannot, or "n/a".  Both need root or a low perf_event_paranoid.
PERF=0
if command -v perf > /dev/null 2>&1 &&
    perf stat -x, -e page-faults,raw_syscalls:sys_enter true > /dev/null 2>&1 &&
    ! perf stat -x, -e page-faults,raw_syscalls:sys_enter true 2>&1 |
    grep -q 'not supported'; then
	PERF=1
fi
STRACE=0
command -v strace > /dev/null 2>&1 && strace -c -o /dev/null true 2>/dev/null &&
    STRACE=1

# The four fault fields of /proc/PID/stat, summed ("" when unreadable);
# the command name may hold spaces: fields are counted after its ')'.
faults_of() {
	sed 's/.*) //' "/proc/$1/stat" 2>/dev/null |
	    awk '{ print $8 + $9 + $10 + $11 }'
}

# 1 when process $1 ignores SIGCHLD (its children are reaped unseen).
ignores_chld() {
	h=$(sed -n 's/^SigIgn:[[:space:]]*//p' "/proc/$1/status" 2>/dev/null)
	[ ${#h} -ge 5 ] || return 1
	# SIGCHLD is signal 17: bit 16, the low bit of the fifth hex digit
	# from the right.
	d=$(printf '%s' "$h" | sed 's/.*\(.\)....$/\1/')
	[ $(($(printf '%d' "0x$d") % 2)) = 1 ]
}

# The system calls of the tree under $1 in one more run of $wl, by
# strace -c -f, scaled to that run's connections ("" if none ended);
# strace does not count exit_group, which never returns.
strace_count() {
	strace -c -f -q -p "$1" -o "$W/count.strace" 2>/dev/null &
	st=$!
	# strace -c -f writes its summary when interrupted; it has attached
	# once the server's status shows a tracer.
	i=0
	while [ $i -lt 100 ] && grep -q '^TracerPid:[[:space:]]*0$' \
	    "/proc/$1/status"; do
		sleep 0.05
		i=$((i + 1))
	done
	sh -c "$wl"
	kill -INT $st 2>/dev/null
	wait $st
	sn=$(sed -n 's/.* conns=\([0-9]*\).*/\1/p' "$W/count.out")
	awk -v n="${sn:-0}" -v c="${conns:-0}" '$NF == "total" && n > 0 {
	    printf "%d\n", $4 * c / n }' "$W/count.strace"
}

# run_count server workload: one run of a fixed number of connections
# (cs8: NC short ones, cl8: NS sessions of 1000 round trips, 8 at a time)
# against a freshly started server; its counts per connection to $RES.
run_count() {
	case $2 in
	cs8)	cn=$NC cm=1 ;;
	cl8)	cn=$NS cm=1000 ;;
	esac
	start_server "$1" || { echo "0 $1 $2 failed=1" >> "$RES"; return; }
	pid=$(pidof_server "$1")
	port=$(portof "$1")
	settle "$pid"
	base=$(treeprocs "$pid")
	# The run ends when the load does and the tree is back to its size
	# before it (bounded, 5 s): a child still exiting has not been counted.
	wl="$B/loadgen -c 8 -m $cm -n $cn -t 60 127.0.0.1 $port > $W/count.out;
	    i=0; while [ \$i -lt 100 ] &&
	    [ \"\$($B/memtree -n $pid | sed -n 's/^procs=\([0-9]*\).*/\\1/p')\" \
	    != $base ]; do sleep 0.05; i=\$((i + 1)); done"
	f0=$(faults_of "$pid")
	pf=n/a sc=n/a
	rm -f "$W/count.perf" "$W/count.strace"
	if [ $PERF = 1 ]; then
		perf stat -x, -e page-faults,raw_syscalls:sys_enter -p "$pid" \
		    -o "$W/count.perf" -- sh -c "$wl" 2>/dev/null
		pf=$(awk -F, '$3 == "page-faults" { print $1 }' "$W/count.perf")
		sc=$(awk -F, '$3 == "raw_syscalls:sys_enter" { print $1 }' \
		    "$W/count.perf")
	else
		sh -c "$wl"
	fi
	f1=$(faults_of "$pid")
	line=$(cat "$W/count.out")
	conns=$(echo "$line" | sed -n 's/.* conns=\([0-9]*\).*/\1/p')
	# strace makes faults of its own: its run is a second one, counted
	# for the system calls only.
	if [ $PERF = 0 ] && [ $STRACE = 1 ]; then
		sc=$(strace_count "$pid")
	fi
	pfsrc=proc
	if ignores_chld "$pid" || [ -z "$f0" ] || [ -z "$f1" ]; then
		pfsrc=perf
		[ $PERF = 1 ] || pfsrc=none
	else
		pf=$((f1 - f0))
	fi
	[ -n "$pf" ] || pf=n/a
	[ -n "$sc" ] || sc=n/a
	echo "0 $1 $2 count_conns=${conns:-0} count_faults=$pf" \
	    "count_syscalls=$sc faults_from=$pfsrc" >> "$RES"
	echo "bench: counted $1 $2: ${conns:-0} connections, $pf page faults" \
	    "($pfsrc), $sc system calls" >&2
	stop_server "$1"
}

enabled() {
	for s in $SERVERS; do
		[ "$s" = "$1" ] || continue
		case $1 in
		okd*) [ $HAVE_OKD = 1 ] || return 1 ;;
		esac
		return 0
	done
	return 1
}

# The servers to run in round $1, workload $2 (1-3): the first round in
# table order, later ones shuffled (seeded by both, so a run can be
# repeated).
# Each server then runs at a different distance from the others in each
# round: epollmin's 40,000-connection short runs leave the machine slower
# for some 20 s, and a fixed order, even rotated, always put the same
# servers in that shadow.
shuffled() {
	if [ "$1" -le 1 ]; then
		echo $RUNNING
		return
	fi
	printf '%s\n' $RUNNING | awk -v seed="$(($1 * 10 + $2))" '
	    BEGIN { srand(seed) } { print rand(), $0 }' |
	    sort -n | awk '{ printf "%s ", $2 }'
}

RUNNING=
for s in $ALL; do
	enabled "$s" && RUNNING="$RUNNING $s"
done
[ -n "$RUNNING" ] || die "no server to run (BENCH_SERVERS: $SERVERS)"

START=$(date -u '+%Y-%m-%d %H:%M:%S UTC')
t0=$(date +%s)
# Each round of a workload starts every server, on a port of its own, runs
# each once and stops them all: a round's ratios to forkmin compare runs
# a minute apart at most, and the report takes the median of those paired
# ratios.  A fresh start each round draws each server's memory layout
# anew: ASLR places libc differently in each process, which kept two
# identical okd instances 3% apart in long sessions for as long as they
# ran, so one instance per workload put that luck into every round alike.
# Servers start and stop between runs, never during one.
k=0
for w in s8 s64 l8; do
	k=$((k + 1))
	r=1
	while [ $r -le "$R" ]; do
		for s in $RUNNING; do
			start_server "$s"
		done
		for s in $(shuffled $r $k); do
			run_load $r "$s" $w
		done
		for s in $RUNNING; do
			stop_server "$s"
		done
		r=$((r + 1))
	done
done
# The counts are the same in every run (to within a fault or two per
# hundred connections): one counted run each, after the timed rounds.
if [ "$NC" -gt 0 ]; then
	for s in $COUNTSERVERS; do
		enabled "$s" || continue
		run_count "$s" cs8
		[ "$NS" -gt 0 ] && run_count "$s" cl8
	done
fi
# Memory barely moves between rounds (0.1 KB/conn): one round by default.
r=1
while [ $r -le "$MR" ]; do
	for s in $MEMSERVERS; do
		enabled "$s" && run_hold $r "$s" $HOLD_SMALL
	done
	r=$((r + 1))
done
# Memory does not drift like throughput: the big hold runs once.
if [ "$HOLD_BIG" -gt 0 ]; then
	for s in $BIGSERVERS; do
		enabled "$s" && run_hold 1 "$s" "$HOLD_BIG"
	done
fi
ELAPSED=$(($(date +%s) - t0))

{
	echo "# okd benchmark"
	echo
	echo "- date: $START; total run time ${ELAPSED} s"
	echo "- machine: nproc $(nproc), uname -r $(uname -r)," \
	    "$(awk '/^MemTotal:/ { printf "%d MB RAM", $2 / 1024 }' /proc/meminfo)"
	echo "- limits: ulimit -n $NOFILE, pid_max $PIDMAX," \
	    "net.core.somaxconn $SOMAXCONN, tcp_max_syn_backlog $SYNBACKLOG"
	echo "- runs: $T s each, $R rounds interleaved (every server, then" \
	    "all again; round 1 in table order, later rounds shuffled," \
	    "order in $W/results); each round starts every server afresh" \
	    "and stops it after the round, so that each draws a new" \
	    "memory layout;" \
	    "figures are medians over the rounds, ratios the median of each" \
	    "round's ratio (with their range where a target uses them); memory:" \
	    "$MR round(s) of $HOLD_SMALL held connections, then" \
	    "$HOLD_BIG once (0: skipped; fewer when 60 s do not suffice)"
	echo "- the load generator shares the $(nproc) CPUs with the server:" \
	    "ratios matter, absolute numbers drift"
	echo "- okd logs at info (okd-warn: warning) to stderr, redirected to" \
	    "$W/okd*.log; children enter the seccomp filter with the default" \
	    "sandbox on (okd-filter: sandbox filter, the same box today;" \
	    "okd-nosb: sandbox off); okd-bl5" \
	    "keeps the shipped backlog (5);" \
	    "every other server listens with backlog 128, except xinetd" \
	    "(fixed 64) and systemd-socket-activate (fixed SOMAXCONN)"
	echo "- memory runs raise every server's idle timeout to ${HOLD_IDLE} s" \
	    "so the held connections outlive the opening; USS" \
	    "(Private_Clean+Private_Dirty) and PSS come from smaps_rollup" \
	    "summed over the server's whole process tree, minus the tree" \
	    "before the connections, per held connection"
	echo
	awk -v servers="$ALL" -f tests/bench/report.awk "$RES"
	echo
	echo "## Commands"
	echo
	echo "Load generator (from the top directory):"
	echo
	echo "    $B/loadgen -c 8 -m 1 -t $T 127.0.0.1 PORT      # short, C=8"
	echo "    $B/loadgen -c 64 -m 1 -t $T 127.0.0.1 PORT     # short, C=64"
	echo "    $B/loadgen -c 8 -m 1000 -t $T 127.0.0.1 PORT   # long sessions"
	echo "    $B/loadgen -H K -c 64 -t 60 -T 10000 127.0.0.1 PORT  # hold K idle"
	echo "    $B/memtree SERVER_PID                          # USS/PSS of the tree"
	echo
	echo "Servers (throughput runs; memory runs with idle ${HOLD_IDLE} s):"
	echo
	sed 's/^/    /' "$W/commands"
	[ -f "$W/xinetd.conf" ] && { echo; echo "xinetd.conf:"; echo;
	    sed 's/^/    /' "$W/xinetd.conf"; }
	echo
	awk -v servers="$ALL" -v summary=1 -f tests/bench/report.awk "$RES"
} > "$OUT"
cat "$OUT"
