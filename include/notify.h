/* Service manager notifications (sd_notify): readiness, reload, stop, status, watchdog. */
#ifndef NOTIFY_H
#define NOTIFY_H

void	notify_ready(void);
void	notify_reloading(void);
void	notify_stopping(void);
void	notify_status(const char *);

#endif
