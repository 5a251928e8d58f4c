/* SPDX-License-Identifier: ISC */
/*
 * The soak's scenarios, one per way okd was once taken down (issue 21
 * items 1-7, and a supervisor out of descriptors): each runs its own okd
 * for a few seconds while good clients probe it, and reports good-client
 * failures, the supervisor's CPU while it waits, zombies and its RSS.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "soak.h"

#define PROBES		3	/* good-client threads per scenario */
#define PROBE_ITER	100000	/* bound on one probe thread's connections */
#define REPLY_MS	5000
#define PARTIALS	200	/* scenario 1: partial PROXY headers held */
#define HOLD_MS		3000	/* how long a scenario waits with load held */
#define PIPE_CONNS	1200	/* scenario 2: connections into a full pipe */
#define PIDS_KIDS	4	/* scenario 3: children the pids limit allows */
#define PIDS_KNOCKS	10
#define SIG_HELD	8	/* scenario 5: sessions sent signals */
#define GROUPS		8	/* scenario 6: slow sources ... */
#define PER_GROUP	32	/* ... each at the shipped max-per-source */
#define NOFILE		32	/* scenario 8: the supervisor's RLIMIT_NOFILE */
#define EXTRA		4	/* ... partial headers left in the backlog */
#define WAITERS		3	/* ... plain clients queued behind them */

/* Good clients against one port: each connection a few exact replies. */
struct probe {
	struct soak	*s;
	const char	*src;
	int		 port;
	const char	*want[2];	/* replies accepted (want[1] may be NULL) */
	atomic_int	 stop;
	atomic_long	 ok, fail;
	atomic_long	 seen[2];	/* replies seen, by index in want[] */
	pthread_t	 tid[PROBES];
};

/* One good exchange on fd: a byte out, one of p->want back; 0 if so. */
static int
probe_once(struct probe *p, int fd)
{
	char	buf[16];
	size_t	len = strlen(p->want[0]);
	int	i;

	if (send(fd, "g", 1, MSG_NOSIGNAL) != 1 ||
	    read_exact(fd, buf, len, REPLY_MS) == -1)
		return -1;
	for (i = 0; i < 2; i++)
		if (p->want[i] != NULL && memcmp(buf, p->want[i], len) == 0) {
			p->seen[i]++;
			return 0;
		}
	return -1;
}

/* One probe thread: connect, three exchanges, half-close, EOF; counted. */
static void *
probe_main(void *arg)
{
	struct probe	*p = arg;
	int		 fd, i, iter, bad;

	for (iter = 0; iter < PROBE_ITER && !p->stop; iter++) {
		if ((fd = soak_connect(p->src, p->port, 0)) == -1) {
			p->fail++;
			nap(20);
			continue;
		}
		for (i = 0, bad = 0; i < 3 && !bad; i++)
			bad = probe_once(p, fd) == -1;
		shutdown(fd, SHUT_WR);
		if (!bad && expect_eof(fd, REPLY_MS) == -1)
			bad = 1;
		close(fd);
		if (bad)
			p->fail++;
		else
			p->ok++;
		nap(10);
	}
	return NULL;
}

/* PROBES threads of good clients from src to port, accepting want0/1. */
static void
probe_start(struct probe *p, struct soak *s, const char *src, int port,
    const char *want0, const char *want1)
{
	int	i;

	memset(p, 0, sizeof(*p));
	p->s = s;
	p->src = src;
	p->port = port;
	p->want[0] = want0;
	p->want[1] = want1;
	for (i = 0; i < PROBES; i++)
		pthread_create(&p->tid[i], NULL, probe_main, p);
}

/* Ends the probe threads; their counts go into sc. */
static void
probe_stop(struct probe *p, struct scenario *sc)
{
	int	i;

	p->stop = 1;
	for (i = 0; i < PROBES; i++)
		pthread_join(p->tid[i], NULL);
	sc->good_ok += p->ok;
	sc->good_fail += p->fail;
}

/* Ticks of supervisor CPU over ms of waiting. */
static long
ticks_over(struct soak *s, long ms)
{
	long	t0 = proc_cpu_ticks(s->pid);

	nap(ms);
	return proc_cpu_ticks(s->pid) - t0;
}

