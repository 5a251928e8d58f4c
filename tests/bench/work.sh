#!/bin/sh
# SPDX-License-Identifier: ISC
# work.sh: issue 22 item 4, how okd's short connections/s change with the
# work per connection: 1, 100 and 10,000 allow/deny rules (src/acl.c, a
# prefix tree), and 1, 1,000 and 65,536 distinct sources under rate-limit
# and max-per-source (src/srctable.c, a hash table).  Rounds are paired
# and shuffled as in bench.sh; each figure is the median over the rounds of
# its ratio to the smallest case of its kind in the same round.  Results go
# to build/bench/work.md, the plot to build/bench/work.png.
# Besides connections/s, the supervisor's CPU time per connection: the
# rules and the source table are the supervisor's work, and its CPU time
# moves less than throughput when other jobs share the machine.
# Knobs: WORK_TIME (seconds per run, default 2), WORK_ROUNDS (default 11).

set -u
B=build/bench
W=$B/work
OUT=$B/work.md
RES=$W/results
T=${WORK_TIME:-2}
R=${WORK_ROUNDS:-11}
PORT0=19400
CASES="r1 r100 r10000 s1 s1000 s65536"
# The rule cases' client is 127.0.0.1; the source cases' clients are
# 127.1.0.0 and up (loadgen -s), all inside PREFILL_NET.
PREFILL_NET=127.1.0.0/16

die() {
	echo "work: $*" >&2
	exit 1
}

case $T in ''|*[!0-9]*) die "WORK_TIME must be 1..20" ;; esac
case $R in ''|*[!0-9]*) die "WORK_ROUNDS must be 1..15" ;; esac
[ "$T" -ge 1 ] && [ "$T" -le 20 ] || die "WORK_TIME must be 1..20"
[ "$R" -ge 1 ] && [ "$R" -le 15 ] || die "WORK_ROUNDS must be 1..15"
[ -x build/okd ] && [ -x $B/loadgen ] || die "build/okd or $B/loadgen missing"

