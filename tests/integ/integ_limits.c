/* SPDX-License-Identifier: ISC */
/*
 * Integration tests of the real build/okd at its limits: fair share when a
 * few sources hold every child, a fork that fails under a pids limit (the
 * client is told, counted, and the service keeps going), and PROXY headers
 * that stop half-way (no CPU spent waiting, a close seen at once), and
 * a supervisor out of descriptors (clients wait in the backlog, no spin).
 */

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <dirent.h>
#include <poll.h>

#include "okdtest.h"

#define GROUPS		8
#define PER_GROUP	32	/* the shipped max-per-source */

static int
teardown(void **state)
{
	int	r = okd_cleanup(*state);

	free(*state);
	return r;
}

static struct okd_proc *
start(void **state, const char *conf)
{
	struct okd_proc	*p = calloc(1, sizeof(*p));

	*state = p;
	assert_int_equal(okd_start(p, conf, NULL), 0);
	return p;
}

/* Eight sources fill the shipped max-children, 32 sessions each. */
static void
fill(struct okd_proc *p, int fds[GROUPS][PER_GROUP])
{
	char	src[32];
	int	g, i;

	for (g = 0; g < GROUPS; g++) {
		snprintf(src, sizeof(src), "127.0.1.%d", g + 1);
		for (i = 0; i < PER_GROUP; i++) {
			fds[g][i] = okd_served_from(p, src);
			assert_true(fds[g][i] >= 0);
		}
	}
}

static void
close_all(int fds[GROUPS][PER_GROUP])
{
	int	g, i;

	for (g = 0; g < GROUPS; g++)
		for (i = 0; i < PER_GROUP; i++)
			if (fds[g][i] >= 0)
				close(fds[g][i]);
}

/*
 * With the shipped defaults, eight sources holding all 256 children do
 * not shut a ninth out: it is served within a second, and the oldest
 * session of a biggest group is ended to make room.
 */
static void
test_fair_share_serves_a_ninth_source(void **state)
{
	struct okd_proc	*p = start(state, "listen 127.0.0.1:%PORT%\n");
	int		 fds[GROUPS][PER_GROUP], fd, g, ended = 0;
	long		 t0;

	fill(p, fds);
	assert_int_equal(okd_stat(p, "active"), GROUPS * PER_GROUP);
	t0 = now_ms();
	fd = okd_served_from(p, "127.0.1.9");
	assert_true(fd >= 0);
	assert_true(now_ms() - t0 < 1000);
	assert_int_equal(okd_log_wait(p, "evict pid=", 3000), 0);
	/* The evicted one is a first session of some group: it sees EOF. */
	for (g = 0; g < GROUPS; g++)
		if (expect_eof(fds[g][0], g == 0 ? 3000 : 100) == 0)
			ended++;
	assert_int_equal(ended, 1);
	assert_int_equal(okd_stat(p, "evicted"), 1);
	assert_int_equal(okd_stat(p, "refused-max-children"), 0);
	assert_int_equal(roundtrip(fd, "y"), 0);
	close(fd);
	close_all(fds);
}

/* fair-share no: the ninth source is refused, as before. */
static void
test_fair_share_off_refuses(void **state)
{
	struct okd_proc	*p = start(state, "listen 127.0.0.1:%PORT%\n"
			    "refuse-message \"busy\"\n");
	int		 fds[GROUPS][PER_GROUP], fd;
	char		 buf[8], conf[128];

	fill(p, fds);
	snprintf(conf, sizeof(conf), "listen 127.0.0.1:%d\n"
	    "refuse-message \"busy\"\nfair-share no\n", p->port);
	okd_write_conf(p, conf);
	kill(p->pid, SIGHUP);
	assert_int_equal(okd_log_wait(p, "reloaded", 3000), 0);
	fd = tcp_connect_from("127.0.1.9", "127.0.0.1", p->port);
	assert_true(fd >= 0);
	assert_int_equal(read_exact(fd, buf, 4, 3000), 0);
	assert_memory_equal(buf, "busy", 4);
	assert_int_equal(expect_eof(fd, 3000), 0);
	close(fd);
	assert_int_equal(okd_stat(p, "evicted"), 0);
	assert_int_equal(okd_stat(p, "refused-max-children"), 1);
	close_all(fds);
}

/* Writes the number v as the whole of dir/name; 0, or -1 with errno. */
static int
write_number(const char *dir, const char *name, long v)
{
	char	path[256], text[32];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(text, sizeof(text), "%ld\n", v);
	return write_text(path, text);
}

/* The pids group of the test below, removed whatever way the test ends. */
static char	pids_dir[128];

static int
teardown_pids(void **state)
{
	int	r = teardown(state);
	long	end = now_ms() + 3000;

	/* The last children may still be exiting: bounded, 3 s. */
	while (pids_dir[0] != '\0' && rmdir(pids_dir) == -1 &&
	    errno == EBUSY && now_ms() < end)
		usleep(10000);
	pids_dir[0] = '\0';
	return r;
}

