/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for log.c: the stderr line format, levels, event lines, a
 * sink that stops reading (lines dropped, counted, then told), the rate
 * limiter, escaping of peer bytes, and that a line costs no fstat(2).
 * Each case runs in a forked child with its own stderr.
 */
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bsd/stdlib.h>

#include <cmocka.h>
#include <seccomp.h>

#include "log.h"
#include "okdtest.h"
#include "unitassert.h"

#define OUT_MAX	8192

/* Valgrind's own calls would trip a filter: skip what loads one. */
static int
under_valgrind(void)
{
	const char	*p = getenv("LD_PRELOAD");

	return p != NULL && strstr(p, "vgpreload") != NULL;
}

/* Runs fn in a child with its own stderr; what it wrote in out. */
static int
run_logged(int (*fn)(void), char *out, size_t outsz)
{
	int	st;

	assert_true((st = run_with_stderr(fn, out, outsz)) != -1);
	return st;
}

static int
write_levels(void)
{
	log_init(LOG_TARGET_STDERR, LOG_INFO, 1);
	log_info("info %d", 1);
	log_debug("debug hidden");
	log_warnx("warn %s", "x");
	errno = ECONNRESET;
	log_warn("recv");
	log_setlevel(LOG_DEBUG);
	log_debug("debug shown");
	return log_enabled(LOG_DEBUG) ? 0 : 1;
}

/* Each line is "okd[pid]: message"; levels below the set one vanish. */
static void
test_stderr_lines(void **state)
{
	char	 out[OUT_MAX], want[OUT_MAX];
	int	 st;

	(void)state;
	st = run_logged(write_levels, out, sizeof(out));
	assert_exit0(st);
	/* The child's pid is not known here: compare from the first ']'. */
	assert_non_null(strstr(out, "]: info 1\n"));
	assert_non_null(strstr(out, "]: warn x\n"));
	assert_non_null(strstr(out, "]: recv: Connection reset by peer\n"));
	assert_non_null(strstr(out, "]: debug shown\n"));
	assert_null(strstr(out, "debug hidden"));
	snprintf(want, sizeof(want), "%s[", getprogname());
	assert_int_equal(strncmp(out, want, strlen(want)), 0);
}

static int
write_event(void)
{
	struct log_field	 f[] = {
		{ "peer", "127.0.0.1:5" }, { "reason", "eof" }
	};

	log_init(LOG_TARGET_STDERR, LOG_INFO, 1);
	log_event(LOG_INFO, "close", f, 2);
	log_event(LOG_DEBUG, "hidden", f, 2);
	return 0;
}

/* An event is its verb and key=value pairs, in order, on one line. */
static void
test_event_line(void **state)
{
	char	 out[OUT_MAX];

	(void)state;
	assert_exit0(run_logged(write_event, out, sizeof(out)));
	assert_non_null(strstr(out, "]: close peer=127.0.0.1:5 reason=eof\n"));
	assert_null(strstr(out, "hidden"));
}

/*
 * A pipe nobody reads: lines are dropped and counted, never waited for;
 * once the pipe takes lines again, the loss is told first.
 */
static int
fill_pipe(void)
{
	char	 buf[65536];
	int	 p[2], i;
	uint64_t dropped;

	if (pipe(p) == -1 || dup2(p[1], STDERR_FILENO) == -1)
		return 2;
	log_init(LOG_TARGET_STDERR, LOG_INFO, 1);
	/* A bounded number of lines, well over what a pipe buffer holds. */
	for (i = 0; i < 20000; i++)
		log_info("line %d, padded to fill the pipe sooner %0100d", i, 0);
	if ((dropped = log_dropped()) == 0)
		return 3;
	(void)fcntl(p[0], F_SETFL, O_NONBLOCK);
	while (read(p[0], buf, sizeof(buf)) > 0)
		;
	log_info("after");
	if ((size_t)read(p[0], buf, sizeof(buf) - 1) > sizeof(buf))
		return 4;
	buf[sizeof(buf) - 1] = '\0';
	if (strstr(buf, "log lines dropped") == NULL)
		return 5;
	if (strstr(buf, "]: after\n") == NULL)
		return 6;
	return 0;
}

static void
test_full_sink_drops(void **state)
{
	char	 out[OUT_MAX];

	(void)state;
	assert_exit0(run_logged(fill_pipe, out, sizeof(out)));
}