/* A new okd for sc; its RSS and the zombie count are taken as it starts. */
static int
begin(struct soak *s, struct scenario *sc, const char *name, const char *conf,
    const struct okd_opts *o)
{
	memset(sc, 0, sizeof(*sc));
	sc->name = name;
	s->phase = name;
	sc->zombies = s->zombies_stuck;
	if (soak_start(s, conf, o) == -1) {
		check(0, "%s: okd starts and says READY=1", name);
		sc->good_fail++;
		return -1;
	}
	sc->rss0 = proc_rss_kb(s->pid);
	return 0;
}

/* Stops sc's okd: every child gone, exit 0, log clean; RSS taken first. */
static void
finish(struct soak *s, struct scenario *sc, int stop)
{
	sc->rss1 = proc_rss_kb(s->pid);
	check(soak_quiesce(s) == 0, "%s: every child gone after the clients",
	    sc->name);
	check(!s->died, "%s: the supervisor never died", sc->name);
	if (stop)
		check(soak_stop(s, 0), "%s: SIGTERM stops okd with status 0, "
		    "its log clean", sc->name);
	sc->zombies = s->zombies_stuck - sc->zombies;
	check(sc->good_fail == 0, "%s: good clients %ld served, %ld failed",
	    sc->name, sc->good_ok, sc->good_fail);
	check(sc->rss1 <= sc->rss0 + sc->rss0 / 2, "%s: supervisor RSS %ld kB "
	    "at the end, %ld kB at the start", sc->name, sc->rss1, sc->rss0);
}

/* Closes the first n of fds, those that are open. */
static void
close_fds(int *fds, int n)
{
	while (n > 0)
		if (fds[--n] >= 0)
			close(fds[n]);
}

