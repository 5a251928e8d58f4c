/* SPDX-License-Identifier: ISC */
/* The one logging module: stderr, syslog or the journal, with levels and rate limits. */
#ifndef LOG_H
#define LOG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <syslog.h>
#include <time.h>

#include "okd.h"

/* Levels are syslog priorities: LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG. */
enum log_target {
	LOG_TARGET_AUTO,
	LOG_TARGET_STDERR,
	LOG_TARGET_SYSLOG,
	LOG_TARGET_JOURNAL
};

/* One key=value pair of an event line; the journal gets it as OKD_KEY=value. */
struct log_field {
	const char	*key;
	const char	*value;
};

/* At most one line a second; counts what it held back. */
struct log_limiter {
	struct timespec	 last;
	unsigned long	 suppressed;
};

/* Most bytes of peer data a debug line shows, before escaping. */
#define LOG_PEER_BYTES	64

void		 log_init(enum log_target, int level, int foreground);
void		 log_stderr_replaced(void);
void		 log_setlevel(int);
int		 log_enabled(int level);
enum log_target	 log_target_resolve(enum log_target, int foreground);
enum log_target	 log_current_target(void);

void		 log_event(int level, const char *verb,
		    const struct log_field *, size_t);
void		 log_debug(const char *, ...)
		    __attribute__((__format__(printf, 1, 2)));
void		 log_always(const char *, ...)
		    __attribute__((__format__(printf, 1, 2)));
void		 log_info(const char *, ...)
		    __attribute__((__format__(printf, 1, 2)));
void		 log_notice(const char *, ...)
		    __attribute__((__format__(printf, 1, 2)));
void		 log_warn(const char *, ...)
		    __attribute__((__format__(printf, 1, 2)));
void		 log_warnx(const char *, ...)
		    __attribute__((__format__(printf, 1, 2)));
void		 log_errx(const char *, ...)
		    __attribute__((__format__(printf, 1, 2)));
__dead void	 fatal(const char *, ...)
		    __attribute__((__format__(printf, 1, 2)));
__dead void	 fatalx(const char *, ...)
		    __attribute__((__format__(printf, 1, 2)));

uint64_t	 log_dropped(void);
int		 log_fd(void);
void		 log_startup(int);
int		 log_limit(struct log_limiter *, const struct timespec *,
		    unsigned long *);
size_t		 log_escape(char *, size_t, const void *, size_t);

#endif