/*
 * Counting what a line costs: after log_init a line makes no fstat(2)
 * (nor newfstatat or statx); a filter kills the child if one does.
 */
static int
lines_without_stat(void)
{
	scmp_filter_ctx	 ctx;
	int		 i;

	log_init(LOG_TARGET_STDERR, LOG_INFO, 1);
	if ((ctx = seccomp_init(SCMP_ACT_ALLOW)) == NULL)
		return 2;
	if (seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, SCMP_SYS(fstat), 0) ||
	    seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS,
	    SCMP_SYS(newfstatat), 0) ||
	    seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, SCMP_SYS(statx), 0) ||
	    seccomp_load(ctx) != 0)
		return 3;
	seccomp_release(ctx);
	for (i = 0; i < 10; i++)
		log_info("line %d", i);
	return 0;
}

static void
test_line_costs_no_stat(void **state)
{
	char	 out[OUT_MAX];

	(void)state;
	if (under_valgrind()) {
		print_message("skipped: valgrind's own calls trip the filter\n");
		skip();
	}
	assert_exit0(run_logged(lines_without_stat, out, sizeof(out)));
	assert_non_null(strstr(out, "]: line 9\n"));
}

/* After a detach's dup2, lines follow the new stderr once told. */
static int
follow_new_stderr(void)
{
	char	 path[] = "/tmp/okd-test-log2-XXXXXX";
	char	 buf[256];
	ssize_t	 n;
	int	 fd;

	log_init(LOG_TARGET_STDERR, LOG_INFO, 1);
	if ((fd = mkstemp(path)) == -1)
		return 2;
	(void)unlink(path);
	if (dup2(fd, STDERR_FILENO) == -1)
		return 3;
	log_stderr_replaced();
	log_info("to the new one");
	if ((n = pread(fd, buf, sizeof(buf) - 1, 0)) <= 0)
		return 4;
	buf[n] = '\0';
	return strstr(buf, "]: to the new one\n") != NULL ? 0 : 5;
}

static void
test_stderr_replaced(void **state)
{
	char	 out[OUT_MAX];

	(void)state;
	assert_exit0(run_logged(follow_new_stderr, out, sizeof(out)));
	assert_null(strstr(out, "to the new one"));
}

/* At most one line a second; what was held back is handed over. */
static void
test_limiter(void **state)
{
	struct log_limiter	 rl = { { 0, 0 }, 0 };
	struct timespec		 t = { 100, 0 };
	unsigned long		 held = 99;

	(void)state;
	assert_int_equal(log_limit(&rl, &t, &held), 1);
	assert_int_equal(held, 0);
	t.tv_nsec = 500000000;
	assert_int_equal(log_limit(&rl, &t, &held), 0);
	t.tv_nsec = 999999999;
	assert_int_equal(log_limit(&rl, &t, &held), 0);
	t.tv_sec = 101;
	t.tv_nsec = 0;
	assert_int_equal(log_limit(&rl, &t, &held), 1);
	assert_int_equal(held, 2);
	t.tv_sec = 102;
	assert_int_equal(log_limit(&rl, &t, &held), 1);
	assert_int_equal(held, 0);
}

/* Peer bytes: control bytes, quotes and NUL escaped, at most 64 taken. */
static void
test_escape(void **state)
{
	char		 dst[4 * LOG_PEER_BYTES + 1];
	const char	 in[] = { 'a', '\n', '"', '\0', '\x7f', 'b' };
	char		 big[200];
	size_t		 n;

	(void)state;
	n = log_escape(dst, sizeof(dst), in, sizeof(in));
	assert_string_equal(dst, "a\\n\\\"\\0\\177b");
	assert_int_equal(n, strlen(dst));
	memset(big, 'x', sizeof(big));
	n = log_escape(dst, sizeof(dst), big, sizeof(big));
	assert_int_equal(n, LOG_PEER_BYTES);
	assert_int_equal(log_escape(dst, 0, in, sizeof(in)), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stderr_lines),
		cmocka_unit_test(test_event_line),
		cmocka_unit_test(test_full_sink_drops),
		cmocka_unit_test(test_line_costs_no_stat),
		cmocka_unit_test(test_stderr_replaced),
		cmocka_unit_test(test_limiter),
		cmocka_unit_test(test_escape),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