/* A connection to port that sent part of a PROXY header; -1 on error. */
static int
partial_header(const char *src, int port)
{
	int	fd = soak_connect(src, port, 0);

	if (fd != -1 &&
	    send(fd, "PROXY TCP4 1.2.3.4", 18, MSG_NOSIGNAL) != 18) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * 1. Partial PROXY headers held on a proxy-protocol listener cost the
 * supervisor nothing while good clients use a plain listener of the same
 * okd; their closes are seen at once.
 */
static void
partial_proxy(struct soak *s, struct scenario *sc)
{
	static int	fds[PARTIALS];
	struct probe	pr;
	char		conf[256];
	int		pport = okdtest_port(), i, n = 0;
	long		before, t0;

	snprintf(conf, sizeof(conf), "listen 127.0.0.1:%%PORT%%\n"
	    "listen 127.0.0.1:%d proxy-protocol\nproxy-from 127.0.0.0/8\n"
	    "proxy-timeout 30s\nlog-level notice\n", pport);
	if (begin(s, sc, "1 partial PROXY", conf, NULL) == -1)
		return;
	before = okd_stat(&s->okd, "refused-proxy");
	for (i = 0; i < PARTIALS; i++)
		if ((fds[n] = partial_header("127.0.21.2", pport)) != -1)
			n++;
	/* Waiting for the rest of the headers, and nothing else. */
	sc->ticks = ticks_over(s, HOLD_MS);
	sc->wait_ms = HOLD_MS;
	/* Then good clients on the plain listener past them. */
	probe_start(&pr, s, "127.0.21.1", s->okd.port, "OK", NULL);
	nap(2000);
	close_fds(fds, n);
	t0 = now_ms();
	while (now_ms() - t0 < 2000 &&
	    okd_stat(&s->okd, "refused-proxy") - before < n)
		nap(50);
	probe_stop(&pr, sc);
	check(n == PARTIALS, "%s: %d of %d partial headers held", sc->name, n,
	    PARTIALS);
	check(sc->ticks <= 5, "%s: supervisor CPU %ld ticks over %ld ms of "
	    "partial headers (no spin)", sc->name, sc->ticks, sc->wait_ms);
	check(okd_stat(&s->okd, "refused-proxy") - before == n &&
	    now_ms() - t0 < 2000, "%s: %d closes after half a header counted "
	    "refused-proxy within %ld ms", sc->name, n, now_ms() - t0);
	snprintf(sc->note, sizeof(sc->note), "%d held 5 s, closes seen in "
	    "%ld ms", n, now_ms() - t0);
	finish(s, sc, 1);
}

/*
 * Reads non-blocking fd until it is empty (ms 0) or until its end or ms
 * have passed; the start of what it read is kept in keep (may be NULL).
 */
static void
drain(int fd, int ms, char *keep, size_t keeplen)
{
	struct pollfd	pfd = { fd, POLLIN, 0 };
	char		buf[65536];
	long		end = now_ms() + ms;
	ssize_t		r;
	size_t		c, k = 0;
	int		iter, left;

	if (keep != NULL)
		keep[0] = '\0';
	for (iter = 0; iter < 100000; iter++) {
		left = (int)(end - now_ms());
		if (ms > 0 && (left <= 0 || poll(&pfd, 1, left) <= 0))
			return;
		if ((r = read(fd, buf, sizeof(buf))) <= 0)
			return;
		if (keep == NULL || k + 1 >= keeplen)
			continue;
		/* What came first: the note of dropped lines leads it. */
		c = (size_t)r < keeplen - k - 1 ? (size_t)r : keeplen - k - 1;
		memcpy(keep + k, buf, c);
		k += c;
		keep[k] = '\0';
	}
}

/*
 * 2. okd -D 2>pipe that nobody reads, through PIPE_CONNS connections each
 * logged: clients are all served, SIGTERM is honoured, and once the pipe
 * is read again okd says how many lines it dropped.
 */
static void
unread_stderr(struct soak *s, struct scenario *sc)
{
	static char	tail[1 << 16];
	struct okd_opts	o = { 0, -1 };
	struct probe	pr;
	int		pfd[2], fd, i, st, served = 0;
	long		t0, ticks, conns;

	if (pipe2(pfd, O_CLOEXEC) == -1) {
		check(0, "2 unread stderr: pipe: %s", strerror(errno));
		return;
	}
	o.err_fd = pfd[1];
	if (begin(s, sc, "2 unread stderr", "listen 127.0.0.1:%PORT%\n"
	    "log-level info\n", &o) == -1) {
		close(pfd[0]);
		close(pfd[1]);
		return;
	}
	close(pfd[1]);
	fcntl(pfd[0], F_SETFL, O_NONBLOCK);
	probe_start(&pr, s, "127.0.22.1", s->okd.port, "OK", NULL);
	t0 = proc_cpu_ticks(s->pid);
	for (i = 0; i < PIPE_CONNS; i++) {
		if ((fd = soak_connect("127.0.22.2", s->okd.port, 0)) == -1)
			continue;
		if (soak_hello(fd) == 0)
			served++;
		close(fd);
	}
	probe_stop(&pr, sc);
	ticks = proc_cpu_ticks(s->pid) - t0;
	sc->ticks = ticks_over(s, 1000);
	sc->wait_ms = 1000;
	conns = served + pr.ok;
	sc->good_ok += served;
	sc->good_fail += PIPE_CONNS - served;
	/* The sink reads again: the next line brings the count of dropped. */
	drain(pfd[0], 0, NULL, 0);
	if ((fd = soak_connect("127.0.22.3", s->okd.port, 0)) != -1) {
		(void)soak_hello(fd);
		close(fd);
	}
	check(soak_quiesce(s) == 0, "%s: every child gone", sc->name);
	sc->rss1 = proc_rss_kb(s->pid);
	soak_unwatch(s);
	t0 = now_ms();
	kill(s->okd.pid, SIGTERM);
	st = okd_wait_exit(s->okd.pid, 10000);
	check(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "%s: SIGTERM with the pipe unread: okd exited 0 in %ld ms",
	    sc->name, now_ms() - t0);
	if (st == -1) {
		kill(s->okd.pid, SIGKILL);
		okd_wait_exit(s->okd.pid, 5000);
	}
	s->okd.pid = -1;
	/* Gone, so the pipe ends: what it held is all there is. */
	drain(pfd[0], 3000, tail, sizeof(tail));
	close(pfd[0]);
	check(strstr(tail, "log lines dropped") != NULL, "%s: okd said it "
	    "dropped log lines once the pipe was read", sc->name);
	check(sc->ticks <= 5, "%s: supervisor CPU %ld ticks over 1 s after "
	    "the load (no spin on the full pipe)", sc->name, sc->ticks);
	snprintf(sc->note, sizeof(sc->note), "%ld connections, %ld ticks "
	    "while serving them", conns, ticks);
	okd_cleanup(&s->okd);
	sc->zombies = s->zombies_stuck - sc->zombies;
	check(sc->good_fail == 0, "%s: good clients %ld served, %ld failed",
	    sc->name, sc->good_ok, sc->good_fail);
}

/*
 * 3. Under a pids limit (a cgroup of our own), the clients past it get the
 * refuse-message, counted refused-fork; the supervisor rests instead of
 * spinning, and serves again once a child is gone.
 */
static void
pids_limit(struct soak *s, struct scenario *sc)
{
	struct probe	pr;
	char		dir[128], path[160], num[16], buf[4];
	int		held[PIDS_KIDS], i, n = 0, fd, told = 0;
	long		t0, refused0;

	if (geteuid() != 0 || pids_group("soak", dir, sizeof(dir)) == -1) {
		printf("skip 3 pids limit: needs root and a pids cgroup "
		    "controller\n");
		return;
	}
	if (begin(s, sc, "3 pids limit", "listen 127.0.0.1:%PORT%\n"
	    "refuse-message \"NO\"\nlog-level notice\n", NULL) == -1)
		goto out;
	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	snprintf(num, sizeof(num), "%ld\n", (long)s->pid);
	if (write_text(path, num) == -1)
		goto fail;
	snprintf(path, sizeof(path), "%s/pids.max", dir);
	snprintf(num, sizeof(num), "%d\n", 1 + PIDS_KIDS);
	if (write_text(path, num) == -1)
		goto fail;
	for (i = 0; i < PIDS_KIDS; i++)
		if ((held[n] = soak_connect("127.0.23.1", s->okd.port, 0)) !=
		    -1 && soak_hello(held[n]) == 0)
			n++;
	refused0 = okd_stat(&s->okd, "refused-fork");
	t0 = proc_cpu_ticks(s->pid);
	for (i = 0; i < PIDS_KNOCKS; i++) {
		if ((fd = soak_connect("127.0.23.2", s->okd.port, 0)) == -1)
			continue;
		if (read_exact(fd, buf, 2, REPLY_MS) == 0 &&
		    memcmp(buf, "NO", 2) == 0 && expect_eof(fd, REPLY_MS) == 0)
			told++;
		close(fd);
	}
	sc->ticks = proc_cpu_ticks(s->pid) - t0;
	sc->ticks += ticks_over(s, 1000);
	sc->wait_ms = 1000;
	check(n == PIDS_KIDS && told == PIDS_KNOCKS &&
	    okd_stat(&s->okd, "refused-fork") - refused0 == PIDS_KNOCKS,
	    "%s: %d of %d sessions held; %d of %d past the limit got the "
	    "refuse-message, counted refused-fork", sc->name, n, PIDS_KIDS,
	    told, PIDS_KNOCKS);
	check(sc->ticks <= 10, "%s: supervisor CPU %ld ticks through the "
	    "refusals and 1 s after (no spin)", sc->name, sc->ticks);
	/*
	 * The limit lifted: the service goes on.  (Under it, probes' exiting
	 * children, zombies until reaped, would count against pids.max.)
	 */
	close_fds(held, n);
	n = 0;
	check(soak_quiesce(s) == 0 && write_text(path, "max\n") == 0,
	    "%s: children gone, pids.max lifted", sc->name);
	probe_start(&pr, s, "127.0.23.3", s->okd.port, "OK", NULL);
	nap(1000);
	probe_stop(&pr, sc);
	snprintf(sc->note, sizeof(sc->note), "pids.max %d: %d of %d refused "
	    "with the message", 1 + PIDS_KIDS, told, PIDS_KNOCKS);
	finish(s, sc, 1);
	goto out;
fail:
	check(0, "%s: okd moved into %s with pids.max: %s", sc->name, dir,
	    strerror(errno));
	soak_stop(s, 0);
out:
	/* Empty once okd is gone. */
	if (rmdir(dir) == -1)
		printf("note: cannot remove %s: %s\n", dir, strerror(errno));
}

/* The text of s's configuration with its reply set to reply. */
static void
conf_reply(struct soak *s, char *out, size_t len, const char *reply)
{
	snprintf(out, len, "listen 127.0.0.1:%d\nreply \"%s\"\n"
	    "log-level notice\n", s->okd.port, reply);
}

/* Waits for the n-th reload (the reloads counter); 0 once it is done. */
static int
reloaded(struct soak *s, int n)
{
	long	end = now_ms() + 5000;

	while (now_ms() < end) {
		if (okd_log_count(&s->okd, "reload failed") > 0)
			return -1;
		if (okd_stat(&s->okd, "reloads") >= n)
			return 0;
		nap(50);
	}
	return -1;
}

/* A ConfigMap version: dir/name/okd.conf holding text; 1 when made. */
static int
conf_version(const char *dir, const char *name, const char *text)
{
	char	path[200];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (mkdir(path, 0755) == -1)
		return 0;
	snprintf(path, sizeof(path), "%s/%s/okd.conf", dir, name);
	return write_text(path, text) == 0;
}

/*
 * 4. The Kubernetes ConfigMap layout: okd.conf -> ..data/okd.conf, ..data
 * -> ..v1, swapped to ..v2 and ..v1 removed; SIGHUP reloads the new file
 * while good clients run, and the new reply is seen.
 */
static void
symlink_swap(struct soak *s, struct scenario *sc)
{
	struct probe	pr;
	char		text[256], a[200], b[200];
	const char	*dir;
	int		ok = 1;
	long		end;

	if (begin(s, sc, "4 symlink swap", "listen 127.0.0.1:%PORT%\n"
	    "reply \"V1\"\nlog-level notice\n", NULL) == -1)
		return;
	dir = s->okd.dir;
	probe_start(&pr, s, "127.0.24.1", s->okd.port, "V1", "V2");
	conf_reply(s, text, sizeof(text), "V1");
	ok &= conf_version(dir, "..v1", text);
	snprintf(a, sizeof(a), "%s/..data", dir);
	ok &= symlink("..v1", a) == 0;
	snprintf(a, sizeof(a), "%s/okd.conf.new", dir);
	ok &= symlink("..data/okd.conf", a) == 0;
	ok &= rename(a, s->okd.conf) == 0;
	kill(s->pid, SIGHUP);
	ok &= reloaded(s, 1) == 0;
	check(ok, "%s: okd.conf -> ..data/okd.conf -> ..v1 reloaded", sc->name);

	conf_reply(s, text, sizeof(text), "V2");
	ok &= conf_version(dir, "..v2", text);
	snprintf(a, sizeof(a), "%s/..data_tmp", dir);
	ok &= symlink("..v2", a) == 0;
	snprintf(b, sizeof(b), "%s/..data", dir);
	ok &= rename(a, b) == 0;
	snprintf(a, sizeof(a), "%s/..v1/okd.conf", dir);
	ok &= unlink(a) == 0;
	snprintf(a, sizeof(a), "%s/..v1", dir);
	ok &= rmdir(a) == 0;
	sc->ticks = proc_cpu_ticks(s->pid);
	kill(s->pid, SIGHUP);
	ok &= reloaded(s, 2) == 0;
	/* A connection made after the reload has the new reply. */
	end = now_ms() + 3000;
	while (pr.seen[1] == 0 && now_ms() < end)
		nap(20);
	sc->ticks = proc_cpu_ticks(s->pid) - sc->ticks;
	sc->wait_ms = 0;
	probe_stop(&pr, sc);
	check(ok && pr.seen[1] > 0, "%s: ..data swapped to ..v2, ..v1 removed, "
	    "SIGHUP: the new reply seen", sc->name);
	snprintf(sc->note, sizeof(sc->note), "replies V1 %ld, V2 %ld; %d "
	    "reloads failed", (long)pr.seen[0], (long)pr.seen[1],
	    okd_log_count(&s->okd, "reload failed"));
	finish(s, sc, 1);
}

/* The pid of the child serving our connection fd; -1 if none found. */
static pid_t
child_of(struct soak *s, int fd, const char *src)
{
	static pid_t		kids[1024];
	static char		st[1024];
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);
	unsigned long		key, want;
	int			i, n;

	if (getsockname(fd, (struct sockaddr *)&sin, &len) == -1)
		return -1;
	want = peer_key(src, ntohs(sin.sin_port));
	n = proc_children(s->pid, kids, st, 1024);
	for (i = 0; i < n; i++)
		if (st[i] != 'Z' && proc_title_peer(kids[i], &key) == 0 &&
		    key == want)
			return kids[i];
	return -1;
}

