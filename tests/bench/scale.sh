#!/bin/sh
# SPDX-License-Identifier: ISC
# scale.sh: make bench-scale (issue 22).  Holds 1,000 to 100,000 idle
# connections, one child each, each from its own loopback source, answered
# OK and then left open; per server and step it reports the ramp (rate per
# tenth of the connections), memory per held connection from a memory
# cgroup of the bench's own, a new client's latency with all held, okd's
# SIGUSR1 and SIGHUP times and its SIGTERM drain, errors and zombies, and
# the counts that explain the ramp: the supervisor's system time and page
# faults per fork, where it blocked (wchan samples) and what kernel threads
# did meanwhile.  Results go to build/bench/scale.md, plots to
# build/bench/scale-*.png.
# Needs root (kernel.pid_max, the cgroup); restores what it changed.
# Knobs: BENCH_SCALE_STEPS (default "1000 10000 30000 100000"),
# BENCH_SCALE_SERVERS (default "okd forkmin"), BENCH_SCALE_PEERS (run at
# the 10,000 step only, default "okd-nosb tcpserver xinetd"; a name with
# -nodamon, e.g. okd-nodamon, runs with the kernel's DAMON monitor paused),
# BENCH_SCALE_RAMP (seconds a ramp may take, default 600).

set -u
B=build/bench
W=$B/scale
OUT=$B/scale.md
RES=$W/results
STEPS=${BENCH_SCALE_STEPS:-1000 10000 30000 100000}
SERVERS=${BENCH_SCALE_SERVERS:-okd forkmin}
PEERS=${BENCH_SCALE_PEERS:-okd-nosb tcpserver xinetd}
NODAMON=${BENCH_SCALE_NODAMON:-okd}	# at the biggest step, monitor paused
PEER_STEP=${BENCH_SCALE_PEER_STEP:-10000}
RAMP=${BENCH_SCALE_RAMP:-600}
PER_HOLDER=18000	# descriptors: the hard limit may be 20,000 a process
INFLIGHT=24		# connects in flight per holder, under the backlog
BACKLOG=1024
IDLE=3600
PORT0=19500
CGROOT=/sys/fs/cgroup/memory
CG=$CGROOT/okd-scale-$$
ABS=$(pwd)
OKD=${BENCH_SCALE_OKD:-build/okd}

die() {
	echo "scale: $*" >&2
	exit 1
}

. tests/bench/xinetd-conf.sh

[ "$(id -u)" = 0 ] || die "needs root: kernel.pid_max and a memory cgroup"
[ -d "$CGROOT" ] && [ -w "$CGROOT" ] ||
    die "no writable cgroup v1 memory hierarchy at $CGROOT"
case $RAMP in ''|*[!0-9]*) die "BENCH_SCALE_RAMP must be 10..3000" ;; esac
[ "$RAMP" -ge 10 ] && [ "$RAMP" -le 3000 ] ||
    die "BENCH_SCALE_RAMP must be 10..3000"
for n in $STEPS; do
	case $n in ''|*[!0-9]*) die "step $n is not a number" ;; esac
	[ "$n" -ge 1 ] && [ "$n" -le 200000 ] || die "steps must be 1..200000"
done
for t in okd hold loadgen forkmin handler; do
	[ -x "$B/$t" ] || [ -x "build/$t" ] || die "$t is not built"
done

mkdir -p "$W" || die "cannot create $W"
rm -f "$W"/*.log "$W"/held.* "$W"/out.* "$W"/*.fifo "$W"/*.dat
: > "$RES"
START=$(date -u +%Y-%m-%dT%H:%M:%SZ)
T_START=$(date +%s)

# What this run changes, put back on every exit.
PID_MAX_WAS=$(sysctl -n kernel.pid_max)
SERVER_PID=
LOGGER_PID=
HOLDERS=
restore() {
	exec 4>&- 2>/dev/null
	for p in $HOLDERS $SERVER_PID $LOGGER_PID; do
		kill -TERM "$p" 2>/dev/null
	done
	wait 2>/dev/null
	cg_remove
	damon_resume
	sysctl -qw kernel.pid_max="$PID_MAX_WAS"
}
trap restore EXIT
trap 'exit 1' INT TERM HUP

max=0
for n in $STEPS; do [ "$n" -gt $max ] && max=$n; done
want=$((max * 2 + 65536))
[ "$PID_MAX_WAS" -lt $want ] && sysctl -qw kernel.pid_max=$want
# okd's children count against its user's process limit (root is exempt):
# the soft limit goes up to the hard one, which needs no privilege.
NPROC=$(prlimit --pid $$ --nproc --noheadings --output HARD)
prlimit --pid $$ --nproc="$NPROC:$NPROC"
ulimit -n "$(ulimit -Hn)" 2>/dev/null
KDAMOND=$(cat /sys/kernel/mm/damon/admin/kdamonds/*/pid 2>/dev/null | head -1)

