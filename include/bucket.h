/* SPDX-License-Identifier: ISC */
/* Token buckets for per-source rate limits, on a caller-supplied monotonic clock. */
#ifndef BUCKET_H
#define BUCKET_H

#include <stdint.h>

#define RATE_MAX_TOKENS		1000000		/* N and burst */
#define RATE_MAX_PERIOD_MS	(7LL * 24 * 3600 * 1000)

/* "rate-limit N/PERIOD burst B": N tokens each period, at most B held. */
struct rate {
	int64_t		n;		/* 0: no limit */
	int64_t		period_ms;
	int64_t		burst;
};

/*
 * Credit counts tokens in units of 1/period_ms, so refilling is exact
 * integer arithmetic: each millisecond adds n units, a token costs
 * period_ms units.  INT64_MAX means full under any rate.
 */
struct bucket {
	int64_t		credit;
	int64_t		stamp_ms;
};

int	rate_set(struct rate *, int64_t, int64_t, int64_t, const char **);
void	bucket_init(struct bucket *, int64_t);
int	bucket_take(struct bucket *, const struct rate *, int64_t);
int	bucket_full(const struct bucket *, const struct rate *, int64_t);
int64_t	bucket_wait_ms(const struct bucket *, const struct rate *, int64_t);

#endif