/* A session answers a byte with its reply; 0 if it did. */
static int
alive(int fd)
{
	char	buf[2];

	if (send(fd, "a", 1, MSG_NOSIGNAL) != 1 ||
	    read_exact(fd, buf, 2, REPLY_MS) == -1)
		return -1;
	return memcmp(buf, "OK", 2) == 0 ? 0 : -1;
}

/*
 * 5. SIGHUP and SIGUSR1 sent to every child of okd while it serves: every
 * session survives them.  SIGTERM to one child ends its session, with
 * reason=shutdown, and no other.
 */
static void
child_signals(struct soak *s, struct scenario *sc)
{
	static pid_t	kids[1024];
	static char	st[1024];
	const int	sigs[] = { SIGHUP, SIGUSR1 };
	struct probe	pr;
	int		held[SIG_HELD], i, j, n = 0, k, survived = 0;
	int		sent = 0;
	pid_t		victim;

	if (begin(s, sc, "5 child signals", "listen 127.0.0.1:%PORT%\n"
	    "log-level info\n", NULL) == -1)
		return;
	for (i = 0; i < SIG_HELD; i++)
		if ((held[n] = soak_connect("127.0.25.1", s->okd.port, 0)) !=
		    -1 && soak_hello(held[n]) == 0)
			n++;
	probe_start(&pr, s, "127.0.25.2", s->okd.port, "OK", NULL);
	nap(200);
	sc->ticks = proc_cpu_ticks(s->pid);
	for (j = 0; j < 2; j++) {
		k = proc_children(s->pid, kids, st, 1024);
		for (i = 0; i < k; i++)
			if (st[i] != 'Z' && kill(kids[i], sigs[j]) == 0)
				sent++;
		nap(100);
	}
	for (i = 0; i < n; i++)
		if (alive(held[i]) == 0)
			survived++;
	check(n == SIG_HELD && survived == n, "%s: %d of %d sessions "
	    "survived SIGHUP and SIGUSR1 (%d signals sent to children)",
	    sc->name, survived, SIG_HELD, sent);
	victim = n > 0 ? child_of(s, held[0], "127.0.25.1") : -1;
	if (victim > 0)
		kill(victim, SIGTERM);
	check(victim > 0 && expect_eof(held[0], 3000) == 0 &&
	    okd_log_wait(&s->okd, "reason=shutdown", 3000) == 0,
	    "%s: SIGTERM to child %ld ended its session, reason=shutdown",
	    sc->name, (long)victim);
	for (i = 1, survived = 0; i < n; i++)
		if (alive(held[i]) == 0)
			survived++;
	check(survived == n - 1, "%s: the %d other sessions still answer",
	    sc->name, survived);
	sc->ticks = proc_cpu_ticks(s->pid) - sc->ticks;
	probe_stop(&pr, sc);
	close_fds(held, n);
	check(okd_log_count(&s->okd, "killed by signal") == 0, "%s: no child "
	    "logged as killed by a signal", sc->name);
	snprintf(sc->note, sizeof(sc->note), "%d signals to children, 1 "
	    "SIGTERM", sent);
	finish(s, sc, 1);
}

