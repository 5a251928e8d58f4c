# SPDX-License-Identifier: ISC
# report.awk: turns bench.sh's results (round server workload key=value...)
# into markdown: medians over rounds, ratios to forkmin, targets.  A ratio
# is the median of the rounds' own ratios: two servers' runs in one round
# are a minute apart at most, while the machine drifts between rounds.
# Variables: servers (row order), summary (1: targets and summary only).

# Sorts a[1..n] in place: insertion sort, at most twenty rounds.
function sort(a, n,    i, j, t) {
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
}

function mid(a, n) {
	if (n % 2)
		return a[(n + 1) / 2]
	return (a[n / 2] + a[n / 2 + 1]) / 2
}

function median(key,    n, i, a) {
	n = cnt[key]
	if (n == 0)
		return ""
	for (i = 1; i <= n; i++)
		a[i] = val[key, i] + 0
	sort(a, n)
	return mid(a, n)
}

function add(key, v) {
	val[key, ++cnt[key]] = v
	byround[key, round] = v
	if (round + 0 > maxround)
		maxround = round + 0
}

# The median over the rounds that ran both of a's figure over b's; sets
# plo and phi to the lowest and highest of them.  Empty when no round ran
# both.
function paired(a, b, key,    r, n, x) {
	n = 0
	for (r = 1; r <= maxround; r++) {
		if (!((a SUBSEP key, r) in byround) ||
		    !((b SUBSEP key, r) in byround))
			continue
		if (byround[b SUBSEP key, r] == 0)
			continue
		x[++n] = byround[a SUBSEP key, r] / byround[b SUBSEP key, r]
	}
	if (n == 0)
		return ""
	sort(x, n)
	plo = x[1]
	phi = x[n]
	return mid(x, n)
}

function fmt(v) {
	if (v == "")
		return "—"
	if (v < 0.005 && v > -0.005)
		return "0"
	if (v >= 100)
		return sprintf("%.0f", v)
	if (v >= 10)
		return sprintf("%.1f", v)
	return sprintf("%.2f", v)
}

function cell(s, key,    v, r) {
	v = median(s SUBSEP key)
	if (v == "")
		return "—"
	r = paired(s, "forkmin", key)
	if (r == "")
		return fmt(v)
	return sprintf("%s (%.2fx)", fmt(v), r)
}

# A target on v; spread, if not empty, is the range of the rounds.
function target(desc, v, op, limit, spread,    ok) {
	if (v == "") {
		printf("- %s: not measured\n", desc)
		ntarget_unknown++
		return
	}
	ok = (op == ">=") ? (v >= limit) : (v <= limit)
	# Three places below 10: a ratio of 0.949 is not 0.95.
	printf("- %s %s %s: %s%s — %s\n", desc, op, limit,
	    v < 10 ? sprintf("%.3f", v) : fmt(v), spread,
	    ok ? "met" : "NOT met")
	ntarget++
	if (ok)
		nmet++
}

# A target on the paired ratio of a to b, with the range of its rounds.
function ratio_target(desc, a, b, key, op, limit,    v, spread) {
	v = paired(a, b, key)
	if (v != "" && plo != phi)
		spread = sprintf(" (rounds %s to %s)", fmt(plo), fmt(phi))
	target(desc, v, op, limit, spread)
}

# A count per connection of the counted run, "n/a" where it was not taken.
function perconn(v, n) {
	if (v == "" || v == "n/a" || n + 0 == 0)
		return "n/a"
	return fmt(v / n)
}

# The ratio of server s's count per connection to forkmin's, "" when
# either is missing.
function cratio(a, s, wl,    x, y) {
	if (perconn(a[s, wl], cc[s, wl]) == "n/a" ||
	    perconn(a["forkmin", wl], cc["forkmin", wl]) == "n/a" ||
	    a["forkmin", wl] + 0 == 0)
		return ""
	x = a[s, wl] / cc[s, wl]
	y = a["forkmin", wl] / cc["forkmin", wl]
	return x / y
}

function countratio(a, s, wl,    r) {
	r = cratio(a, s, wl)
	return r == "" ? "" : sprintf(" (%.2fx)", r)
}

# A target: okd's count per connection no more than forkmin's.
function count_target(desc, a, wl) {
	target(desc, cratio(a, "okd", wl), "<=", 1, "")
}