mkdir -p "$W" || die "cannot create $W"
rm -f "$W"/*.log "$W"/*.conf "$W"/*.rules
: > "$RES"
ulimit -n 30000 2>/dev/null || ulimit -n "$(ulimit -Hn)"

portof() {
	i=0
	for c in $CASES; do
		[ "$c" = "$1" ] && { echo $((PORT0 + i)); return; }
		i=$((i + 1))
	done
}

# How much work a case names: r10000 -> 10000.
amount() {
	echo "$1" | sed 's/^[rs]//'
}

# N deny prefixes that never match a client: IPv4 hosts next to the client
# (127.0.1.0 and up, so the lookup walks deep), and IPv6 /48s.
deny_prefixes() {
	awk -v n="$1" 'BEGIN {
		for (i = 0; i < n; i++)
			if (i % 2 == 0)
				printf "127.0.%d.%d\n", 1 + int(i / 2 / 256), i / 2 % 256
			else
				printf "2001:db8:%x::/48\n", int(i / 2)
	}'
}

# Whether this okd reads deny-file (the config helper's keyword).
DENYFILE=0
printf '# empty\n' > "$W/probe.rules"
if printf 'deny-file %s\n' "$(pwd)/$W/probe.rules" > "$W/probe.conf" &&
    build/okd -t -f "$W/probe.conf" > /dev/null 2>&1; then
	DENYFILE=1
fi
rm -f "$W/probe.conf" "$W/probe.rules"

# conf case prefill: writes $W/case.conf; with prefill=1 the source
# cases' clients are denied first, so that their source groups can be
# created at accept speed, without a fork each.
conf() {
	f=$W/$1.conf
	n=$(amount "$1")
	{
		[ "$2" = 1 ] && echo "deny $PREFILL_NET"
		echo "listen 127.0.0.1:$(portof "$1")"
		echo "max-children 30000"
		echo "backlog 128"
		echo "log-level info"
		echo "log-target stderr"
		echo "max-sources 131072"
		# Exited children not yet reaped still count: never the limit.
		echo "max-per-source 10000"
		case $1 in
		r*)
			if [ "$n" -gt 1 ]; then
				deny_prefixes $((n - 1)) > "$W/$1.rules"
				if [ $DENYFILE = 1 ] && [ "$n" -ge 10000 ]; then
					echo "deny-file $(pwd)/$W/$1.rules"
				else
					sed 's/^/deny /' "$W/$1.rules"
				fi
			fi
			echo "allow 127.0.0.0/8" ;;
		s*)
			# Every connection takes a token, none is refused.
			echo "rate-limit 1000000/1s burst 1000000" ;;
		esac
	} > "$f"
}

pidvar() {
	echo "PID_$1"
}

pidof_case() {
	eval "echo \${$(pidvar "$1"):-}"
}

# count_lines case pattern: lines of the case's log matching pattern.
count_lines() {
	grep -c "$2" "$W/$1.log" 2>/dev/null || true
}

# wait_lines case pattern n: until the log has more than n such lines (5 s).
wait_lines() {
	i=0
	while [ "$(count_lines "$1" "$2")" -le "$3" ] && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	[ "$(count_lines "$1" "$2")" -gt "$3" ]
}

# stats case: okd's SIGUSR1 line, its last one.
stats() {
	n=$(count_lines "$1" ' stats ')
	kill -USR1 "$(pidof_case "$1")"
	wait_lines "$1" ' stats ' "$n" || return 1
	grep ' stats ' "$W/$1.log" | tail -n 1
}

# Waits (bounded, 5 s) until the case's okd has no child left.
settle() {
	i=0
	while [ -n "$(pgrep -P "$1" 2>/dev/null)" ] && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
}

start_case() {
	conf "$1" 1
	build/okd -D -f "$W/$1.conf" >> "$W/$1.log" 2>&1 &
	eval "$(pidvar "$1")=$!"
	$B/loadgen -w -t 10 127.0.0.1 "$(portof "$1")" ||
	    die "$1 did not answer on port $(portof "$1")"
}

# Creates the source case's N groups: refused connections from each of
# the N sources (loadgen -s N+first resumes where the last run stopped),
# until okd's stats count them (bounded: 10 runs).
prefill() {
	n=$(amount "$1")
	done=0 i=0 have=0
	while [ $i -lt 10 ]; do
		line=$($B/loadgen -c 64 -t 1 -T 1000 -s "$n+$done" 127.0.0.1 \
		    "$(portof "$1")")
		tried=$(echo "$line" | awk '{ s = 0; for (i = 1; i <= NF; i++)
		    if ($i ~ /^(conns|inflight|err_[a-z]*)=/) {
			split($i, kv, "="); s += kv[2] } print s }')
		done=$((done + tried))
		settle "$(pidof_case "$1")"
		have=$(stats "$1" | sed -n 's/.* sources=\([0-9]*\).*/\1/p')
		# The readiness probe's 127.0.0.1 is one group more.
		[ "${have:-0}" -gt "$n" ] && break
		i=$((i + 1))
	done
	echo "work: $1: $have source groups after $done connections" >&2
	[ "${have:-0}" -gt "$n" ] || die "$1: prefill reached $have groups"
}

# Rewrites the case's config without the prefill deny and reloads it.
reload_case() {
	conf "$1" 0
	n=$(count_lines "$1" 'reloaded:')
	kill -HUP "$(pidof_case "$1")"
	wait_lines "$1" 'reloaded:' "$n" || die "$1: no reload"
}

stop_case() {
	pid=$(pidof_case "$1")
	[ -n "$pid" ] || return
	settle "$pid"
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	eval "$(pidvar "$1")="
}