/*
 * 6. The shipped defaults (fair-share on): eight slow sources each hold
 * max-per-source sessions, a byte every 2 s; a ninth source is served
 * within a second, one of theirs ended to make room.
 */
static void
slow_sources(struct soak *s, struct scenario *sc)
{
	static int	fds[GROUPS * PER_GROUP];
	char		src[16], buf[2];
	int		g, i, n = 0, fd, round, lost = 0;
	long		t0, took = -1;

	if (begin(s, sc, "6 slow sources", "listen 127.0.0.1:%PORT%\n", NULL)
	    == -1)
		return;
	for (g = 0; g < GROUPS; g++) {
		snprintf(src, sizeof(src), "127.0.26.%d", g + 1);
		for (i = 0; i < PER_GROUP; i++)
			if ((fds[n] = soak_connect(src, s->okd.port, 0)) !=
			    -1 && soak_hello(fds[n]) == 0)
				n++;
			else if (fds[n] != -1)
				close(fds[n]);
	}
	t0 = proc_cpu_ticks(s->pid);
	for (round = 0; round < 2; round++) {
		nap(2000);
		for (i = 0; i < n; i++)
			if (fds[i] != -1 && alive(fds[i]) == -1) {
				close(fds[i]);
				fds[i] = -1;
				lost++;
			}
	}
	sc->ticks = proc_cpu_ticks(s->pid) - t0;
	sc->wait_ms = 4000;
	t0 = now_ms();
	if ((fd = soak_connect("127.0.26.9", s->okd.port, 0)) != -1 &&
	    soak_hello(fd) == 0) {
		took = now_ms() - t0;
		if (send(fd, "x", 1, 0) == 1 &&
		    read_exact(fd, buf, 2, 1000) == 0)
			sc->good_ok++;
		else
			sc->good_fail++;
	} else
		sc->good_fail++;
	if (fd != -1)
		close(fd);
	check(n == GROUPS * PER_GROUP && lost == 0, "%s: %d of %d sessions "
	    "held by %d sources, %d lost while slow", sc->name, n,
	    GROUPS * PER_GROUP, GROUPS, lost);
	check(took >= 0 && took < 1000, "%s: a ninth source served in %ld ms "
	    "(want < 1000)", sc->name, took);
	check(okd_stat(&s->okd, "evicted") == 1, "%s: one session evicted "
	    "for it", sc->name);
	check(sc->ticks <= 10, "%s: supervisor CPU %ld ticks over 4 s of slow "
	    "clients", sc->name, sc->ticks);
	close_fds(fds, n);
	snprintf(sc->note, sizeof(sc->note), "%d held, ninth served in %ld ms",
	    n, took);
	finish(s, sc, 1);
}

