/*
 * Integration tests of the real build/okd at its limits: fair share when a
 * few sources hold every child, and a fork that fails under a pids limit
 * (the client is told, counted, and the service keeps going).
 */

#include <errno.h>
#include <fcntl.h>
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

/* A session from src that has had its first OK; -1 if none came. */
static int
served_from(struct okd_proc *p, const char *src)
{
	int	fd = tcp_connect_from(src, "127.0.0.1", p->port);

	if (fd == -1)
		return -1;
	if (roundtrip(fd, "x") == -1) {
		close(fd);
		return -1;
	}
	return fd;
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
			fds[g][i] = served_from(p, src);
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
	fd = served_from(p, "127.0.1.9");
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

/* The pids controller's directory for a new group, or -1 without one. */
static int
pids_group(char *dir, size_t len)
{
	struct stat	st;

	if (stat("/sys/fs/cgroup/pids/cgroup.procs", &st) == 0)
		snprintf(dir, len, "/sys/fs/cgroup/pids/okd-test-%ld",
		    (long)getpid());
	else if (stat("/sys/fs/cgroup/cgroup.subtree_control", &st) == 0)
		snprintf(dir, len, "/sys/fs/cgroup/okd-test-%ld",
		    (long)getpid());
	else
		return -1;
	if (mkdir(dir, 0755) == -1 && errno != EEXIST)
		return -1;
	return 0;
}

static int
write_file(const char *dir, const char *name, long v)
{
	char	path[256], text[32];
	int	fd, n, r;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) == -1)
		return -1;
	n = snprintf(text, sizeof(text), "%ld\n", v);
	r = write(fd, text, (size_t)n) == n ? 0 : -1;
	close(fd);
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

	if (geteuid() != 0 || pids_group(dir, sizeof(dir)) == -1) {
		printf("skip: needs root and a pids cgroup controller\n");
		skip();
	}
	p = start(state, "listen 127.0.0.1:%PORT%\nrefuse-message \"busy\"\n");
	assert_int_equal(write_file(dir, "cgroup.procs", (long)p->pid), 0);
	assert_int_equal(write_file(dir, "pids.max", 4), 0);
	for (i = 0; i < 3; i++) {
		held[i] = served_from(p, "127.0.0.1");
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
	fd = served_from(p, "127.0.0.1");
	assert_true(fd >= 0);
	close(fd);
	close(held[1]);
	close(held[2]);
	/* Out of the group, so it can go. */
	assert_int_equal(okd_stop(p), 0);
	rmdir(dir);
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
		    teardown),
	};

	return cmocka_run_group_tests_name("integ_limits", tests, NULL, NULL);
}
