/* SPDX-License-Identifier: ISC */
/*
 * The supervisor's figures for people: one stats line answers SIGUSR1, and
 * a short summary serves as process title and systemd STATUS=.  The
 * watchdog ping lives here too: like the title, it is paced by the loop.
 */

#include <stdio.h>
#include <string.h>

#include <bsd/string.h>
#include <bsd/unistd.h>

#include "admit.h"
#include "clock.h"
#include "log.h"
#include "notify.h"
#include "status.h"

uint64_t
status_refused(const struct counters *c)
{
	uint64_t	n = 0;
	size_t		i;

	for (i = 0; i < REFUSE_NREASONS; i++)
		n += c->refused[i];
	return n;
}

/* The SIGUSR1 line: every counter by name, whatever log-level says. */
void
status_report(const struct counters *c, const struct status_now *now)
{
	char	refused[256] = "", part[64];
	size_t	i;

	for (i = 0; i < REFUSE_NREASONS; i++) {
		snprintf(part, sizeof(part), " refused-%s=%llu",
		    refuse_reason_name(i), (unsigned long long)c->refused[i]);
		strlcat(refused, part, sizeof(refused));
	}
	log_always("stats active=%zu accepted=%llu served=%llu refused=%llu%s "
	    "pending=%zu sources=%zu fork-failures=%llu accept-errors=%llu "
	    "signaled=%llu violations=%llu failed=%llu reloads=%llu "
	    "evicted=%llu health-checks=%llu log-dropped=%llu",
	    now->active, (unsigned long long)c->accepted,
	    (unsigned long long)c->served,
	    (unsigned long long)status_refused(c), refused, now->pending,
	    now->sources, (unsigned long long)c->fork_failures,
	    (unsigned long long)c->accept_errors,
	    (unsigned long long)c->signaled, (unsigned long long)c->violations,
	    (unsigned long long)c->failed, (unsigned long long)c->reloads,
	    (unsigned long long)c->evicted,
	    (unsigned long long)c->health_checks,
	    (unsigned long long)now->log_dropped);
}

/* "3 active, 40 served, 5 refused (4 per-source, 1 rate)" into buf. */
void
status_title(char *buf, size_t len, const struct counters *c, size_t active)
{
	char	part[48];
	size_t	i;
	int	first = 1;

	snprintf(buf, len, "%zu active, %llu served, %llu refused", active,
	    (unsigned long long)c->served,
	    (unsigned long long)status_refused(c));
	for (i = 0; i < REFUSE_NREASONS; i++) {
		if (c->refused[i] == 0)
			continue;
		snprintf(part, sizeof(part), "%s%llu %s", first ? " (" : ", ",
		    (unsigned long long)c->refused[i], refuse_reason_name(i));
		strlcat(buf, part, len);
		first = 0;
	}
	if (!first)
		strlcat(buf, ")", len);
}

/*
 * The title and STATUS= when the figures changed, at most once every
 * STATUS_EVERY_MS: a busy server would otherwise rewrite both for every
 * connection.  The same summary twice is not sent again.
 */
void
status_show(struct status_state *st, const struct counters *c,
    size_t active, const struct timespec *now)
{
	char	buf[sizeof(st->title)];

	if (!st->changed ||
	    mono_until_ms(&st->title_at, now) < STATUS_EVERY_MS)
		return;
	st->changed = 0;
	status_title(buf, sizeof(buf), c, active);
	if (strcmp(buf, st->title) == 0)
		return;
	strlcpy(st->title, buf, sizeof(st->title));
	setproctitle("%s", buf);
	notify_status(buf);
	st->title_at = *now;
}

/* WATCHDOG=1 once watchdog_ms have passed since the last one. */
void
status_watchdog(struct status_state *st, const struct timespec *now)
{
	if (st->watchdog_ms == 0 ||
	    mono_until_ms(&st->watchdog_at, now) < st->watchdog_ms)
		return;
	notify_watchdog();
	st->watchdog_at = *now;
}

/*
 * How long the loop may sleep before status_show or status_watchdog has
 * work: ms, 0 when already due, -1 when neither ever will.
 */
int64_t
status_next_ms(const struct status_state *st, const struct timespec *now)
{
	int64_t	ms = -1, w;

	/* Overdue is 0, never below: -1 would read as no deadline. */
	if (st->changed) {
		ms = STATUS_EVERY_MS - mono_until_ms(&st->title_at, now);
		if (ms < 0)
			ms = 0;
	}
	if (st->watchdog_ms > 0) {
		w = st->watchdog_ms - mono_until_ms(&st->watchdog_at, now);
		if (w < 0)
			w = 0;
		if (ms == -1 || w < ms)
			ms = w;
	}
	return ms;
}
