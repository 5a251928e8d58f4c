/* SPDX-License-Identifier: ISC */
/* Unit tests for bucket.c on a fake clock: refusal, healing, burst, huge gaps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "bucket.h"

static void
rate(struct rate *r, int64_t n, int64_t period, int64_t burst)
{
	const char	*err = NULL;

	assert_int_equal(rate_set(r, n, period, burst, &err), 0);
}

/* Takes tokens at now until refused; returns how many were granted. */
static int
drain(struct bucket *b, const struct rate *r, int64_t now, int max)
{
	int	 n;

	for (n = 0; n < max; n++)
		if (!bucket_take(b, r, now))
			break;
	return n;
}

static void
test_refuses_excess(void **state)
{
	struct rate	 r;
	struct bucket	 b;

	(void)state;
	rate(&r, 10, 1000, 0);		/* 10/s, burst 10 */
	bucket_init(&b, 5000);
	assert_int_equal(drain(&b, &r, 5000, 100), 10);
	assert_false(bucket_take(&b, &r, 5000));
	assert_false(bucket_full(&b, &r, 5000));
	/* One token every 100 ms, not before. */
	assert_false(bucket_take(&b, &r, 5099));
	assert_int_equal(bucket_wait_ms(&b, &r, 5099), 1);
	assert_true(bucket_take(&b, &r, 5100));
	assert_false(bucket_take(&b, &r, 5100));
}

static void
test_heals(void **state)
{
	struct rate	 r;
	struct bucket	 b;

	(void)state;
	rate(&r, 3, 60000, 0);		/* 3/min */
	bucket_init(&b, 0);
	assert_int_equal(drain(&b, &r, 0, 10), 3);
	assert_int_equal(bucket_wait_ms(&b, &r, 0), 20000);
	assert_int_equal(drain(&b, &r, 30000, 10), 1);	/* 1.5 earned */
	assert_int_equal(drain(&b, &r, 40000, 10), 1);	/* 0.5 + 0.5 */
	assert_false(bucket_full(&b, &r, 99999));
	assert_true(bucket_full(&b, &r, 100000));
	assert_int_equal(drain(&b, &r, 100000, 10), 3);
	/* Never more than the capacity, however long the wait. */
	assert_int_equal(drain(&b, &r, 10000000, 10), 3);
}

/* The long-run rate is exact: no rounding drift over many small steps. */
static void
test_exact_rate(void **state)
{
	struct rate	 r;
	struct bucket	 b;
	int64_t		 t;
	int		 got = 0;

	(void)state;
	/* Burst 2, so polling every ms never finds the bucket at its cap. */
	rate(&r, 7, 1000, 2);
	bucket_init(&b, 0);
	for (t = 0; t <= 100000; t++)	/* try every ms for 100 s */
		got += bucket_take(&b, &r, t);
	assert_int_equal(got, 702);	/* the burst, then 7/s */
}

static void
test_burst(void **state)
{
	struct rate	 r;
	struct bucket	 b;

	(void)state;
	rate(&r, 1, 1000, 5);		/* 1/s, burst 5 */
	bucket_init(&b, 0);
	assert_int_equal(drain(&b, &r, 0, 100), 5);
	assert_int_equal(drain(&b, &r, 2500, 100), 2);
	assert_int_equal(drain(&b, &r, 1000000, 100), 5);
	/* A burst below N caps what a quiet source saves up. */
	rate(&r, 100, 1000, 2);
	bucket_init(&b, 0);
	assert_int_equal(drain(&b, &r, 0, 1000), 2);
	assert_int_equal(drain(&b, &r, 10, 1000), 1);
}

static void
test_huge_gaps(void **state)
{
	struct rate	 r;
	struct bucket	 b;

	(void)state;
	rate(&r, RATE_MAX_TOKENS, RATE_MAX_PERIOD_MS, RATE_MAX_TOKENS);
	bucket_init(&b, 0);
	assert_true(bucket_take(&b, &r, 0));
	assert_true(bucket_full(&b, &r, INT64_MAX));
	assert_true(bucket_take(&b, &r, INT64_MAX));
	assert_false(bucket_full(&b, &r, INT64_MAX));

	rate(&r, 1, 1, 1);
	bucket_init(&b, 0);
	assert_true(bucket_take(&b, &r, 0));
	assert_false(bucket_take(&b, &r, 0));
	assert_int_equal(drain(&b, &r, INT64_MAX, 10), 1);
	/* A clock running backwards earns nothing. */
	assert_false(bucket_take(&b, &r, 0));
	assert_false(bucket_take(&b, &r, INT64_MAX));
}

static void
test_unlimited_and_ranges(void **state)
{
	struct rate	 r;
	struct bucket	 b;
	const char	*err;

	(void)state;
	rate(&r, 0, 1000, 0);
	bucket_init(&b, 0);
	assert_int_equal(drain(&b, &r, 0, 1000), 1000);
	assert_true(bucket_full(&b, &r, 0));
	assert_int_equal(rate_set(&r, -1, 1000, 0, &err), -1);
	assert_string_equal(err, "rate out of range (0-1000000)");
	assert_int_equal(rate_set(&r, 1000001, 1000, 0, &err), -1);
	assert_int_equal(rate_set(&r, 1, 0, 0, &err), -1);
	assert_string_equal(err, "rate period out of range (1ms-7d)");
	assert_int_equal(rate_set(&r, 1, RATE_MAX_PERIOD_MS + 1, 0, &err), -1);
	assert_int_equal(rate_set(&r, 1, 1000, -1, &err), -1);
	assert_string_equal(err, "burst out of range (1-1000000)");
	assert_int_equal(rate_set(&r, 1, 1000, 1000001, &err), -1);
}

/* A reload may lower the capacity: stored credit is clamped, not kept. */
static void
test_rate_change(void **state)
{
	struct rate	 big, small;
	struct bucket	 b;

	(void)state;
	rate(&big, 100, 1000, 0);
	rate(&small, 2, 1000, 0);
	bucket_init(&b, 0);
	assert_int_equal(drain(&b, &big, 0, 10), 10);	/* 90 left */
	assert_int_equal(drain(&b, &small, 0, 1000), 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refuses_excess),
		cmocka_unit_test(test_heals),
		cmocka_unit_test(test_exact_rate),
		cmocka_unit_test(test_burst),
		cmocka_unit_test(test_huge_gaps),
		cmocka_unit_test(test_unlimited_and_ranges),
		cmocka_unit_test(test_rate_change),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