# The supervisor's resident memory that a fork hands to each child, in kB:
# every mapping's Rss but those marked do-not-copy (VmFlags dc).
inherited_kb() {
	awk '/^[0-9a-f]+-[0-9a-f]+ / { if (rss != "" && !dc) sum += rss
		rss = ""; dc = 0; next }
	    /^Rss:/ { rss = $2 }
	    /^VmFlags:/ { for (i = 2; i <= NF; i++) if ($i == "dc") dc = 1 }
	    END { if (rss != "" && !dc) sum += rss; print sum + 0 }' \
	    "/proc/$1/smaps"
}

# The supervisor's CPU time so far, in ns (it is one thread).
cpu_ns() {
	cut -d' ' -f1 "/proc/$1/schedstat"
}

# run_case round case first-source: one timed run, with the supervisor's
# CPU time over it (accept, rules, source table, fork, reaping) as sup_ns.
run_case() {
	port=$(portof "$2")
	pid=$(pidof_case "$2")
	src=
	case $2 in
	s*) src="-s $(amount "$2")+$3" ;;
	esac
	a=$(cpu_ns "$pid")
	# shellcheck disable=SC2086
	line=$($B/loadgen -c 8 -m 1 -t "$T" $src 127.0.0.1 "$port")
	# The run's last children are reaped before the CPU time is read.
	settle "$pid"
	line="$line sup_ns=$(($(cpu_ns "$pid") - a)) inherit_kb=$(inherited_kb "$pid")"
	echo "$1 $2 $line" >> "$RES"
	echo "work: round $1 $2: $line" >&2
}

# Round 1 in table order, later ones shuffled (seeded: repeatable).
shuffled() {
	if [ "$1" -le 1 ]; then
		echo $CASES
		return
	fi
	printf '%s\n' $CASES | awk -v seed="$1" '
	    BEGIN { srand(seed) } { print rand(), $0 }' |
	    sort -n | awk '{ printf "%s ", $2 }'
}

START=$(date -u '+%Y-%m-%d %H:%M:%S UTC')
t0=$(date +%s)
trap 'for c in $CASES; do stop_case $c; done' EXIT
# Each round starts every case's okd afresh (a new memory layout each, as
# in bench.sh), creates the source groups, reloads every okd alike, runs
# each case once in shuffled order, and stops them all.
r=1
while [ "$r" -le "$R" ]; do
	for c in $CASES; do
		start_case "$c"
	done
	for c in $CASES; do
		case $c in s*) prefill "$c" ;; esac
	done
	for c in $CASES; do
		reload_case "$c"
	done
	for c in $(shuffled "$r"); do
		run_case "$r" "$c" $((r * 7919))
	done
	for c in $CASES; do
		s=$(stats "$c")
		echo "$r $c $s" >> "$W/stats"
		stop_case "$c"
	done
	r=$((r + 1))
done
trap - EXIT
ELAPSED=$(($(date +%s) - t0))

