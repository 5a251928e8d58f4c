/* The supervisor: event loop, signals, accept, limits, fork, reap, reload and drain. */
#ifndef SUPERVISOR_H
#define SUPERVISOR_H

#include <stddef.h>
#include <time.h>

#include "children.h"
#include "config.h"
#include "listener.h"
#include "log.h"
#include "okd.h"

/* How long the listeners rest after EMFILE, ENFILE, ENOBUFS or ENOMEM. */
#define ACCEPT_BACKOFF_MS	100

struct supervisor {
	struct config		*cf;
	struct listeners	*ls;
	struct children		 kids;
	struct counters		 count;
	const char		*confpath;
	char *const		*overrides;
	size_t			 noverrides;
	struct timespec		 backoff_until;	/* listeners rest until then */
	int			 draining;
	struct log_limiter	 rl_refuse[REFUSE_NREASONS];
	struct log_limiter	 rl_accept;
};

int	supervisor_init(struct supervisor *, struct config *,
	    struct listeners *, const char *, char *const *, size_t);
int	supervisor_run(struct supervisor *);
void	supervisor_accept(struct supervisor *, const struct listener *);
void	supervisor_reap(struct supervisor *);

#endif