/*
 * 7. A client that floods and never reads is ended at the shipped
 * max-session-bytes, reason=max-bytes, while good clients are served.
 */
static void
flood_never_reads(struct soak *s, struct scenario *sc)
{
	static char	chunk[65536];
	struct probe	pr;
	long		sent = 0, t0, deadline;
	ssize_t		r;
	int		fd, ended = 0, iter;

	if (begin(s, sc, "7 flood no read", "listen 127.0.0.1:%PORT%\n"
	    "log-level info\n", NULL) == -1)
		return;
	probe_start(&pr, s, "127.0.27.1", s->okd.port, "OK", NULL);
	memset(chunk, 'f', sizeof(chunk));
	t0 = now_ms();
	deadline = t0 + 20000;
	if ((fd = soak_connect("127.0.27.2", s->okd.port, 0)) == -1)
		sc->good_fail++;
	for (iter = 0; fd != -1 && iter < 1000000 && now_ms() < deadline;
	    iter++) {
		r = send(fd, chunk, sizeof(chunk), MSG_DONTWAIT | MSG_NOSIGNAL);
		if (r > 0)
			sent += r;
		else if (r == -1 && errno != EAGAIN) {
			ended = 1;
			break;
		} else if (okd_log_count(&s->okd, "reason=max-bytes") > 0) {
			ended = 1;
			break;
		} else
			nap(1);
	}
	if (fd != -1)
		close(fd);
	probe_stop(&pr, sc);
	check(ended && okd_log_wait(&s->okd, "reason=max-bytes", 3000) == 0,
	    "%s: the flood was ended, reason=max-bytes, after %ld MB sent "
	    "in %ld ms", sc->name, sent >> 20, now_ms() - t0);
	sc->ticks = ticks_over(s, 1000);
	sc->wait_ms = 1000;
	check(sc->ticks <= 3, "%s: supervisor CPU %ld ticks over 1 s after",
	    sc->name, sc->ticks);
	snprintf(sc->note, sizeof(sc->note), "ended after %ld MB in %ld ms",
	    sent >> 20, now_ms() - t0 - 1000);
	finish(s, sc, 1);
}