# The table of page faults and system calls per connection.
function counts(ns, order,    i, s, any) {
	for (i = 1; i <= ns; i++)
		if ((order[i], "cs8") in cc)
			any = 1
	if (!any)
		return
	print ""
	print "Page faults and system calls per connection, over the " \
	    "server's whole process tree, in one run of a fixed number " \
	    "of connections outside the timed rounds (tests/bench/README.md " \
	    "says how they are counted; ratios to forkmin):"
	print ""
	print "| server | short: page faults | short: system calls | " \
	    "1000-trip session: page faults | 1000-trip session: " \
	    "system calls | connections counted | faults from |"
	print "|---|---|---|---|---|---|---|"
	for (i = 1; i <= ns; i++) {
		s = order[i]
		if (!((s, "cs8") in cc))
			continue
		printf("| %s | %s%s | %s%s | %s%s | %s%s | %d + %d | %s |\n", s,
		    perconn(cf[s, "cs8"], cc[s, "cs8"]), countratio(cf, s, "cs8"),
		    perconn(cs[s, "cs8"], cc[s, "cs8"]), countratio(cs, s, "cs8"),
		    perconn(cf[s, "cl8"], cc[s, "cl8"]), countratio(cf, s, "cl8"),
		    perconn(cs[s, "cl8"], cc[s, "cl8"]), countratio(cs, s, "cl8"),
		    cc[s, "cs8"], cc[s, "cl8"], cfrom[s, "cs8"])
	}
}

{
	round = $1; srv = $2; wl = $3
	seen[srv] = 1
	for (i = 4; i <= NF; i++) {
		eq = index($i, "=")
		if (eq == 0)
			continue
		k = substr($i, 1, eq - 1); v = substr($i, eq + 1)
		f[k] = v
		if (k ~ /^err_/ || k == "failed")
			errs[srv, wl, k] += v
	}
	if ("count_conns" in f) {
		cc[srv, wl] = f["count_conns"]
		cf[srv, wl] = f["count_faults"]
		cs[srv, wl] = f["count_syscalls"]
		cfrom[srv, wl] = f["faults_from"]
	} else if (wl ~ /^h/) {
		if (f["held"] > 0) {
			du = f["tree_uss_kb"] - f["base_uss_kb"]
			dp = f["tree_pss_kb"] - f["base_pss_kb"]
			add(srv SUBSEP wl SUBSEP "uss", du / f["held"])
			add(srv SUBSEP wl SUBSEP "pss", dp / f["held"])
			add(srv SUBSEP wl SUBSEP "held", f["held"])
			add(srv SUBSEP wl SUBSEP "procs", f["tree_procs"])
		}
	} else if ("conns_per_s" in f) {
		add(srv SUBSEP wl SUBSEP "cps", f["conns_per_s"])
		add(srv SUBSEP wl SUBSEP "tps", f["trips_per_s"])
		add(srv SUBSEP wl SUBSEP "p50", f["p50_us"] / 1000)
		add(srv SUBSEP wl SUBSEP "p99", f["p99_us"] / 1000)
		add(srv SUBSEP wl SUBSEP "max", f["max_us"] / 1000)
	}
	delete f
}