# Medians per case; ratios as the median of each round's ratio to the
# smallest case of the same kind.
awk -v cases="$CASES" '
function median(a, n,    i, j, t) {
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{
	for (i = 3; i <= NF; i++) {
		split($i, kv, "=")
		v[$1, $2, kv[1]] = kv[2]
	}
	if ($1 > rounds)
		rounds = $1
}
END {
	nc = split(cases, c, " ")
	print "| case | structure | conn/s (median) | conn/s ratio to smallest (median, range) | supervisor CPU us/conn (median) | its ratio to smallest (median, range) | supervisor kB a fork copies (median) | p99 ms | errors |"
	print "|---|---|---|---|---|---|---|---|---|"
	for (k = 1; k <= nc; k++) {
		base = substr(c[k], 1, 1) == "r" ? "r1" : "s1"
		n = 0; nr = 0; lo = ""; hi = ""; err = 0; ns = 0; clo = ""; chi = ""
		for (r = 1; r <= rounds; r++) {
			if (!((r, c[k], "conns_per_s") in v))
				continue
			x[++n] = v[r, c[k], "conns_per_s"]
			p[n] = v[r, c[k], "p99_us"] / 1000
			err += v[r, c[k], "err_refused"] + v[r, c[k], "err_reset"] + \
			    v[r, c[k], "err_timeout"] + v[r, c[k], "err_short"] + \
			    v[r, c[k], "err_other"]
			if (v[r, base, "conns_per_s"] > 0) {
				q = v[r, c[k], "conns_per_s"] / v[r, base, "conns_per_s"]
				y[++nr] = q
				if (lo == "" || q < lo) lo = q
				if (hi == "" || q > hi) hi = q
			}
			kb[n] = v[r, c[k], "inherit_kb"]
			cu[n] = v[r, c[k], "sup_ns"] / v[r, c[k], "conns"] / 1000
			bu = v[r, base, "sup_ns"] / v[r, base, "conns"] / 1000
			if (bu > 0) {
				q = cu[n] / bu
				z[++ns] = q
				if (clo == "" || q < clo) clo = q
				if (chi == "" || q > chi) chi = q
			}
		}
		what = substr(c[k], 2)
		label = what (substr(c[k], 1, 1) == "r" ? " rule" : " source") \
		    (what == 1 ? "" : "s")
		st = substr(c[k], 1, 1) == "r" ? "acl.c prefix tree" : "srctable.c hash table"
		printf "| %s | %s | %.1f | %.3fx (%.3f-%.3f) | %.1f | %.3fx (%.3f-%.3f) | %d | %.1f | %d |\n",
		    label, st, median(x, n), median(y, nr), lo, hi, median(cu, n),
		    median(z, ns), clo, chi, median(kb, n), median(p, n), err
		printf "%s %s %.1f %.3f %.1f\n", c[k], what, median(x, n), median(y, nr),
		    median(cu, n) > "/dev/stderr"
	}
}' "$RES" > "$W/table.md" 2> "$W/plot.dat"

PLOT=none
if command -v gnuplot > /dev/null 2>&1; then
	grep '^r' "$W/plot.dat" > "$W/rules.dat"
	grep '^s' "$W/plot.dat" > "$W/sources.dat"
	gnuplot <<EOF && PLOT=$B/work.png
set terminal pngcairo size 900,800 noenhanced
set output "$B/work.png"
set multiplot layout 2,1 title "okd, short connections (C=8), against the work per connection (median of $R rounds)"
set logscale x
set xrange [0.7:100000]
set yrange [0:*]
set grid
set key bottom left
set ylabel "connections/s"
plot "$W/rules.dat" using 2:3 with linespoints title "rules (prefix tree)", \
     "$W/sources.dat" using 2:3 with linespoints title "sources under rate-limit and max-per-source (hash table)"
set xlabel "allow/deny rules, or distinct sources (log scale)"
set ylabel "supervisor CPU us per connection"
plot "$W/rules.dat" using 2:5 with linespoints title "rules (prefix tree)", \
     "$W/sources.dat" using 2:5 with linespoints title "sources (hash table)"
unset multiplot
EOF
fi

{
	echo "# okd: cost growth with the work (make bench-work)"
	echo
	echo "- date: $START; total run time ${ELAPSED} s; nproc $(nproc)," \
	    "uname -r $(uname -r)"
	echo "- $R rounds; each starts all six okd afresh, creates the source" \
	    "groups, reloads all six alike, then runs every case once for" \
	    "$T s (loadgen -c 8 -m 1), round 1 in table order, later ones" \
	    "shuffled; ratios are the median of each round's ratio to the" \
	    "1-rule or 1-source case of the same round"
	if [ $DENYFILE = 1 ]; then
		echo "- 10,000 rules: 9,999 from a deny-file, then allow 127.0.0.0/8"
	else
		echo "- 10,000 rules: 9,999 deny lines (this okd has no" \
		    "deny-file), then allow 127.0.0.0/8"
	fi
	echo "- plot: $PLOT"
	echo
	cat "$W/table.md"
	echo
	echo "okd's stats (SIGUSR1) at the end of each round: $W/stats;" \
	    "configs: $W/*.conf; runs: $W/results"
} > "$OUT"
cat "$OUT"