/* Open descriptors of pid, from /proc/PID/fd. */
static int
open_fds(pid_t pid)
{
	int	fd, n = 0;

	char	path[64];

	for (fd = 0; fd < NOFILE; fd++) {
		snprintf(path, sizeof(path), "/proc/%ld/fd/%d", (long)pid, fd);
		if (access(path, F_OK) == 0)
			n++;
	}
	return n;
}

/*
 * 8. Out of descriptors: RLIMIT_NOFILE set before exec (the supervisor
 * keeps it after giving up root), every descriptor taken by pending PROXY
 * headers, so accept fails with EMFILE.  Clients wait in the backlog, the
 * supervisor rests and logs it rate-limited; once the held connections
 * close, the waiting clients are served.
 */
static void
out_of_fds(struct soak *s, struct scenario *sc)
{
	static int	held[NOFILE + EXTRA];
	struct okd_opts	o = { NOFILE, 0 };
	struct pollfd	pfd;
	char		conf[256], buf[2];
	int		pport = okdtest_port(), w[WAITERS], i, n = 0, want;
	int		queued = 0, served = 0, lines;

	snprintf(conf, sizeof(conf), "listen 127.0.0.1:%%PORT%%\n"
	    "listen 127.0.0.1:%d proxy-protocol\nproxy-from 127.0.0.0/8\n"
	    "proxy-timeout 60s\nlog-level notice\n", pport);
	if (begin(s, sc, "8 out of fds", conf, &o) == -1)
		return;
	want = NOFILE - open_fds(s->pid) + EXTRA;
	for (i = 0; i < want && i < NOFILE + EXTRA; i++)
		if ((held[n] = partial_header("127.0.28.1", pport)) != -1)
			n++;
	check(okd_log_wait(&s->okd, "accept: Too many open files", 3000) == 0,
	    "%s: accept failed with EMFILE under RLIMIT_NOFILE %d", sc->name,
	    NOFILE);
	for (i = 0; i < WAITERS; i++)
		if ((w[i] = soak_connect("127.0.28.2", s->okd.port, 0)) != -1)
			(void)send(w[i], "w", 1, MSG_NOSIGNAL);
	sc->ticks = ticks_over(s, HOLD_MS);
	sc->wait_ms = HOLD_MS;
	for (i = 0; i < WAITERS; i++) {
		pfd.fd = w[i];
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (w[i] != -1 && poll(&pfd, 1, 0) == 0)
			queued++;
	}
	lines = okd_log_count(&s->okd, "accept: Too many open files");
	close_fds(held, n);
	for (i = 0; i < WAITERS; i++) {
		if (w[i] != -1 && read_exact(w[i], buf, 2, REPLY_MS) == 0 &&
		    memcmp(buf, "OK", 2) == 0)
			served++;
		if (w[i] != -1)
			close(w[i]);
	}
	sc->good_ok += served;
	sc->good_fail += WAITERS - served;
	check(queued == WAITERS, "%s: %d of %d clients waited in the backlog, "
	    "neither reset nor answered", sc->name, queued, WAITERS);
	check(sc->ticks <= 5, "%s: supervisor CPU %ld ticks over %ld ms with "
	    "no descriptor (no spin)", sc->name, sc->ticks, sc->wait_ms);
	check(lines >= 1 && lines <= 2 + HOLD_MS / 1000, "%s: the accept error "
	    "logged %d times in %ld ms (rate-limited)", sc->name, lines,
	    sc->wait_ms);
	check(served == WAITERS, "%s: %d of %d waiting clients served once "
	    "descriptors came back", sc->name, served, WAITERS);
	snprintf(sc->note, sizeof(sc->note), "%d headers held, %d accept lines "
	    "in 3 s", n, lines);
	finish(s, sc, 1);
}

