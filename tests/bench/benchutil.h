/* SPDX-License-Identifier: ISC */
/* What the single-file benchmark tools share: the clock, numbers in argv. */
#ifndef BENCHUTIL_H
#define BENCHUTIL_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static inline uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* s as a number from min to max, or a message naming it and exit 2. */
static inline long
number(const char *s, long min, long max, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "%s: %s must be %ld..%ld: %s\n",
		    program_invocation_short_name, what, min, max, s);
		exit(2);
	}
	return v;
}

#endif
