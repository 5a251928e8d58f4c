/* SPDX-License-Identifier: ISC */
/*
 * Messages to the service manager through sd_notify; each is a no-op when
 * NOTIFY_SOCKET is unset, so okd behaves the same outside systemd.
 */

#include <time.h>

#include <systemd/sd-daemon.h>

#include "notify.h"

void
notify_ready(void)
{
	sd_notify(0, "READY=1");
}

/* MONOTONIC_USEC lets systemd tell this reload from an older one. */
void
notify_reloading(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	sd_notifyf(0, "RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000ULL +
	    (unsigned long long)ts.tv_nsec / 1000);
}

void
notify_stopping(void)
{
	sd_notify(0, "STOPPING=1");
}

/* Asks for usec more before the stop timeout, while children finish. */
void
notify_extend(uint64_t usec)
{
	sd_notifyf(0, "EXTEND_TIMEOUT_USEC=%llu", (unsigned long long)usec);
}

void
notify_status(const char *status)
{
	sd_notifyf(0, "STATUS=%s", status);
}

void
notify_watchdog(void)
{
	sd_notify(0, "WATCHDOG=1");
}

/* Half the watchdog interval in ms, the cadence of pings, or 0 when off. */
int64_t
notify_watchdog_ms(void)
{
	uint64_t	usec;

	if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0)
		return 0;
	return (int64_t)(usec / 2000) > 0 ? (int64_t)(usec / 2000) : 1;
}
