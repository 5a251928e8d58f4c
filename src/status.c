/* SPDX-License-Identifier: ISC */
/*
 * The supervisor's figures for people: one stats line answers SIGUSR1, and
 * a short summary serves as process title and systemd STATUS=.
 */

#include <stdio.h>

#include <bsd/string.h>

#include "admit.h"
#include "log.h"
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