END {
	ns = split(servers, order, " ")
	if (!summary) {
		print "| server | short C=8 conn/s | short C=64 conn/s | " \
		    "p99 C=64 ms | long C=8 round trips/s | " \
		    "USS KB/conn (1k) | PSS KB/conn (1k) | " \
		    "USS KB/conn (10k) | PSS KB/conn (10k) |"
		print "|---|---|---|---|---|---|---|---|---|"
		for (i = 1; i <= ns; i++) {
			s = order[i]
			if (!(s in seen))
				continue
			printf("| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
			    s, cell(s, "s8" SUBSEP "cps"),
			    cell(s, "s64" SUBSEP "cps"),
			    cell(s, "s64" SUBSEP "p99"),
			    cell(s, "l8" SUBSEP "tps"),
			    cell(s, "h1000" SUBSEP "uss"),
			    cell(s, "h1000" SUBSEP "pss"),
			    cell(s, "h10000" SUBSEP "uss"),
			    cell(s, "h10000" SUBSEP "pss"))
		}
		counts(ns, order)
		print ""
		print "Latency (ms; a connection's first round trip includes " \
		    "its connect, and a trip still under way when the run " \
		    "ends counts with its wait so far, so a client never " \
		    "served shows) and errors summed over the rounds " \
		    "(refused/reset/timeout/short/other):"
		print ""
		print "| server | workload | p50 | p99 | max | errors |"
		print "|---|---|---|---|---|---|"
		nw = split("s8 s64 l8 h1000 h10000", wls, " ")
		for (i = 1; i <= ns; i++) {
			s = order[i]
			if (!(s in seen))
				continue
			for (j = 1; j <= nw; j++) {
				w = wls[j]
				if (cnt[s SUBSEP w SUBSEP "p50"] == 0 &&
				    cnt[s SUBSEP w SUBSEP "held"] == 0 &&
				    errs[s, w, "failed"] == 0)
					continue
				e = sprintf("%d/%d/%d/%d/%d",
				    errs[s, w, "err_refused"],
				    errs[s, w, "err_reset"],
				    errs[s, w, "err_timeout"],
				    errs[s, w, "err_short"],
				    errs[s, w, "err_other"])
				if (errs[s, w, "failed"] > 0)
					e = e sprintf(", %d runs failed",
					    errs[s, w, "failed"])
				if (cnt[s SUBSEP w SUBSEP "held"] > 0)
					e = e sprintf(", held %d in %d procs",
					    median(s SUBSEP w SUBSEP "held"),
					    median(s SUBSEP w SUBSEP "procs"))
				printf("| %s | %s | %s | %s | %s | %s |\n", s, w,
				    fmt(median(s SUBSEP w SUBSEP "p50")),
				    fmt(median(s SUBSEP w SUBSEP "p99")),
				    fmt(median(s SUBSEP w SUBSEP "max")), e)
			}
		}
		exit
	}

	print "## Targets (reported, not enforced)"
	print ""
	ratio_target("okd/forkmin short conns C=8", "okd", "forkmin",
	    "s8" SUBSEP "cps", ">=", 0.95)
	ratio_target("okd/forkmin short conns C=64", "okd", "forkmin",
	    "s64" SUBSEP "cps", ">=", 0.95)
	ratio_target("okd/forkmin long sessions round trips/s", "okd",
	    "forkmin", "l8" SUBSEP "tps", ">=", 0.97)
	ratio_target("okd/tcpserver short conns C=64", "okd", "tcpserver",
	    "s64" SUBSEP "cps", ">=", 2.5)
	ratio_target("okd/xinetd short conns C=64", "okd", "xinetd",
	    "s64" SUBSEP "cps", ">=", 3)
	ratio_target("okd/systemd-socket-activate short conns C=64", "okd",
	    "ssa", "s64" SUBSEP "cps", ">=", 3)
	target("okd USS KB per idle connection (1k)",
	    median("okd" SUBSEP "h1000" SUBSEP "uss"), "<=", 40, "")
	if (cnt["okd" SUBSEP "h10000" SUBSEP "uss"] > 0)
		target("okd USS KB per idle connection (10k)",
		    median("okd" SUBSEP "h10000" SUBSEP "uss"), "<=", 40, "")
	ratio_target("okd/forkmin p99 at C=64", "okd", "forkmin",
	    "s64" SUBSEP "p99", "<=", 1.2)
	count_target("okd/forkmin page faults per short connection",
	    cf, "cs8")
	count_target("okd/forkmin system calls per short connection",
	    cs, "cs8")
	count_target("okd/forkmin page faults per 1000-trip session",
	    cf, "cl8")
	count_target("okd/forkmin system calls per 1000-trip session",
	    cs, "cl8")
	print ""
	okd = median("okd" SUBSEP "s64" SUBSEP "cps")
	fm = median("forkmin" SUBSEP "s64" SUBSEP "cps")
	if (okd == "")
		printf("Summary: okd not measured; forkmin %s conn/s at " \
		    "C=64, %s round trips/s in long sessions; the fork " \
		    "per connection is the limit on this machine.\n",
		    fmt(fm), fmt(median("forkmin" SUBSEP "l8" SUBSEP "tps")))
	else
		printf("Summary: okd %s conn/s at C=64 (%.2fx forkmin), " \
		    "%s round trips/s in long sessions (%.2fx), %s KB USS " \
		    "per idle connection; %d of %d targets met.\n",
		    fmt(okd), paired("okd", "forkmin", "s64" SUBSEP "cps"),
		    fmt(median("okd" SUBSEP "l8" SUBSEP "tps")),
		    paired("okd", "forkmin", "l8" SUBSEP "tps"),
		    fmt(median("okd" SUBSEP "h1000" SUBSEP "uss")),
		    nmet, ntarget)
}
