/* SPDX-License-Identifier: ISC */
/*
 * make soak: a bounded chaos soak of build/okd on loopback.  Every kind of
 * client at once, SIGHUP every 100 ms, SIGKILL of children, exact floods
 * past max-per-source and max-children, then a run under ulimit -n 64.
 * Prints a table of figures and ends with "N passed, N failed".
 */

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "soak.h"

#define DEFAULT_TIME	180		/* seconds of chaos; SOAK_TIME changes it */
#define MAX_CHILDREN	128
#define PER_SOURCE	8
#define KNOCKS_SOURCE	20		/* exact over-limit connects, per source */
#define KNOCKS_CHILDREN	50		/* exact over-limit connects, global */
#define IDLE_MS		3000
#define QUIET_MS	20000		/* children must all be gone by then */
#define ULIMIT_CLIENTS	200
#define QUEUED		3000		/* in a backlog of 4096: many batches of 64 */

/*
 * fair-share no: the exact floods count max-children refusals, which
 * fair-share would turn into evictions; the fair-share scenario has its own
 * configuration.
 */
static const char conf_main[] =
    "listen 127.0.0.1:%PORT%\n"
    "backlog 128\n"
    "max-children 128\n"
    "max-per-source 8\n"
    "fair-share no\n"
    "log-level notice\n";

static const char conf_signals[] =
    "listen 127.0.0.1:%PORT%\n"
    "backlog 4096\n"
    "max-children 1\n"
    "max-per-source 8\n"
    "log-level notice\n";

static const char conf_ulimit[] =
    "listen 127.0.0.1:%PORT%\n"
    "backlog 128\n"
    "max-children 256\n"
    "max-per-source 8\n"
    "log-level notice\n";

/* Threads per kind during chaos. */
static const int nthreads[K_NKINDS] = {
	[K_GOOD] = 4, [K_HALF] = 2, [K_SLOW] = 4, [K_MUTE] = 3,
	[K_RESET] = 3, [K_VICTIM] = 6, [K_FLOOD] = 1,
};

static const char *const kind_names[K_NKINDS] = {
	"well-behaved", "half-closer", "slowloris", "never-reads",
	"resetter", "killed", "per-source flood",
};

/* The fields of okd's "stats" line, in its order. */
enum { S_ACTIVE, S_ACCEPTED, S_SERVED, S_REFUSED, S_R_CHILDREN, S_R_SOURCE,
	S_R_RATE, S_R_ACCESS, S_SOURCES, S_FORKFAIL, S_ACCEPTERR, S_SIGNALED,
	S_VIOLATIONS, S_FAILED, S_RELOADS, S_NFIELDS };
static const char *const stat_names[S_NFIELDS] = {
	"active", "accepted", "served", "refused", "refused-max-children",
	"refused-per-source", "refused-rate", "refused-access", "sources",
	"fork-failures", "accept-errors", "signaled", "violations", "failed",
	"reloads",
};

struct stats {
	long	v[S_NFIELDS];
};

static int	npass, nfail;

