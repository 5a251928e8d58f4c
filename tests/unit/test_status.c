/* SPDX-License-Identifier: ISC */
/*
 * Unit tests of the supervisor's figures for people: the SIGUSR1 stats
 * line names every counter with its value whatever log-level says, and
 * the title sums refusals and names only the reasons that occurred.
 */

#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "admit.h"
#include "log.h"
#include "status.h"

static int	saved_err = -1;
static int	rd = -1;

/* stderr made a pipe this test reads: the stats line is one write to it. */
static int
setup(void **state)
{
	int	p[2];

	(void)state;
	if (pipe2(p, O_CLOEXEC) == -1)
		return -1;
	saved_err = dup(STDERR_FILENO);
	dup2(p[1], STDERR_FILENO);
	close(p[1]);
	rd = p[0];
	/* The quietest level: the stats line is written all the same. */
	log_init(LOG_TARGET_STDERR, LOG_ERR, 1);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	dup2(saved_err, STDERR_FILENO);
	close(saved_err);
	close(rd);
	return 0;
}

/* The one line written since the last call, NUL-ended, newline kept. */
static void
read_line(char *buf, size_t len)
{
	struct pollfd	pfd = { .fd = rd, .events = POLLIN };
	ssize_t		n;

	assert_int_equal(poll(&pfd, 1, 5000), 1);
	n = read(rd, buf, len - 1);
	assert_true(n > 0);
	buf[n] = '\0';
}

static void
test_refused_sum(void **state)
{
	struct counters	c;
	size_t		i;

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(status_refused(&c), 0);
	for (i = 0; i < REFUSE_NREASONS; i++)
		c.refused[i] = i + 1;
	assert_int_equal(status_refused(&c),
	    REFUSE_NREASONS * (REFUSE_NREASONS + 1) / 2);
}

/* Every field, in order, with its own value; a key never repeats. */
static void
test_report_fields(void **state)
{
	struct counters		c;
	struct status_now	now;
	char			line[2048], want[128];
	size_t			i;

	(void)state;
	memset(&c, 0, sizeof(c));
	c.accepted = 101;
	c.served = 90;
	c.refused[REFUSE_MAX_CHILDREN] = 3;
	c.refused[REFUSE_PER_SOURCE] = 4;
	c.refused[REFUSE_RATE] = 5;
	c.refused[REFUSE_ACCESS] = 6;
	c.refused[REFUSE_PROXY] = 7;
	c.refused[REFUSE_FORK] = 8;
	c.fork_failures = 8;
	c.accept_errors = 9;
	c.signaled = 10;
	c.violations = 11;
	c.failed = 12;
	c.reloads = 13;
	c.evicted = 14;
	c.health_checks = 15;
	now.active = 16;
	now.pending = 17;
	now.sources = 18;
	now.log_dropped = 0;
	status_report(&c, &now);
	read_line(line, sizeof(line));
	assert_non_null(strstr(line, "stats active=16 accepted=101 served=90 "
	    "refused=33 "));
	for (i = 0; i < REFUSE_NREASONS; i++) {
		snprintf(want, sizeof(want), " refused-%s=%zu ",
		    refuse_reason_name(i), i + 3);
		assert_non_null(strstr(line, want));
	}
	assert_non_null(strstr(line, " pending=17 sources=18 fork-failures=8 "
	    "accept-errors=9 signaled=10 violations=11 failed=12 reloads=13 "
	    "evicted=14 health-checks=15 log-dropped=0\n"));
	/* One line, one write. */
	assert_ptr_equal(strchr(line, '\n'), line + strlen(line) - 1);
}

/* Counters past 32 bits print whole. */
static void
test_report_large(void **state)
{
	struct counters		c;
	struct status_now	now;
	char			line[2048];

	(void)state;
	memset(&c, 0, sizeof(c));
	memset(&now, 0, sizeof(now));
	c.accepted = 18446744073709551615ULL;
	c.served = 4294967296ULL;
	status_report(&c, &now);
	read_line(line, sizeof(line));
	assert_non_null(strstr(line, " accepted=18446744073709551615 "));
	assert_non_null(strstr(line, " served=4294967296 "));
}

static void
test_title_quiet(void **state)
{
	struct counters	c;
	char		buf[256];

	(void)state;
	memset(&c, 0, sizeof(c));
	c.served = 40;
	status_title(buf, sizeof(buf), &c, 3);
	assert_string_equal(buf, "3 active, 40 served, 0 refused");
}

/* Only reasons that happened are named, in their order. */
static void
test_title_reasons(void **state)
{
	struct counters	c;
	char		buf[256], want[256];

	(void)state;
	memset(&c, 0, sizeof(c));
	c.served = 40;
	c.refused[REFUSE_PER_SOURCE] = 4;
	c.refused[REFUSE_RATE] = 1;
	status_title(buf, sizeof(buf), &c, 3);
	snprintf(want, sizeof(want), "3 active, 40 served, 5 refused (4 %s, 1 %s)",
	    refuse_reason_name(REFUSE_PER_SOURCE),
	    refuse_reason_name(REFUSE_RATE));
	assert_string_equal(buf, want);

	memset(&c, 0, sizeof(c));
	c.refused[REFUSE_FORK] = 2;
	status_title(buf, sizeof(buf), &c, 0);
	snprintf(want, sizeof(want), "0 active, 0 served, 2 refused (2 %s)",
	    refuse_reason_name(REFUSE_FORK));
	assert_string_equal(buf, want);
}

/* A short buffer gets a NUL-ended prefix of the title. */
static void
test_title_short(void **state)
{
	struct counters	c;
	char		buf[12];
	size_t		i;

	(void)state;
	memset(&c, 0, sizeof(c));
	for (i = 0; i < REFUSE_NREASONS; i++)
		c.refused[i] = 1000000;
	status_title(buf, sizeof(buf), &c, 123456);
	assert_int_equal(strlen(buf), sizeof(buf) - 1);
	assert_memory_equal(buf, "123456 acti", sizeof(buf) - 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refused_sum),
		cmocka_unit_test(test_report_fields),
		cmocka_unit_test(test_report_large),
		cmocka_unit_test(test_title_quiet),
		cmocka_unit_test(test_title_reasons),
		cmocka_unit_test(test_title_short),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
