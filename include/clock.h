/* SPDX-License-Identifier: ISC */
/* Monotonic time for deadlines: now, milliseconds between two instants, an instant plus milliseconds, which came first. */
#ifndef CLOCK_H
#define CLOCK_H

#include <stdint.h>
#include <time.h>

void	mono_now(struct timespec *);
int64_t	mono_ms(void);
int64_t	mono_until_ms(const struct timespec *, const struct timespec *);
void	mono_add_ms(struct timespec *, const struct timespec *, int64_t);
int	mono_before(const struct timespec *, const struct timespec *);

#endif
