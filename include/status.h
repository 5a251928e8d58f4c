/* SPDX-License-Identifier: ISC */
/* The supervisor's figures as people read them: the SIGUSR1 line, the title and STATUS=. */
#ifndef STATUS_H
#define STATUS_H

#include <stddef.h>
#include <stdint.h>

#include "okd.h"

/* Figures that are not counters: how things stand now. */
struct status_now {
	size_t		active;		/* live children */
	size_t		pending;	/* PROXY headers being read */
	size_t		sources;	/* source groups in the table */
	uint64_t	log_dropped;	/* log lines a stalled sink lost */
};

uint64_t	status_refused(const struct counters *);
void		status_report(const struct counters *, const struct status_now *);
void		status_title(char *, size_t, const struct counters *, size_t);

#endif
