#!/bin/sh
# SPDX-License-Identifier: ISC
# scale-report.sh RESULTS WORKDIR OUTDIR START ELAPSED NPROC KDAMOND:
# turns scale.sh's result lines into build/bench/scale.md (on stdout) and
# the plots build/bench/scale-memory.png and build/bench/scale-ramp.png.

set -u
RES=$1 W=$2 B=$3 START=$4 ELAPSED=$5 NPROC=$6 KDAMOND=$7

# One line per run, in key=value form after "server N"; prints both tables
# and writes the plot data.
awk -v W="$W" '
function kv(k,    i, p) {
	for (i = 3; i <= NF; i++)
		if (index($i, k "=") == 1)
			return substr($i, length(k) + 2)
	return "-"
}
function field(list, i,    f) {
	split(list, f, ",")
	return f[i]
}
function kb(bytes) {
	return sprintf("%.1f", bytes / 1024)
}
$3 == "failed" { printf "| %s | %s | did not start |\n", $1, $2; next }
{
	s = $1; n = $2; held = kv("held")
	if (held == 0) held = 1
	cg0 = kv("cg0"); cg1 = kv("cg1"); mm0 = kv("mm0"); mm1 = kv("mm1")
	sv0 = kv("sv0"); sv1 = kv("sv1")
	total = (field(cg1, 1) - field(cg0, 1)) / held
	user = (field(cg1, 2) + field(cg1, 3) - field(cg0, 2) - field(cg0, 3)) / held
	kern = (field(cg1, 4) - field(cg0, 4)) / held
	tcp = (field(cg1, 5) - field(cg0, 5)) / held
	avail = (field(mm0, 1) - field(mm1, 1)) / held
	stack = (field(mm1, 2) - field(mm0, 2)) / held
	pt = (field(mm1, 3) - field(mm0, 3)) / held
	errors = kv("failed") + (kv("held") - kv("alive"))
	if (errors < 0) errors = 0
	nsl = split(kv("slices"), sl, ",")
	split(sl[1], a, ":"); split(sl[nsl], z, ":")
	p50 = kv("p50_us"); p99 = kv("p99_us")
	lat = p50 == "-" ? "-" : sprintf("%.1f / %.1f", p50 / 1000, p99 / 1000)
	printf "| %s | %d | %d | %s | %s → %s | %.0f | %.0f | %.0f | %.1f | " \
	    "%.1f | %.1f | %.0f | %s | %s | %s | %s | %d | %s |\n", s, n,
	    kv("held"), kv("ramp_s"), a[2], z[2], total / 1024, user / 1024,
	    kern / 1024, tcp / 1024, stack, pt, avail, lat, kv("usr1_ms"),
	    kv("hup_ms"), kv("drain_ms"), errors, kv("zombies") > W "/t1.md"
	forks = kv("held")
	if (forks == 0) forks = 1
	printf "| %s | %d | %.3f | %.3f | %.1f | %s | %s | %s | %s |\n", s, n,
	    (field(sv1, 2) - field(sv0, 2)) * 10 / forks,
	    (field(sv1, 1) - field(sv0, 1)) * 10 / forks,
	    (field(sv1, 3) - field(sv0, 3)) / forks, kv("kthreads"),
	    kv("wchan"), kv("damon"), kv("forkfail") > W "/t2.md"
	printf "%s %d %.1f %.1f\n", s, kv("held"), total / 1024, avail \
	    > W "/mem.dat"
	for (i = 1; i <= nsl; i++) {
		split(sl[i], p, ":")
		printf "%s %d %s %d\n", s, p[1], p[2], n > W "/ramp.dat"
	}
}' "$RES"

PLOTS=none
if command -v gnuplot > /dev/null 2>&1 && [ -s "$W/mem.dat" ]; then
	servers=$(awk '{ print $1 }' "$W/mem.dat" | awk '!seen[$0]++')
	mplot= rplot=
	for s in $servers; do
		awk -v s="$s" '$1 == s' "$W/mem.dat" | sort -k2n > "$W/mem-$s.dat"
		# The biggest step's ramp only: it passes through the others.
		big=$(awk -v s="$s" '$1 == s { print $4 }' "$W/ramp.dat" |
		    sort -n | tail -1)
		awk -v s="$s" -v b="$big" '$1 == s && $4 == b' "$W/ramp.dat" \
		    > "$W/ramp-$s.dat"
		mplot="$mplot${mplot:+, }\"$W/mem-$s.dat\" using 2:3 with linespoints title \"$s (cgroup)\""
		[ -s "$W/ramp-$s.dat" ] &&
		    rplot="$rplot${rplot:+, }\"$W/ramp-$s.dat\" using 2:3 with linespoints title \"$s\""
	done
	gnuplot <<EOF && PLOTS="$B/scale-memory.png $B/scale-ramp.png"
set terminal pngcairo size 900,500 noenhanced
set grid
set key bottom right
set logscale x
set output "$B/scale-memory.png"
set title "Memory per held idle connection (cgroup memory.usage_in_bytes)"
set xlabel "connections held (log scale)"
set ylabel "KB per connection"
set yrange [0:*]
plot $mplot
set output "$B/scale-ramp.png"
set title "Ramp: connections held per second, per tenth of the biggest step"
set ylabel "new held connections/s"
unset logscale x
set xlabel "connections held"
plot $rplot
EOF
fi

echo "# okd: holding many idle connections (make bench-scale)"
echo
echo "- date: $START; total run time ${ELAPSED} s; nproc $(nproc);" \
    "uname -r $(uname -r); $(awk '$1 == "MemTotal:" { printf "%.1f GB", $2 / 1048576 }' /proc/meminfo)"
echo "- process limit (RLIMIT_NPROC) for okd's user: $NPROC;" \
    "kernel.pid_max raised for the run and restored;" \
    "kdamond: ${KDAMOND:-none running}"
echo "- each connection from its own source (127.1.0.0 and up), one byte" \
    "sent, OK read, then held idle; holders of up to 18,000 each," \
    "24 connects in flight each; servers idle timeout 3600 s, backlog 1024"
echo "- memory: the server's own memory cgroup (v1), growth over the" \
    "ramp divided by the connections held; machine-wide: MemAvailable's" \
    "fall, clients' sockets included"
echo "- plots: $PLOTS"
echo
echo "| server | step | held | ramp s | rate first → last tenth /s |" \
    "cgroup KB/conn | user | kernel | tcp | stack KB (machine) |" \
    "page tables KB (machine) | MemAvailable KB/conn |" \
    "new client p50 / p99 ms | SIGUSR1 ms | SIGHUP ms | drain ms |" \
    "errors | zombies |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
cat "$W/t1.md" 2>/dev/null
echo
echo "What the ramp costs the supervisor, per connection held (its" \
    "/proc/PID/stat over the ramp), the kernel threads that used most" \
    "CPU meanwhile (ticks of 10 ms), and where the supervisor was found" \
    "in 5 samples a second (state/wchan: count):"
echo
echo "| server | step | system ms/fork | user ms/fork | minflt/fork |" \
    "kernel threads | supervisor state/wchan | DAMON | fork failures |"
echo "|---|---|---|---|---|---|---|---|---|"
cat "$W/t2.md" 2>/dev/null
echo
echo "Raw lines: $RES; server commands: $W/commands; logs: $W/*.log"