/* Every scenario, in order; figures into sc[0..SCENARIOS-1]. */
void
scenarios_run(struct soak *s, struct scenario *sc)
{
	static void	(*const run[SCENARIOS])(struct soak *,
			    struct scenario *) = {
		partial_proxy, unread_stderr, pids_limit, symlink_swap,
		child_signals, slow_sources, flood_never_reads, out_of_fds,
	};
	int		i;

	for (i = 0; i < SCENARIOS; i++) {
		printf("soak: scenario %d\n", i + 1);
		run[i](s, &sc[i]);
	}
}

/* The per-scenario table. */
void
scenarios_table(const struct scenario *sc)
{
	int	i;

	printf("\n| %-17s | %-11s | %-14s | %-7s | %-13s | %s\n", "scenario",
	    "good ok/bad", "CPU ticks/wait", "zombies", "RSS kB start/end",
	    "note");
	for (i = 0; i < SCENARIOS; i++) {
		if (sc[i].name == NULL)
			continue;
		printf("| %-17s | %5ld/%-5ld | %4ld / %5ld ms | %-7ld | "
		    "%6ld / %-6ld | %s\n", sc[i].name, sc[i].good_ok,
		    sc[i].good_fail, sc[i].ticks, sc[i].wait_ms, sc[i].zombies,
		    sc[i].rss0, sc[i].rss1, sc[i].note);
	}
}
