/* SPDX-License-Identifier: ISC */
/*
 * The supervisor's figures as people read them: the SIGUSR1 line, the
 * title and STATUS=; and the watchdog ping that says the loop still turns.
 */
#ifndef STATUS_H
#define STATUS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "okd.h"

/* Figures that are not counters: how things stand now. */
struct status_now {
	size_t		active;		/* live children */
	size_t		pending;	/* PROXY headers being read */
	size_t		sources;	/* source groups in the table */
	uint64_t	log_dropped;	/* log lines a stalled sink lost */
};

/* STATUS= and the title at most this often. */
#define STATUS_EVERY_MS	1000

/*
 * What the title and the watchdog remember between loop turns.  The
 * supervisor sets changed when the figures may have moved; the rest
 * belongs to status.c.
 */
struct status_state {
	int		changed;	/* figures may have moved */
	char		title[128];	/* last title and STATUS= */
	struct timespec	title_at;	/* last STATUS= sent */
	int64_t		watchdog_ms;	/* WATCHDOG=1 this often; 0 when off */
	struct timespec	watchdog_at;	/* last WATCHDOG=1 sent */
};

uint64_t	status_refused(const struct counters *);
void		status_report(const struct counters *,
		    const struct status_now *);
void		status_title(char *, size_t, const struct counters *, size_t);
void		status_show(struct status_state *, const struct counters *,
		    size_t, const struct timespec *);
void		status_watchdog(struct status_state *, const struct timespec *);
int64_t		status_next_ms(const struct status_state *,
		    const struct timespec *);

#endif