/*
 * Under a pids limit of four (the supervisor and three children), a
 * fourth client gets the refuse-message and is counted as refused-fork;
 * the supervisor does not spin, and serves again once a child is gone.
 */
static void
test_fork_failure_under_pids_limit(void **state)
{
	struct okd_proc	*p;
	char		 dir[128], buf[8];
	int		 held[3], fd, i;

	if (geteuid() != 0 || pids_group("test", dir, sizeof(dir)) == -1) {
		printf("skip: needs root and a pids cgroup controller\n");
		skip();
	}
	snprintf(pids_dir, sizeof(pids_dir), "%s", dir);
	p = start(state, "listen 127.0.0.1:%PORT%\nrefuse-message \"busy\"\n");
	assert_int_equal(write_number(dir, "cgroup.procs", (long)p->pid), 0);
	assert_int_equal(write_number(dir, "pids.max", 4), 0);
	for (i = 0; i < 3; i++) {
		held[i] = okd_served_from(p, "127.0.0.1");
		assert_true(held[i] >= 0);
	}
	for (i = 0; i < 3; i++) {
		fd = tcp_connect("127.0.0.1", p->port);
		assert_true(fd >= 0);
		assert_int_equal(read_exact(fd, buf, 4, 3000), 0);
		assert_memory_equal(buf, "busy", 4);
		assert_int_equal(expect_eof(fd, 3000), 0);
		close(fd);
	}
	assert_int_equal(okd_stat(p, "refused-fork"), 3);
	assert_int_equal(okd_stat(p, "fork-failures"), 3);
	assert_int_equal(okd_log_wait(p, "reason=fork", 3000), 0);
	close(held[0]);
	assert_int_equal(okd_log_wait(p, "reason=eof", 3000), 0);
	fd = okd_served_from(p, "127.0.0.1");
	assert_true(fd >= 0);
	close(fd);
	close(held[1]);
	close(held[2]);
	/* Out of the group, so that teardown_pids() can remove it. */
	assert_int_equal(okd_stop(p), 0);
}

#define PROXY_CONF	"listen 127.0.0.1:%PORT% proxy-protocol\n" \
			"proxy-from 127.0.0.0/8\n"

/* utime + stime of pid in clock ticks, from /proc/PID/stat. */
static long
cpu_ticks(pid_t pid)
{
	unsigned long long	v[16];

	if (proc_stat(pid, v, 15) == -1)
		return -1;
	return (long)(v[14] + v[15]);
}

/*
 * A client that sends half a PROXY header and waits costs the supervisor
 * no CPU: the bytes taken so far are consumed, so its socket is quiet.
 */
static void
test_partial_header_costs_nothing(void **state)
{
	struct okd_proc	*p = start(state, PROXY_CONF);
	long		 before, after, end;
	int		 fd, fds[20], i;

	for (i = 0; i < 20; i++) {
		fds[i] = tcp_connect("127.0.0.1", p->port);
		assert_true(fds[i] >= 0);
		assert_int_equal(send(fds[i], "PROXY TCP4 1.2.3.4", 18, 0), 18);
	}
	before = cpu_ticks(p->pid);
	assert_true(before >= 0);
	end = now_ms() + 3000;
	while (now_ms() < end)
		usleep(100000);
	after = cpu_ticks(p->pid);
	assert_true(after - before <= 5);
	/* A plain client still gets in past them, header and all. */
	fd = tcp_connect("127.0.0.1", p->port);
	assert_true(fd >= 0);
	assert_int_equal(send(fd, "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n", 32, 0),
	    32);
	assert_int_equal(roundtrip(fd, "x"), 0);
	close(fd);
	for (i = 0; i < 20; i++)
		close(fds[i]);
}

/* A close after half a header is refused at once, not at proxy-timeout. */
static void
test_close_after_partial_header(void **state)
{
	struct okd_proc	*p = start(state, PROXY_CONF "proxy-timeout 30s\n");
	long		 t0;
	int		 fd;

	fd = tcp_connect("127.0.0.1", p->port);
	assert_true(fd >= 0);
	assert_int_equal(send(fd, "PROXY TCP4 1.2", 14, 0), 14);
	t0 = now_ms();
	close(fd);
	assert_int_equal(okd_log_wait(p, "closed before the header ended",
	    1000), 0);
	assert_true(now_ms() - t0 < 1000);
	assert_int_equal(okd_stat(p, "refused-proxy"), 1);
}

/*
 * A client that floods and never reads is ended once it has sent
 * max-session-bytes, with reason max-bytes: 4 MB offered, 1 MB allowed.
 */
