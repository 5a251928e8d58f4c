/* SPDX-License-Identifier: ISC */
/*
 * Monotonic time for every deadline okd keeps: wall-clock steps (NTP, an
 * operator's date(1)) must never end a session early or stall a drain.
 */

#include <time.h>

#include "clock.h"

void
mono_now(struct timespec *ts)
{
	/* CLOCK_MONOTONIC cannot fail with a valid pointer. */
	(void)clock_gettime(CLOCK_MONOTONIC, ts);
}

/* Milliseconds since an arbitrary fixed point, for token buckets. */
int64_t
mono_ms(void)
{
	struct timespec	ts;

	mono_now(&ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds from now until then; negative once then has passed. */
int64_t
mono_until_ms(const struct timespec *now, const struct timespec *then)
{
	return ((int64_t)then->tv_sec - now->tv_sec) * 1000 +
	    (then->tv_nsec - now->tv_nsec) / 1000000;
}

/* Whether a is strictly earlier than b, to the nanosecond. */
int
mono_before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec ||
	    (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* *ts = from + ms, normalised; ms may be negative. */
void
mono_add_ms(struct timespec *ts, const struct timespec *from, int64_t ms)
{
	ts->tv_sec = from->tv_sec + ms / 1000;
	ts->tv_nsec = from->tv_nsec + (ms % 1000) * 1000000;
	if (ts->tv_nsec >= 1000000000) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000;
	} else if (ts->tv_nsec < 0) {
		ts->tv_sec--;
		ts->tv_nsec += 1000000000;
	}
}
