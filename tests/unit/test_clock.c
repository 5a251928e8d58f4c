/* SPDX-License-Identifier: ISC */
/*
 * Unit tests of the monotonic helpers: the clock never goes back, an
 * instant plus milliseconds carries and borrows across whole seconds, and
 * the distance between two instants is exact, negative once passed.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "clock.h"

static void
ts_set(struct timespec *ts, time_t sec, long nsec)
{
	ts->tv_sec = sec;
	ts->tv_nsec = nsec;
}

/* Two readings never go back, and mono_ms agrees with mono_now. */
static void
test_now_monotonic(void **state)
{
	struct timespec	a, b;
	int64_t		ms1, ms2;
	int		i;

	(void)state;
	for (i = 0; i < 1000; i++) {
		mono_now(&a);
		ms1 = mono_ms();
		mono_now(&b);
		ms2 = mono_ms();
		assert_true(b.tv_sec > a.tv_sec || (b.tv_sec == a.tv_sec &&
		    b.tv_nsec >= a.tv_nsec));
		assert_true(a.tv_nsec >= 0 && a.tv_nsec < 1000000000);
		assert_true(ms2 >= ms1);
		/* ms1 was read between a and b. */
		assert_true(ms1 >= (int64_t)a.tv_sec * 1000 + a.tv_nsec / 1000000);
		assert_true(ms1 <= (int64_t)b.tv_sec * 1000 + b.tv_nsec / 1000000);
	}
}

/* Adding within a second, and exactly to the next second (carry). */
/* Which came first, to the nanosecond: less than a millisecond counts. */
static void
test_before(void **state)
{
	struct timespec	a = { 5, 100 }, b = { 5, 101 }, c = { 6, 0 };

	(void)state;
	assert_true(mono_before(&a, &b));
	assert_false(mono_before(&b, &a));
	assert_false(mono_before(&a, &a));
	assert_true(mono_before(&b, &c));
	assert_false(mono_before(&c, &b));
	/* What mono_until_ms cannot tell apart. */
	assert_int_equal(mono_until_ms(&a, &b), 0);
}

static void
test_add_carry(void **state)
{
	struct timespec	from, ts;

	(void)state;
	ts_set(&from, 10, 100000000);
	mono_add_ms(&ts, &from, 250);
	assert_int_equal(ts.tv_sec, 10);
	assert_int_equal(ts.tv_nsec, 350000000);

	ts_set(&from, 10, 999000000);
	mono_add_ms(&ts, &from, 1);
	assert_int_equal(ts.tv_sec, 11);
	assert_int_equal(ts.tv_nsec, 0);

	ts_set(&from, 10, 999999999);
	mono_add_ms(&ts, &from, 1);
	assert_int_equal(ts.tv_sec, 11);
	assert_int_equal(ts.tv_nsec, 999999);

	ts_set(&from, 10, 500000000);
	mono_add_ms(&ts, &from, 2750);
	assert_int_equal(ts.tv_sec, 13);
	assert_int_equal(ts.tv_nsec, 250000000);

	mono_add_ms(&ts, &from, 0);
	assert_int_equal(ts.tv_sec, 10);
	assert_int_equal(ts.tv_nsec, 500000000);
}

/* Negative milliseconds borrow from the seconds. */
static void
test_add_borrow(void **state)
{
	struct timespec	from, ts;

	(void)state;
	ts_set(&from, 10, 100000000);
	mono_add_ms(&ts, &from, -200);
	assert_int_equal(ts.tv_sec, 9);
	assert_int_equal(ts.tv_nsec, 900000000);

	ts_set(&from, 10, 0);
	mono_add_ms(&ts, &from, -1);
	assert_int_equal(ts.tv_sec, 9);
	assert_int_equal(ts.tv_nsec, 999000000);

	ts_set(&from, 10, 0);
	mono_add_ms(&ts, &from, -3000);
	assert_int_equal(ts.tv_sec, 7);
	assert_int_equal(ts.tv_nsec, 0);

	ts_set(&from, 10, 300000000);
	mono_add_ms(&ts, &from, -2400);
	assert_int_equal(ts.tv_sec, 7);
	assert_int_equal(ts.tv_nsec, 900000000);
}

/* The distance counts whole milliseconds, either way round. */
static void
test_until(void **state)
{
	struct timespec	now, then;

	(void)state;
	ts_set(&now, 100, 0);
	ts_set(&then, 101, 500000000);
	assert_int_equal(mono_until_ms(&now, &then), 1500);
	assert_int_equal(mono_until_ms(&then, &now), -1500);
	assert_int_equal(mono_until_ms(&now, &now), 0);

	/* Borrow: then's nanoseconds below now's. */
	ts_set(&now, 100, 900000000);
	ts_set(&then, 102, 100000000);
	assert_int_equal(mono_until_ms(&now, &then), 1200);

	/* Less than a millisecond is none. */
	ts_set(&now, 100, 0);
	ts_set(&then, 100, 999999);
	assert_int_equal(mono_until_ms(&now, &then), 0);
}

/* add then until gives the milliseconds back, across the whole range used. */
static void
test_add_until_roundtrip(void **state)
{
	static const int64_t	ms[] = { 0, 1, -1, 999, -999, 1000, -1000, 1001,
	    -1001, 86400000, -86400000, INT64_C(1) << 40 };
	struct timespec		from, ts;
	size_t			i, j;
	static const long	nsec[] = { 0, 1, 500000000, 999999999 };

	(void)state;
	for (i = 0; i < sizeof(ms) / sizeof(ms[0]); i++)
		for (j = 0; j < sizeof(nsec) / sizeof(nsec[0]); j++) {
			/* Far from 0 so a negative step stays positive. */
			ts_set(&from, (time_t)1 << 42, nsec[j]);
			mono_add_ms(&ts, &from, ms[i]);
			assert_true(ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000);
			assert_int_equal(mono_until_ms(&from, &ts), ms[i]);
		}
}

/* Instants far apart (years of uptime) do not overflow the result. */
static void
test_until_large(void **state)
{
	struct timespec	now, then;

	(void)state;
	ts_set(&now, 0, 0);
	ts_set(&then, (time_t)INT32_MAX * 4, 0);
	assert_true(mono_until_ms(&now, &then) == (int64_t)INT32_MAX * 4000);
	assert_true(mono_until_ms(&then, &now) == -(int64_t)INT32_MAX * 4000);
}

/* A deadline computed from now is in the future, then passes. */
static void
test_deadline_passes(void **state)
{
	struct timespec	now, dl;
	int		i;

	(void)state;
	mono_now(&now);
	mono_add_ms(&dl, &now, 20);
	assert_true(mono_until_ms(&now, &dl) == 20);
	/* Bounded: at most 10 s of polling the clock. */
	for (i = 0; i < 10000000; i++) {
		mono_now(&now);
		if (mono_until_ms(&now, &dl) <= 0)
			break;
	}
	assert_true(mono_until_ms(&now, &dl) <= 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_now_monotonic),
		cmocka_unit_test(test_before),
		cmocka_unit_test(test_add_carry),
		cmocka_unit_test(test_add_borrow),
		cmocka_unit_test(test_until),
		cmocka_unit_test(test_add_until_roundtrip),
		cmocka_unit_test(test_until_large),
		cmocka_unit_test(test_deadline_passes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