/* One check of the soak: counted, and printed with ok or FAIL. */
void
check(int ok, const char *fmt, ...)
{
	va_list	ap;

	printf("%s ", ok ? "ok  " : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (ok)
		npass++;
	else
		nfail++;
}

/* Parses the last "stats " line of the log; -1 if there is none. */
static int
parse_stats(const char *log, struct stats *st)
{
	const char	*line = NULL, *p, *q;
	char		 key[48];
	int		 i;

	for (p = log; (p = strstr(p, "stats active=")) != NULL; p++)
		line = p;
	if (line == NULL)
		return -1;
	for (i = 0; i < S_NFIELDS; i++) {
		snprintf(key, sizeof(key), " %s=", stat_names[i]);
		if (i == 0)
			snprintf(key, sizeof(key), "stats active=");
		if ((q = strstr(line, key)) == NULL)
			return -1;
		st->v[i] = atol(q + strlen(key));
	}
	return 0;
}

static int	stats_seen;

/* The next stats line after the last one read; -1 if none came in 5 s. */
static int
get_stats_after(struct soak *s, struct stats *st)
{
	char	*log;
	long	 end = now_ms() + 5000;
	int	 before = stats_seen, rc = -1;

	while (now_ms() < end && okd_log_count(&s->okd, "stats active=") <= before)
		nap(10);
	log = okd_log_read(&s->okd);
	if (okd_log_count(&s->okd, "stats active=") > before)
		rc = parse_stats(log, st);
	free(log);
	stats_seen = okd_log_count(&s->okd, "stats active=");
	return rc;
}

/* SIGUSR1, then the stats line it logged; -1 if none came in 5 s. */
static int
get_stats(struct soak *s, struct stats *st)
{
	stats_seen = okd_log_count(&s->okd, "stats active=");
	kill(s->pid, SIGUSR1);
	return get_stats_after(s, st);
}

static long
delta(const struct stats *a, const struct stats *b, int f)
{
	return b->v[f] - a->v[f];
}

/* Waits until the supervisor has no child at all; 0, or -1 after QUIET_MS. */
int
soak_quiesce(struct soak *s)
{
	pid_t	kids[1024];
	char	st[1024];
	long	end = now_ms() + QUIET_MS;

	while (now_ms() < end) {
		if (proc_children(s->pid, kids, st, 1024) == 0)
			return 0;
		nap(20);
	}
	return -1;
}

/* Starts an okd with conf (and o, may be NULL) and watches it. */
int
soak_start(struct soak *s, const char *conf, const struct okd_opts *o)
{
	if (okd_start_opts(&s->okd, conf, NULL, o) == -1)
		return -1;
	pthread_mutex_lock(&s->mon_lock);
	s->pid = s->okd.pid;
	s->died = 0;
	pthread_mutex_unlock(&s->mon_lock);
	return 0;
}

/* The alarms of okd_cleanup() but a child killed by a signal: ours were. */
static const char *const alarms[] = {
	"AddressSanitizer", "LeakSanitizer", "runtime error:",
	"sandbox violation",
};

/* 1 if okd's log holds none of alarms[]; the first one found is shown. */
static int
log_clean(struct soak *s)
{
	char	*log = okd_log_read(&s->okd);
	size_t	 i;
	int	 clean = 1;

	for (i = 0; i < sizeof(alarms) / sizeof(alarms[0]) && clean; i++)
		if (strstr(log, alarms[i]) != NULL) {
			printf("okd log %s holds \"%s\"\n", s->okd.log,
			    alarms[i]);
			clean = 0;
		}
	free(log);
	return clean;
}

/*
 * Stops watching, then SIGTERM; 1 if okd exited 0 and its log is clean.
 * With kills, children killed by a signal are expected in the log.
 */
/* The monitor leaves the supervisor alone: it is about to be stopped. */
void
soak_unwatch(struct soak *s)
{
	pthread_mutex_lock(&s->mon_lock);
	s->pid = 0;
	pthread_mutex_unlock(&s->mon_lock);
}

int
soak_stop(struct soak *s, int kills)
{
	int	st, clean = 1;

	soak_unwatch(s);
	st = okd_stop(&s->okd);
	if (kills) {
		clean = log_clean(s);
		/* Already scanned: okd_cleanup would call our kills alarms. */
		if (clean)
			s->okd.log[0] = '\0';
	}
	if (okd_cleanup(&s->okd) == -1)
		clean = 0;
	return clean && st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* Runs every kind of client, the killer and SIGHUP for secs seconds. */
static void
chaos(struct soak *s, int secs)
{
	static struct client	c[128];
	pthread_t		killer, hupper;
	int			k, i, n = 0, slot = 0;

	s->stop = 0;
	for (k = 0; k < K_NKINDS; k++)
		for (i = 0; i < nthreads[k] && n < 128; i++, n++) {
			c[n].s = s;
			c[n].kind = k;
			c[n].seed = (unsigned int)(n * 7919 + 1);
			c[n].slot = k == K_MUTE || k == K_VICTIM ? slot++ : 0;
			if (k == K_FLOOD)
				snprintf(c[n].src, sizeof(c[n].src), "127.0.0.2");
			else
				snprintf(c[n].src, sizeof(c[n].src),
				    "127.0.%d.%d", k + 1, i + 1);
			pthread_create(&c[n].tid, NULL, client_main, &c[n]);
		}
	pthread_create(&killer, NULL, killer_main, s);
	pthread_create(&hupper, NULL, hupper_main, s);
	s->deadline = now_ms() + secs * 1000L;
	while (now_ms() < s->deadline && !s->died)
		nap(100);
	s->stop = 1;
	for (i = 0; i < n; i++)
		pthread_join(c[i].tid, NULL);
	pthread_join(killer, NULL);
	pthread_join(hupper, NULL);
}

/*
 * Opens n sessions from src, each admitted or refused; returns how many
 * were admitted (their fds in fds) and adds the refused to *refused.
 */
static int
open_many(struct soak *s, const char *src, int n, int *fds, int *refused,
    int *odd)
{
	int	i, fd, r, got = 0;

	for (i = 0; i < n; i++) {
		if ((fd = soak_connect(src, s->okd.port, 0)) == -1) {
			(*odd)++;
			continue;
		}
		if ((r = soak_hello(fd)) == 0) {
			fds[got++] = fd;
			continue;
		}
		if (r == 1)
			(*refused)++;
		else
			(*odd)++;
		close(fd);
	}
	return got;
}

static void
close_all(int *fds, int n)
{
	while (n > 0)
		close(fds[--n]);
}

/*
 * Floods with nothing else running, so each refusal has one cause: a full
 * source, then a full supervisor.  Checks the counters moved by exactly
 * the number of knocks.
 */
static void
exact_floods(struct soak *s, const char *when)
{
	int		fds[MAX_CHILDREN + 8], extra[KNOCKS_CHILDREN];
	struct stats	a, b, c;
	char		src[16];
	int		held = 0, refused = 0, odd = 0, i, n;

	if (get_stats(s, &a) == -1) {
		check(0, "%s: stats before the floods", when);
		return;
	}
	held = open_many(s, "127.0.0.3", PER_SOURCE, fds, &refused, &odd);
	n = open_many(s, "127.0.0.3", KNOCKS_SOURCE, extra, &refused, &odd);
	close_all(extra, n);
	check(held == PER_SOURCE && n == 0 && refused == KNOCKS_SOURCE &&
	    odd == 0, "%s: per-source flood: %d of %d admitted, %d of %d "
	    "knocks refused (%d admitted, %d neither)", when, held, PER_SOURCE,
	    refused, KNOCKS_SOURCE, n, odd);
	close_all(fds, held);
	soak_quiesce(s);
	get_stats(s, &b);
	check(delta(&a, &b, S_R_SOURCE) == KNOCKS_SOURCE &&
	    delta(&a, &b, S_REFUSED) == KNOCKS_SOURCE &&
	    delta(&a, &b, S_SERVED) == PER_SOURCE,
	    "%s: per-source counters: refused-per-source +%ld, refused +%ld, "
	    "served +%ld (want +%d, +%d, +%d)", when,
	    delta(&a, &b, S_R_SOURCE), delta(&a, &b, S_REFUSED),
	    delta(&a, &b, S_SERVED), KNOCKS_SOURCE, KNOCKS_SOURCE, PER_SOURCE);

	held = refused = odd = 0;
	for (i = 0; i < MAX_CHILDREN / PER_SOURCE; i++) {
		snprintf(src, sizeof(src), "127.0.7.%d", i + 1);
		held += open_many(s, src, PER_SOURCE, fds + held, &refused, &odd);
	}
	n = 0;
	for (i = 0; i < KNOCKS_CHILDREN; i++) {
		snprintf(src, sizeof(src), "127.0.8.%d", i + 1);
		n += open_many(s, src, 1, extra + n, &refused, &odd);
	}
	close_all(extra, n);
	check(held == MAX_CHILDREN && n == 0 && refused == KNOCKS_CHILDREN &&
	    odd == 0, "%s: max-children flood: %d of %d admitted, %d of %d "
	    "knocks refused (%d admitted, %d neither)", when, held,
	    MAX_CHILDREN, refused, KNOCKS_CHILDREN, n, odd);
	close_all(fds, held);
	soak_quiesce(s);
	get_stats(s, &c);
	check(delta(&b, &c, S_R_CHILDREN) == KNOCKS_CHILDREN &&
	    delta(&b, &c, S_REFUSED) == KNOCKS_CHILDREN &&
	    delta(&b, &c, S_SERVED) == MAX_CHILDREN,
	    "%s: max-children counters: refused-max-children +%ld, refused "
	    "+%ld, served +%ld (want +%d, +%d, +%d)", when,
	    delta(&b, &c, S_R_CHILDREN), delta(&b, &c, S_REFUSED),
	    delta(&b, &c, S_SERVED), KNOCKS_CHILDREN, KNOCKS_CHILDREN,
	    MAX_CHILDREN);
}

static long
sum(const atomic_long *v)
{
	long	n = 0;
	int	k;

	for (k = 0; k < K_NKINDS; k++)
		n += v[k];
	return n;
}

/* What the clients saw against what the counters say, for one chaos run. */
static void
check_chaos(struct soak *s, const struct stats *a, const struct stats *b)
{
	long	adm = sum(s->admitted), ref = sum(s->refused);

	check(s->hello_errors == 0 && s->connect_errors == 0,
	    "chaos: every connect was answered or refused (%ld connect "
	    "errors, %ld first replies neither OK nor close)",
	    (long)s->connect_errors, (long)s->hello_errors);
	check(s->owed == s->got && s->bad == 0,
	    "chaos: well-behaved clients got every reply they were owed "
	    "(%ld of %ld, %ld faults)", (long)s->got, (long)s->owed,
	    (long)s->bad);
	check(delta(a, b, S_SERVED) == adm && delta(a, b, S_ACCEPTED) == adm + ref,
	    "chaos: served +%ld = admitted %ld; accepted +%ld = admitted + "
	    "refused %ld", delta(a, b, S_SERVED), adm, delta(a, b, S_ACCEPTED),
	    adm + ref);
	check(delta(a, b, S_REFUSED) == ref &&
	    delta(a, b, S_R_SOURCE) + delta(a, b, S_R_CHILDREN) == ref,
	    "chaos: refused +%ld (per-source +%ld, max-children +%ld) = "
	    "closed with no reply %ld", delta(a, b, S_REFUSED),
	    delta(a, b, S_R_SOURCE), delta(a, b, S_R_CHILDREN), ref);
	check(delta(a, b, S_R_SOURCE) >= s->refused[K_FLOOD] -
	    delta(a, b, S_R_CHILDREN), "chaos: the flood's %ld refusals are "
	    "per-source ones, or max-children ones when full",
	    (long)s->refused[K_FLOOD]);
	check(s->over_admit == 0, "chaos: max-per-source never let a %dth "
	    "session in (%ld times)", PER_SOURCE + 1, (long)s->over_admit);
	check(s->kills > 0 && delta(a, b, S_SIGNALED) <= s->kills &&
	    delta(a, b, S_SIGNALED) > 0,
	    "chaos: children SIGKILLed %ld, counted signaled +%ld",
	    (long)s->kills, delta(a, b, S_SIGNALED));
	check(delta(a, b, S_VIOLATIONS) == 0 && delta(a, b, S_FORKFAIL) == 0 &&
	    delta(a, b, S_ACCEPTERR) == 0,
	    "chaos: violations +%ld, fork-failures +%ld, accept-errors +%ld",
	    delta(a, b, S_VIOLATIONS), delta(a, b, S_FORKFAIL),
	    delta(a, b, S_ACCEPTERR));
	/* Signals coalesce: only more reloads than SIGHUPs would be wrong. */
	check(delta(a, b, S_RELOADS) > 0 && delta(a, b, S_RELOADS) <= s->hups,
	    "chaos: SIGHUP sent %ld, reloads +%ld", (long)s->hups,
	    delta(a, b, S_RELOADS));
}

/*
 * A signal must not wait for the backlog to drain.  A third okd, with one
 * child allowed, is stopped while QUEUED connections fill its backlog; it
 * runs again, and once it has refused the first of them, SIGUSR1.  Its
 * stats line must come before it has taken them all.
 */
static void
signal_under_backlog(struct soak *s)
{
	static int	fds[QUEUED];
	struct pollfd	pfd;
	struct stats	a, b;
	struct rlimit	rl;
	int		i, n = 0, r, max;

	if (soak_start(s, conf_signals, NULL) == -1 || get_stats(s, &a) == -1) {
		check(0, "signals: okd starts and reports");
		return;
	}
	/* As many as our descriptors allow, up to QUEUED. */
	getrlimit(RLIMIT_NOFILE, &rl);
	max = rl.rlim_cur > QUEUED + 64 ? QUEUED : (int)rl.rlim_cur - 64;
	kill(s->pid, SIGSTOP);
	for (i = 0; i < max; i++)
		if ((fds[n] = soak_connect_nb("127.0.13.1", s->okd.port)) != -1)
			n++;
	nap(300);
	kill(s->pid, SIGCONT);
	/* The first is served, the second refused: okd is at work. */
	pfd.fd = fds[1];
	pfd.events = POLLIN;
	(void)poll(&pfd, 1, 5000);
	kill(s->pid, SIGUSR1);
	r = get_stats_after(s, &b);
	check(r == 0 && delta(&a, &b, S_ACCEPTED) < n / 2,
	    "signals: SIGUSR1 sent while okd took %d queued connections was "
	    "answered after %ld of them (want fewer than %d: a ready listener "
	    "must not hold signals back)", n,
	    r == 0 ? delta(&a, &b, S_ACCEPTED) : -1L, n / 2);
	close_all(fds, n);
	check(soak_quiesce(s) == 0 && !s->died && soak_stop(s, 0),
	    "signals: okd stops with status 0, its log clean");
}

/* Each reload said RELOADING=1 then READY=1 to the notify socket. */
static void
check_notify(struct soak *s, const struct stats *st)
{
	long	reloading, ready;

	if (s->okd.nmsgs >= NOTIFY_MAX) {
		printf("skip notify count: more than %d messages\n", NOTIFY_MAX);
		return;
	}
	reloading = okd_notify_count(&s->okd, "RELOADING=1");
	ready = okd_notify_count(&s->okd, "READY=1");
	check(reloading == st->v[S_RELOADS] && ready == reloading + 1,
	    "notify: RELOADING=1 %ld times, READY=1 %ld times, for %ld reloads",
	    reloading, ready, st->v[S_RELOADS]);
}

static void
reset_counts(struct soak *s)
{
	int	k;

	for (k = 0; k < K_NKINDS; k++)
		s->admitted[k] = s->refused[k] = 0;
	s->connect_errors = s->hello_errors = s->owed = s->got = s->bad = 0;
	s->over_admit = s->kills = s->killed_seen = s->hups = 0;
}

/* CPU seconds pid used over ms of nothing happening. */
static double
cpu_over(pid_t pid, long ms)
{
	long	t0 = proc_cpu_ticks(pid);

	nap(ms);
	return (double)(proc_cpu_ticks(pid) - t0) / (double)sysconf(_SC_CLK_TCK);
}

struct ulimit_figures {
	long	nofile;
	int	served;
};

/*
 * okd under ulimit -n 64: it must serve ULIMIT_CLIENTS at once, since a
 * forked connection costs the supervisor no descriptor.  Running out of
 * descriptors is scenario 8 (scenarios.c).
 */
static void
ulimit_run(struct soak *s, struct ulimit_figures *u)
{
	static int	fds[ULIMIT_CLIENTS];
	struct okd_opts	o = { 64, 0 };
	char		src[16];
	int		i, n, refused = 0, odd = 0;

	memset(u, 0, sizeof(*u));
	if (soak_start(s, conf_ulimit, &o) == -1) {
		check(0, "ulimit: okd starts with ulimit -n 64");
		return;
	}
	u->nofile = proc_nofile(s->pid);
	check(u->nofile == 64, "ulimit: okd runs with open files %ld", u->nofile);
	for (i = 0, n = 0; i < ULIMIT_CLIENTS / PER_SOURCE; i++) {
		snprintf(src, sizeof(src), "127.0.10.%d", i + 1);
		n += open_many(s, src, PER_SOURCE, fds + n, &refused, &odd);
	}
	u->served = n;
	check(n == ULIMIT_CLIENTS && refused == 0 && odd == 0,
	    "ulimit: %d of %d concurrent sessions served under ulimit -n 64 "
	    "(%d refused, %d neither)", n, ULIMIT_CLIENTS, refused, odd);
	close_all(fds, n);
	check(soak_quiesce(s) == 0, "ulimit: every child gone after the clients");
	check(!s->died, "ulimit: the supervisor never died");
	check(soak_stop(s, 0),
	    "ulimit: SIGTERM stops okd with status 0, its log clean");
}

static void
row(const char *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
row(const char *what, const char *fmt, ...)
{
	va_list	ap;

	printf("| %-46s | ", what);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* Every figure of the table. */
struct figures {
	struct stats		st1, st2, st3;	/* before, after chaos; at the end */
	long			rss_warm, rss_end;
	double			chaos_cpu, idle_cpu;
	struct ulimit_figures	u;
	struct scenario		sc[SCENARIOS];
};

static void
print_table(const struct soak *s, const struct figures *f)
{
	const struct stats	*a = &f->st1, *b = &f->st2, *e = &f->st3;
	char			 what[64];
	int			 k;

	printf("\n| %-46s | %s\n", "figure (chaos phase unless said)", "value");
	printf("|%.48s|%.20s\n", "------------------------------------------------",
	    "--------------------");
	for (k = 0; k < K_NKINDS; k++) {
		snprintf(what, sizeof(what), "%s: sessions / refused",
		    kind_names[k]);
		row(what, "%ld / %ld", (long)s->admitted[k], (long)s->refused[k]);
	}
	row("connections served (counter, chaos / run)", "%ld / %ld",
	    delta(a, b, S_SERVED), e->v[S_SERVED]);
	row("refused (counter / closed with no reply)", "%ld / %ld",
	    delta(a, b, S_REFUSED), sum(s->refused));
	row("refused per-source / max-children", "%ld / %ld",
	    delta(a, b, S_R_SOURCE), delta(a, b, S_R_CHILDREN));
	row("refused max-children / per-source (run)", "%ld / %ld",
	    e->v[S_R_CHILDREN], e->v[S_R_SOURCE]);
	row("refused rate / access (run)", "%ld / %ld", e->v[S_R_RATE],
	    e->v[S_R_ACCESS]);
	row("well-behaved replies got / owed", "%ld / %ld", (long)s->got,
	    (long)s->owed);
	row("SIGKILL sent / signaled / seen by clients", "%ld / %ld / %ld",
	    (long)s->kills, delta(a, b, S_SIGNALED), (long)s->killed_seen);
	row("SIGHUP sent / reloads", "%ld / %ld", (long)s->hups,
	    delta(a, b, S_RELOADS));
	row("failed / violations / fork-failures (run)", "%ld / %ld / %ld",
	    e->v[S_FAILED], e->v[S_VIOLATIONS], e->v[S_FORKFAIL]);
	row("most children at once, zombies included (run)", "%ld",
	    (long)s->max_children);
	row("zombies seen / stuck past bound (asleep)", "%ld / %ld (%ld)",
	    (long)s->zombies_seen, (long)s->zombies_stuck,
	    (long)s->stuck_asleep);
	row("supervisor RSS warm-up / end (kB)", "%ld / %ld", f->rss_warm,
	    f->rss_end);
	row("supervisor CPU s: chaos / idle 3 s", "%.2f / %.2f", f->chaos_cpu,
	    f->idle_cpu);
	row("ulimit -n 64: concurrent sessions served", "%d of %d", f->u.served,
	    ULIMIT_CLIENTS);
}

/* Warm-up, chaos, floods, idle window, signals: the first okd's life. */
static void
main_run(struct soak *s, struct figures *f, int secs)
{
	int	warm = secs / 6 < 3 ? 3 : secs / 6 > 20 ? 20 : secs / 6;
	long	t0;

	printf("soak: okd pid %ld port %d, chaos %ds after a %ds warm-up\n",
	    (long)s->pid, s->okd.port, secs, warm);
	/* Warm-up: the same load, shorter, so the RSS baseline has seen it. */
	s->phase = "warm-up";
	chaos(s, warm);
	check(soak_quiesce(s) == 0, "warm-up: every child gone after the clients");
	exact_floods(s, "warm-up");
	f->rss_warm = proc_rss_kb(s->pid);
	reset_counts(s);

	printf("soak: chaos for %ds\n", secs);
	get_stats(s, &f->st1);
	t0 = proc_cpu_ticks(s->pid);
	s->phase = "chaos";
	chaos(s, secs);
	f->chaos_cpu = (double)(proc_cpu_ticks(s->pid) - t0) /
	    (double)sysconf(_SC_CLK_TCK);
	check(soak_quiesce(s) == 0, "chaos: every child gone after the clients");
	get_stats(s, &f->st2);
	check_chaos(s, &f->st1, &f->st2);
	s->phase = "floods";
	exact_floods(s, "after chaos");

	s->phase = "idle";
	check(soak_quiesce(s) == 0, "every child gone before the idle window");
	f->idle_cpu = cpu_over(s->pid, IDLE_MS);
	f->rss_end = proc_rss_kb(s->pid);
	check(f->idle_cpu <= 0.03, "idle: supervisor CPU %.2fs over %.1fs "
	    "(no spin)", f->idle_cpu, IDLE_MS / 1000.0);
	check(f->rss_end <= f->rss_warm * 11 / 10 &&
	    f->rss_end >= f->rss_warm * 9 / 10,
	    "RSS at the end %ld kB within 10%% of %ld kB after warm-up",
	    f->rss_end, f->rss_warm);
	get_stats(s, &f->st3);
	check(!s->died, "the supervisor never died");
	check_notify(s, &f->st3);
	check(soak_stop(s, 1), "SIGTERM stops okd with status 0; its log has "
	    "no sanitizer report or sandbox violation");
}

/* The main okd's life, then the signals and ulimit runs. */
static void
main_phases(struct soak *s, struct figures *f, int secs)
{
	if (soak_start(s, conf_main, NULL) == -1)
		check(0, "okd starts and says READY=1");
	else
		main_run(s, f, secs);

	printf("soak: signals under a full backlog\n");
	s->phase = "signals";
	signal_under_backlog(s);
	printf("soak: ulimit -n 64\n");
	s->phase = "ulimit";
	ulimit_run(s, &f->u);
}

int
main(void)
{
	static struct soak	s;
	static struct figures	f;
	struct rlimit		rl;
	pthread_t		mon;
	int			secs = DEFAULT_TIME, k, only;

	if (getenv("SOAK_TIME") != NULL && atoi(getenv("SOAK_TIME")) > 0)
		secs = atoi(getenv("SOAK_TIME"));
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	/* QUEUED client sockets at once need more than 1024 descriptors. */
	getrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur < 4096 && rl.rlim_max > rl.rlim_cur) {
		rl.rlim_cur = rl.rlim_max < 4096 ? rl.rlim_max : 4096;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	pthread_mutex_init(&s.mon_lock, NULL);
	s.watching = 1;
	s.phase = "start";
	pthread_create(&mon, NULL, monitor_main, &s);
	/* SOAK_ONLY=scenarios runs the scenarios alone, to try one change. */
	only = getenv("SOAK_ONLY") != NULL &&
	    strcmp(getenv("SOAK_ONLY"), "scenarios") == 0;
	if (!only)
		main_phases(&s, &f, secs);
	scenarios_run(&s, f.sc);
	s.watching = 0;
	pthread_join(mon, NULL);
	check(s.zombies_stuck == 0, "no child stayed a zombie past %dms "
	    "(%ld did, %ld of them while the supervisor slept in poll)",
	    ZOMBIE_BOUND_MS, (long)s.zombies_stuck, (long)s.stuck_asleep);
	for (k = 0; k < s.nevidence; k++)
		printf("     %s\n", s.evidence[k]);
	for (k = 0; k < s.nrefusal && k < 4; k++)
		printf("note %s\n", s.refusal[k]);
	if (!only)
		print_table(&s, &f);
	scenarios_table(f.sc);
	printf("\n%d passed, %d failed\n", npass, nfail);
	return nfail == 0 ? 0 : 1;
}