cg_create() {
	mkdir "$CG" || die "cannot create $CG"
	# Version 1 charges socket buffers only to a group with a TCP limit.
	echo $((1 << 40)) > "$CG/memory.kmem.tcp.limit_in_bytes" 2>/dev/null
}

# Waits (bounded, 60 s) for the group to empty, then removes it.
cg_remove() {
	[ -d "$CG" ] || return 0
	i=0
	while [ -s "$CG/cgroup.procs" ] && [ $i -lt 600 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	rmdir "$CG" 2>/dev/null || echo "scale: $CG left behind" >&2
}

# The group's memory, in bytes: total, rss, cache, kernel, tcp.
cg_memory() {
	total=$(cat "$CG/memory.usage_in_bytes")
	kmem=$(cat "$CG/memory.kmem.usage_in_bytes" 2>/dev/null || echo 0)
	tcp=$(cat "$CG/memory.kmem.tcp.usage_in_bytes" 2>/dev/null || echo 0)
	awk -v t="$total" -v k="$kmem" -v tcp="$tcp" '
	$1 == "rss" { rss = $2 } $1 == "cache" { cache = $2 }
	END { print t, rss, cache, k, tcp }' "$CG/memory.stat"
}

# Machine-wide kB: MemAvailable, KernelStack, PageTables.
machine_memory() {
	awk '$1 == "MemAvailable:" { a = $2 } $1 == "KernelStack:" { s = $2 }
	    $1 == "PageTables:" { p = $2 } END { print a, s, p }' /proc/meminfo
}

# CPU ticks of every kernel thread, "pid name ticks": kthreadd's children.
kthread_ticks() {
	for k in $(cat /proc/2/task/2/children); do
		cat "/proc/$k/stat" 2>/dev/null
	done | awk '{ c = $0; sub(/^[0-9]+ \(/, "", c); name = c
	    sub(/\).*/, "", name); sub(/.*\) /, "", c); split(c, f, " ")
	    print $1, name, f[12] + f[13] }'
}

okdcmd() {
	sb=on
	[ "$1" = okd-nosb ] && sb=off
	echo "$OKD -D -f conf/okd.conf -o 'listen 127.0.0.1:$2'" \
	    "-o 'max-children 200000' -o 'max-sources 262144'" \
	    "-o 'backlog $BACKLOG' -o 'idle-timeout ${IDLE}s'" \
	    "-o 'shutdown-grace 1s' -o 'sandbox $sb'" \
	    "-o 'log-level warning' -o 'log-target stderr'"
}

servercmd() {
	case $1 in
	okd|okd-nosb)
		okdcmd "$1" "$2" ;;
	forkmin)
		echo "$B/forkmin -b $BACKLOG -i $IDLE $2" ;;
	tcpserver)
		echo "tcpserver -R -H -l0 -c 200000 -b $BACKLOG 127.0.0.1 $2" \
		    "$ABS/$B/handler $IDLE" ;;
	xinetd)
		xinetd_conf "$W/xinetd.conf" "$2" "$ABS/$B/handler" "$IDLE"
		echo "xinetd -dontfork -f $W/xinetd.conf -pidfile $W/xinetd.pid" ;;
	*)
		die "unknown server $1" ;;
	esac
}

# Starts server $1 on port $2 inside the bench's cgroup; its log lines
# are stamped with the time they arrive (for the SIGUSR1 and SIGHUP
# figures).  Returns once it answers.
start_server() {
	cmd=$(servercmd "$1" "$2")
	echo "$1: $cmd" >> "$W/commands"
	mkfifo "$W/log.fifo" || die "mkfifo failed"
	perl -MTime::HiRes=time -ne '$| = 1; printf "%.6f %s", time, $_' \
	    < "$W/log.fifo" > "$W/$4-$3.log" &
	LOGGER_PID=$!
	cg_create
	sh -c "echo \$\$ > $CG/cgroup.procs && exec $cmd" \
	    > "$W/log.fifo" 2>&1 &
	SERVER_PID=$!
	rm -f "$W/log.fifo"
	$B/loadgen -w -t 10 127.0.0.1 "$2" > /dev/null
}

