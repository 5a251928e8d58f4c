/* SPDX-License-Identifier: ISC */
/*
 * Unit tests of the supervisor's figures for people: the SIGUSR1 stats
 * line names every counter with its value whatever log-level says, and
 * the title sums refusals and names only the reasons that occurred.  The
 * title and STATUS= go out only when the figures changed, at most once an
 * interval; the watchdog pings when due and not before.  setproctitle and
 * the notify calls are wrapped and recorded.
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
#include "clock.h"
#include "log.h"
#include "status.h"

static int	saved_err = -1;
static int	rd = -1;

/* What the wrapped calls were given, since reset(). */
static int	ntitles, nstatus, nwatchdog;
static char	last_title[256], last_status[256];

void	__wrap_setproctitle(const char *, ...);
void	__wrap_notify_status(const char *);
void	__wrap_notify_watchdog(void);

void
__wrap_setproctitle(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(last_title, sizeof(last_title), fmt, ap);
	va_end(ap);
	ntitles++;
}

void
__wrap_notify_status(const char *s)
{
	snprintf(last_status, sizeof(last_status), "%s", s);
	nstatus++;
}

void
__wrap_notify_watchdog(void)
{
	nwatchdog++;
}

static int
reset(void **state)
{
	(void)state;
	ntitles = nstatus = nwatchdog = 0;
	last_title[0] = last_status[0] = '\0';
	return 0;
}

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
	snprintf(want, sizeof(want),
	    "3 active, 40 served, 5 refused (4 %s, 1 %s)",
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

/* A loop turn's clock: base plus ms. */
static struct timespec
at(int64_t ms)
{
	struct timespec	base = { 1000, 0 }, t;

	mono_add_ms(&t, &base, ms);
	return t;
}

/* Nothing goes out until the figures may have moved; then both, once. */
static void
test_show_changed_only(void **state)
{
	struct status_state	st;
	struct counters		c;
	struct timespec		now = at(0);
	char			want[128];

	(void)state;
	memset(&st, 0, sizeof(st));
	memset(&c, 0, sizeof(c));
	c.served = 7;
	status_show(&st, &c, 2, &now);
	assert_int_equal(ntitles, 0);
	assert_int_equal(nstatus, 0);

	st.changed = 1;
	status_show(&st, &c, 2, &now);
	status_title(want, sizeof(want), &c, 2);
	assert_int_equal(ntitles, 1);
	assert_int_equal(nstatus, 1);
	assert_string_equal(last_title, want);
	assert_string_equal(last_status, want);
	assert_string_equal(st.title, want);
	assert_false(st.changed);
	assert_int_equal(mono_until_ms(&st.title_at, &now), 0);
}

/* Fresh state and counters, then the first STATUS= at time 0. */
static void
shown_once(struct status_state *st, struct counters *c, size_t active)
{
	struct timespec	now = at(0);

	memset(st, 0, sizeof(*st));
	memset(c, 0, sizeof(*c));
	st->changed = 1;
	status_show(st, c, active, &now);
	assert_int_equal(nstatus, 1);
}

/* Changed figures wait for the interval to pass since the last STATUS=. */
static void
test_show_interval(void **state)
{
	struct status_state	st;
	struct counters		c;
	struct timespec		now;

	(void)state;
	shown_once(&st, &c, 1);

	c.served = 1;
	st.changed = 1;
	now = at(STATUS_EVERY_MS - 1);
	status_show(&st, &c, 1, &now);
	assert_int_equal(ntitles, 1);
	assert_int_equal(nstatus, 1);
	/* Not lost: it goes out once the interval is over. */
	assert_true(st.changed);

	now = at(STATUS_EVERY_MS);
	status_show(&st, &c, 1, &now);
	assert_int_equal(ntitles, 2);
	assert_int_equal(nstatus, 2);
	assert_string_equal(last_status, "1 active, 1 served, 0 refused");
	assert_false(st.changed);
}

/* Figures that came back to what was shown are not sent again. */
static void
test_show_same(void **state)
{
	struct status_state	st;
	struct counters		c;
	struct timespec		now;

	(void)state;
	shown_once(&st, &c, 0);

	st.changed = 1;
	now = at(5 * STATUS_EVERY_MS);
	status_show(&st, &c, 0, &now);
	assert_int_equal(ntitles, 1);
	assert_int_equal(nstatus, 1);
	assert_false(st.changed);
	/* The interval still runs from the last one sent. */
	assert_int_equal(mono_until_ms(&st.title_at, &now),
	    5 * STATUS_EVERY_MS);
}

/* WATCHDOG=1 each watchdog_ms, not before, never when off. */
static void
test_watchdog(void **state)
{
	struct status_state	st;
	struct timespec		now;

	(void)state;
	memset(&st, 0, sizeof(st));
	now = at(0);
	status_watchdog(&st, &now);
	assert_int_equal(nwatchdog, 0);

	st.watchdog_ms = 500;
	st.watchdog_at = at(0);
	now = at(499);
	status_watchdog(&st, &now);
	assert_int_equal(nwatchdog, 0);
	now = at(500);
	status_watchdog(&st, &now);
	assert_int_equal(nwatchdog, 1);
	status_watchdog(&st, &now);
	assert_int_equal(nwatchdog, 1);
	now = at(999);
	status_watchdog(&st, &now);
	assert_int_equal(nwatchdog, 1);
	now = at(1000);
	status_watchdog(&st, &now);
	assert_int_equal(nwatchdog, 2);
	assert_int_equal(nstatus, 0);
	assert_int_equal(ntitles, 0);
}

/* The sooner of the two deadlines; 0 when overdue; -1 when neither. */
static void
test_next_ms(void **state)
{
	struct status_state	st;
	struct timespec		now = at(1000);

	(void)state;
	memset(&st, 0, sizeof(st));
	st.title_at = at(700);
	assert_int_equal(status_next_ms(&st, &now), -1);

	st.changed = 1;
	assert_int_equal(status_next_ms(&st, &now), STATUS_EVERY_MS - 300);

	st.watchdog_ms = 500;
	st.watchdog_at = at(900);
	assert_int_equal(status_next_ms(&st, &now), 400);
	st.watchdog_at = at(0);
	assert_int_equal(status_next_ms(&st, &now), 0);

	st.changed = 0;
	st.watchdog_at = at(950);
	assert_int_equal(status_next_ms(&st, &now), 450);

	/* Overdue by exactly 1 ms is due now, not "no deadline". */
	st.changed = 1;
	st.title_at = at(1000 - STATUS_EVERY_MS - 1);
	assert_int_equal(status_next_ms(&st, &now), 0);
	st.changed = 0;
	st.watchdog_at = at(1000 - 501);
	assert_int_equal(status_next_ms(&st, &now), 0);
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
		cmocka_unit_test_setup(test_show_changed_only, reset),
		cmocka_unit_test_setup(test_show_interval, reset),
		cmocka_unit_test_setup(test_show_same, reset),
		cmocka_unit_test_setup(test_watchdog, reset),
		cmocka_unit_test_setup(test_next_ms, reset),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
