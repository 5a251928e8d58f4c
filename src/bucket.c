/* SPDX-License-Identifier: ISC */
/* Token buckets for per-source rate limits: pure integer arithmetic, no clock reads. */
#include <stdint.h>

#include "bucket.h"

/*
 * Sets r to n tokens per period_ms with capacity burst (0: burst = n).
 * n = 0 disables the limit.  Returns 0, or -1 with *errstr.
 */
int
rate_set(struct rate *r, int64_t n, int64_t period_ms, int64_t burst,
    const char **errstr)
{
	if (burst == 0)
		burst = n;
	if (n < 0 || n > RATE_MAX_TOKENS) {
		*errstr = "rate out of range (0-1000000)";
		return -1;
	}
	if (period_ms < 1 || period_ms > RATE_MAX_PERIOD_MS) {
		*errstr = "rate period out of range (1ms-7d)";
		return -1;
	}
	if (n > 0 && (burst < 1 || burst > RATE_MAX_TOKENS)) {
		*errstr = "burst out of range (1-1000000)";
		return -1;
	}
	r->n = n;
	r->period_ms = period_ms;
	r->burst = n == 0 ? 0 : burst;
	return 0;
}

/* Starts b full at now_ms. */
void
bucket_init(struct bucket *b, int64_t now_ms)
{
	b->credit = INT64_MAX;
	b->stamp_ms = now_ms;
}

/*
 * Adds the credit earned since the last stamp, capped at the capacity.
 * A clock that seems to run backwards earns nothing and keeps the stamp.
 * The test against need / n keeps elapsed * n from overflowing on huge gaps.
 */
static void
refill(struct bucket *b, const struct rate *r, int64_t now_ms)
{
	int64_t	 cap = r->burst * r->period_ms, elapsed, need;

	if (b->credit >= cap) {
		b->credit = cap;
		if (now_ms > b->stamp_ms)
			b->stamp_ms = now_ms;
		return;
	}
	if (now_ms <= b->stamp_ms)
		return;
	elapsed = now_ms - b->stamp_ms;
	b->stamp_ms = now_ms;
	need = cap - b->credit;
	if (elapsed > need / r->n)
		b->credit = cap;
	else
		b->credit += elapsed * r->n;
}

/* Takes one token at now_ms: 1 if granted, 0 if the rate is exceeded. */
int
bucket_take(struct bucket *b, const struct rate *r, int64_t now_ms)
{
	if (r->n == 0)
		return 1;
	refill(b, r, now_ms);
	if (b->credit < r->period_ms)
		return 0;
	b->credit -= r->period_ms;
	return 1;
}

/* Returns 1 when b would be full at now_ms: forgetting it loses nothing. */
int
bucket_full(const struct bucket *b, const struct rate *r, int64_t now_ms)
{
	struct bucket	 t = *b;

	if (r->n == 0)
		return 1;
	refill(&t, r, now_ms);
	return t.credit >= r->burst * r->period_ms;
}

/* Returns the milliseconds until bucket_take() would grant a token, 0 if now. */
int64_t
bucket_wait_ms(const struct bucket *b, const struct rate *r, int64_t now_ms)
{
	struct bucket	 t = *b;

	if (r->n == 0)
		return 0;
	refill(&t, r, now_ms);
	if (t.credit >= r->period_ms)
		return 0;
	return (r->period_ms - t.credit + r->n - 1) / r->n;
}