# Stamp of the first log line after time $1 that matches $2, waiting
# (bounded, 10 s) for it to arrive.
stamp_after() {
	i=0
	while [ $i -lt 100 ]; do
		s=$(awk -v t="$1" -v re="$2" '$1 > t && $0 ~ re { print $1; exit }' \
		    "$LOG")
		[ -n "$s" ] && { echo "$s"; return; }
		sleep 0.1
		i=$((i + 1))
	done
	echo "-"
}

now() {
	perl -MTime::HiRes=time -e 'printf "%.6f\n", time'
}

ms_between() {
	[ "$2" = - ] && { echo -; return; }
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f\n", (b - a) * 1000 }'
}

# The rate of each tenth of the connections, by the time each was held.
ramp_slices() {
	cat "$W"/held.* 2>/dev/null | sort -n | awk -v want="$1" '
	{ t[NR] = $1 }
	END {
		if (NR < 10) { print "-"; exit }
		out = ""
		for (s = 1; s <= 10; s++) {
			a = int((s - 1) * want / 10) + 1
			b = int(s * want / 10)
			if (b > NR) break
			dt = (t[b] - t[a]) / 1e9
			out = out sprintf("%s%d:%.0f", s > 1 ? "," : "", b,
			    dt > 0 ? (b - a) / dt : 0)
		}
		print out
	}'
}