static void
test_flood_is_bounded(void **state)
{
	struct okd_proc	*p = start(state, "listen 127.0.0.1:%PORT%\n"
			    "max-session-bytes 1m\n");
	static char	 chunk[65536];
	char		*log, *at;
	long		 in;
	size_t		 sent = 0;
	ssize_t		 n;
	long		 end = now_ms() + 10000;
	int		 fd;

	fd = tcp_connect("127.0.0.1", p->port);
	assert_true(fd >= 0);
	memset(chunk, 'x', sizeof(chunk));
	while (sent < 4 * 1024 * 1024 && now_ms() < end) {
		n = send(fd, chunk, sizeof(chunk), MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0)
			sent += (size_t)n;
		else if (n == -1 && errno != EAGAIN)
			break;
		else
			usleep(1000);
	}
	assert_int_equal(okd_log_wait(p, "reason=max-bytes", 5000), 0);
	/* It read the bound, and at most one recv-buffer past it. */
	log = okd_log_read(p);
	at = strstr(log, " in=");
	assert_non_null(at);
	in = strtol(at + 4, NULL, 10);
	free(log);
	assert_true(in >= 1024 * 1024 && in < 1024 * 1024 + 1024);
	close(fd);
}

/* Open descriptors of pid, from /proc/PID/fd; -1 if it cannot be read. */
static int
open_fds(pid_t pid)
{
	struct dirent	*de;
	char		 path[64];
	DIR		*d;
	int		 n = 0;

	snprintf(path, sizeof(path), "/proc/%ld/fd", (long)pid);
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

#define NOFILE		24
#define EXTRA		4	/* partial headers left in the backlog */
#define WAITERS		3	/* plain clients queued behind them */

/*
 * A supervisor with every descriptor taken (RLIMIT_NOFILE set before exec;
 * it keeps it after dropping root) by pending PROXY headers: accept fails
 * with EMFILE.  Clients queue in the backlog, not reset; the supervisor
 * rests instead of spinning and says so a bounded number of times; once
 * the held connections close, the queued clients are served.
 */
static void
test_out_of_descriptors_waits(void **state)
{
	struct okd_proc	*p = calloc(1, sizeof(*p));
	struct okd_opts	 o = { NOFILE, 0 };
	struct pollfd	 pfd;
	char		 conf[256], buf[2];
	int		 held[NOFILE + EXTRA], waiters[WAITERS];
	int		 pport = okdtest_port(), nheld, i, lines;
	long		 t0, end;

	*state = p;
	snprintf(conf, sizeof(conf), "listen 127.0.0.1:%%PORT%%\n"
	    "listen 127.0.0.1:%d proxy-protocol\nproxy-from 127.0.0.0/8\n"
	    "proxy-timeout 60s\n", pport);
	assert_int_equal(okd_start_opts(p, conf, NULL, &o), 0);
	assert_true(open_fds(p->pid) > 0);
	nheld = NOFILE - open_fds(p->pid) + EXTRA;
	assert_true(nheld > EXTRA && nheld <= NOFILE + EXTRA);
	for (i = 0; i < nheld; i++) {
		held[i] = tcp_connect("127.0.0.1", pport);
		assert_true(held[i] >= 0);
		assert_int_equal(send(held[i], "PROXY TCP4 1.2", 14, 0), 14);
	}
	assert_int_equal(okd_log_wait(p, "accept: Too many open files", 3000),
	    0);
	for (i = 0; i < WAITERS; i++) {
		waiters[i] = tcp_connect("127.0.0.1", p->port);
		assert_true(waiters[i] >= 0);
		assert_int_equal(send(waiters[i], "x", 1, 0), 1);
	}
	t0 = cpu_ticks(p->pid);
	end = now_ms() + 3000;
	while (now_ms() < end)
		usleep(100000);
	/* No spin: a few ticks at most over 3 s. */
	assert_true(cpu_ticks(p->pid) - t0 <= 5);
	/* Queued, not reset or closed, and no reply yet. */
	for (i = 0; i < WAITERS; i++) {
		pfd.fd = waiters[i];
		pfd.events = POLLIN;
		pfd.revents = 0;
		assert_int_equal(poll(&pfd, 1, 0), 0);
	}
	/* Rate-limited: at most about one line a second of it. */
	lines = okd_log_count(p, "accept: Too many open files");
	assert_true(lines >= 1 && lines <= 6);
	assert_true(okd_stat(p, "accept-errors") >= 1);
	for (i = 0; i < nheld; i++)
		close(held[i]);
	for (i = 0; i < WAITERS; i++) {
		assert_int_equal(read_exact(waiters[i], buf, 2, 5000), 0);
		assert_memory_equal(buf, "OK", 2);
		close(waiters[i]);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_fair_share_serves_a_ninth_source,
		    teardown),
		cmocka_unit_test_teardown(test_fair_share_off_refuses,
		    teardown),
		cmocka_unit_test_teardown(test_fork_failure_under_pids_limit,
		    teardown_pids),
		cmocka_unit_test_teardown(test_partial_header_costs_nothing,
		    teardown),
		cmocka_unit_test_teardown(test_close_after_partial_header,
		    teardown),
		cmocka_unit_test_teardown(test_flood_is_bounded, teardown),
		cmocka_unit_test_teardown(test_out_of_descriptors_waits,
		    teardown),
	};

	return cmocka_run_group_tests_name("integ_limits", tests, NULL, NULL);
}
