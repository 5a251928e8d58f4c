/* SPDX-License-Identifier: ISC */
/* Service manager notifications (sd_notify): readiness, reload, stop, status, watchdog. */
#ifndef NOTIFY_H
#define NOTIFY_H

#include <stdint.h>

void	notify_ready(void);
void	notify_reloading(void);
void	notify_stopping(void);
void	notify_extend(uint64_t);
void	notify_status(const char *);
void	notify_watchdog(void);
int64_t	notify_watchdog_ms(void);

#endif