# DAMON's monitor paused for one step, the control that tells okd's cost
# from the machine's (BENCH_SCALE_NODAMON); put back by damon_resume.
damon_pause() {
	f=$(ls /sys/kernel/mm/damon/admin/kdamonds/*/state 2>/dev/null | head -1)
	[ -n "$f" ] && [ "$(cat "$f")" = on ] || return 1
	echo off > "$f" && DAMON_PAUSED=$f
}

damon_resume() {
	[ -n "${DAMON_PAUSED:-}" ] && echo on > "$DAMON_PAUSED"
	DAMON_PAUSED=
}

# run_step server N: one server, one step.
run_step() {
	name=$1 s=$1 n=$2 damon=on
	case $s in
	*-nodamon)
		s=${s%-nodamon}
		damon_pause && damon=off || damon=none
		;;
	esac
	port=$((PORT0 + $(date +%s) % 400))
	LOG=$W/$name-$n.log
	rm -f "$W"/held.* "$W"/out.* "$W/ctl"
	if ! start_server "$s" "$port" "$n" "$name"; then
		echo "scale: $s did not answer" >&2
		echo "$name $n failed" >> "$RES"
		kill -TERM "$SERVER_PID" 2>/dev/null
		wait "$SERVER_PID" 2>/dev/null
		SERVER_PID=
		cg_remove
		return
	fi
	sp=$SERVER_PID
	# The server's own pid: sh exec'd it, so $! is the server.
	cg0=$(cg_memory)
	mm0=$(machine_memory)
	kt0=$(kthread_ticks)
	sv0=$(awk '{ print $14, $15, $10 }' /proc/$sp/stat)
	mkfifo "$W/ctl"
	k=0 left=$n HOLDERS=
	t0=$(now)
	while [ $left -gt 0 ]; do
		m=$PER_HOLDER
		[ $left -lt $m ] && m=$left
		$B/hold -c $INFLIGHT -n $m -s 4194304+$((k * PER_HOLDER)) \
		    -t "$RAMP" -w $((RAMP + 900)) -o "$W/held.$k" \
		    127.0.0.1 "$port" < "$W/ctl" > "$W/out.$k" &
		HOLDERS="$HOLDERS $!"
		k=$((k + 1))
		left=$((left - m))
	done
	exec 4> "$W/ctl"
	# Samples the supervisor's state and wait channel until every holder
	# has reported (bounded by the ramp time).
	: > "$W/wchan"
	i=0
	while [ $i -lt $((RAMP * 5 + 100)) ]; do
		echo "$(cut -d' ' -f3 /proc/$sp/stat 2>/dev/null)" \
		    "$(cat /proc/$sp/wchan 2>/dev/null)" >> "$W/wchan"
		left=0
		for f in "$W"/out.*; do [ -s "$f" ] || left=1; done
		[ $left = 0 ] && break
		sleep 0.2
		i=$((i + 1))
	done
	t1=$(now)
	sv1=$(awk '{ print $14, $15, $10 }' /proc/$sp/stat)
	kt1=$(kthread_ticks)
	held=$(cat "$W"/out.* | awk -F'[ =]' '{ h += $2 } END { print h + 0 }')
	failed=$(cat "$W"/out.* | awk -F'[ =]' '{ f += $4 } END { print f + 0 }')
	cg1=$(cg_memory)
	mm1=$(machine_memory)
	procs=$(wc -l < "$CG/cgroup.procs")
	zombies=$(ps --ppid "$sp" -o stat= | grep -c Z)
	lat=$($B/loadgen -c 1 -m 1 -n 200 -t 60 127.0.0.1 "$port")
	usr1=- hup=- forkfail=-
	case $s in
	okd*)
		a=$(now)
		kill -USR1 "$sp"
		usr1=$(ms_between "$a" "$(stamp_after "$a" ' stats ')")
		forkfail=$(grep ' stats ' "$LOG" | tail -1 |
		    sed -n 's/.* fork-failures=\([0-9]*\).*/\1/p')
		# A reload is done when a SIGUSR1 sent just after it is
		# answered with the reload counted: signals are taken in order.
		a=$(now)
		kill -HUP "$sp"
		kill -USR1 "$sp"
		hup=$(ms_between "$a" "$(stamp_after "$a" ' stats .* reloads=1 ')")
		;;
	esac
	alive=$(($(wc -l < "$CG/cgroup.procs") - 1))
	drain=-
	case $s in
	okd*)
		a=$(now)
		kill -TERM "$sp"
		wait "$sp" 2>/dev/null
		drain=$(ms_between "$a" "$(now)")
		;;
	*)
		# The others do not drain: the clients leave, then they stop.
		exec 4>&-
		wait $HOLDERS
		kill -TERM "$sp"
		wait "$sp" 2>/dev/null
		;;
	esac
	SERVER_PID=
	exec 4>&-
	wait $HOLDERS
	HOLDERS=
	wait "$LOGGER_PID" 2>/dev/null
	LOGGER_PID=
	cg_remove
	slices=$(ramp_slices "$n")
	top=$(printf '%s\n' "$kt0" | awk -v later="$kt1" '
	    BEGIN { n = split(later, l, "\n"); for (i = 1; i <= n; i++) {
		split(l[i], f, " "); t1[f[1]] = f[3]; nm[f[1]] = f[2] } }
	    { d = t1[$1] - $3; if (d > 0) print d, nm[$1] }' | sort -rn |
	    head -3 | awk '{ printf "%s%s:%d", (NR > 1 ? "," : ""), $2, $1 }')
	wchan=$(awk '{ w = $2; if (w == "" || w == "0") w = "-"; print $1 "/" w }' \
	    "$W/wchan" | sort | uniq -c | sort -rn | head -3 |
	    awk '{ printf "%s%s:%d", (NR > 1 ? "," : ""), $2, $1 }')
	echo "$name $n held=$held failed=$failed alive=$alive procs=$procs" \
	    "zombies=$zombies ramp_s=$(awk -v a="$t0" -v b="$t1" \
	    'BEGIN { printf "%.1f", b - a }')" \
	    "cg0=$(echo $cg0 | tr ' ' ,) cg1=$(echo $cg1 | tr ' ' ,)" \
	    "mm0=$(echo $mm0 | tr ' ' ,) mm1=$(echo $mm1 | tr ' ' ,)" \
	    "sv0=$(echo $sv0 | tr ' ' ,) sv1=$(echo $sv1 | tr ' ' ,)" \
	    "usr1_ms=$usr1 hup_ms=$hup drain_ms=$drain forkfail=${forkfail:--}" \
	    "damon=$damon slices=$slices" \
	    "kthreads=${top:--} wchan=${wchan:--} $lat" >> "$RES"
	damon_resume
	tail -1 "$RES" | cut -c1-300 >&2
}

for n in $STEPS; do
	for s in $SERVERS; do
		run_step "$s" "$n"
	done
	if [ "$n" = "$max" ] && [ -n "${KDAMOND:-}" ]; then
		for s in $NODAMON; do
			run_step "$s-nodamon" "$n"
		done
	fi
	if [ "$n" = $PEER_STEP ]; then
		for s in $PEERS; do
			command -v "$s" > /dev/null 2>&1 || [ "$s" = okd-nosb ] ||
			    { echo "scale: $s not installed" >&2; continue; }
			run_step "$s" "$n"
		done
	fi
done
ELAPSED=$(($(date +%s) - T_START))

sh tests/bench/scale-report.sh "$RES" "$W" "$B" "$START" "$ELAPSED" \
    "$NPROC" "${KDAMOND:-}" > "$OUT"
cat "$OUT"
