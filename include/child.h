/* SPDX-License-Identifier: ISC */
/* A session's process: from fork, or from okd -i, into its box, then the session; and its end, seen by the supervisor. */
#ifndef CHILD_H
#define CHILD_H

#include "config.h"
#include "okd.h"
#include "outcome.h"
#include "supervisor.h"

int		child_box(int, const char *, const struct config *);
__dead void	child_serve(int, const char *, const struct config *,
		    struct outcome *);
void		child_accepted(const char *, const char *, pid_t, size_t);
void		child_reaped(struct supervisor_live *, struct log_limiter *,
		    const struct child *, int, const struct timespec *);

#endif
