/* SPDX-License-Identifier: ISC */
/* One client connection in a child: the recv/reply loop, its deadlines and its end. */
#ifndef SESSION_H
#define SESSION_H

#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>

#include "config.h"

enum session_end {
	SESSION_EOF,
	SESSION_TIMEOUT,
	SESSION_RESET,
	SESSION_ERROR,
	SESSION_SHUTDOWN,
	SESSION_MAX_SESSION,
	SESSION_MAX_BYTES
};

struct session_stats {
	uint64_t		in;
	uint64_t		out;
	uint64_t		reads;
	uint64_t		replies;
	enum session_end	end;
	int			error;		/* errno behind SESSION_ERROR */
};

void		 session_load(const struct config *);
void		 session_signals(void);
void		 session_prepare(int, const char *, const struct config *);
void		 session_unblock(int);
void		 session_run(int, const struct config *, struct session_stats *);
void		 session_log_close(const char *, const char *, pid_t,
		    const struct timespec *, const struct timespec *,
		    const struct session_stats *);
void		 session_stop(void);
const char	*session_end_name(enum session_end);

#endif
