/* SPDX-License-Identifier: ISC */
/* The supervisor: event loop, signals, accept, fork, reap, reload and drain. */
#ifndef SUPERVISOR_H
#define SUPERVISOR_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "children.h"
#include "config.h"
#include "listener.h"
#include "log.h"
#include "outcome.h"
#include "okd.h"
#include "pending.h"
#include "signals.h"
#include "privdrop.h"
#include "srctable.h"
#include "status.h"

/* How long the listeners rest after EMFILE, ENFILE, ENOBUFS or ENOMEM. */
#define ACCEPT_BACKOFF_MS	100
/* How long they rest after a failed fork: the backlog holds the rest. */
#define FORK_BACKOFF_MS		100
/* How long the loop rests after ppoll itself failed. */
#define POLL_BACKOFF_MS		100

/*
 * What every connection changes, in memory no child inherits (mem.h): a
 * child needs none of it, and the supervisor writes it after every fork.
 */
struct supervisor_live {
	struct children		 kids;
	struct srctable		 sources;	/* per-source groups */
	struct outcomes		 outcomes;	/* children's figures */
	struct counters		 count;
	size_t			 evicting;	/* children told to end, not reaped */
	struct status_state	 status;	/* title, STATUS=, watchdog */
	struct signals		 got;		/* read from the signalfd */
};

struct supervisor {
	struct config		*cf;
	struct listeners	*ls;
	struct supervisor_live	*live;
	struct privdrop		 pd;		/* the identity to take at start */
	struct pendings		 pend;		/* PROXY headers being read */
	int			 sandbox_ready;	/* the child filter is built */
	struct pollfd		*pfd;		/* listeners, pending, signalfd */
	size_t			 pfdcap;
	const char		*confpath;
	char *const		*overrides;
	size_t			 noverrides;
	int			 foreground;
	int			 debug;		/* -d: kept over reloads */
	int			 pidfile_fd;	/* closed in children */
	int			 sigfd;		/* wakes the loop; children close it */
	struct timespec		 backoff_until;	/* listeners rest until then */
	int			 draining;
	int			 killed;	/* drain: SIGTERM sent, then SIGKILL */
	struct timespec		 drain_deadline;
	struct log_limiter	 rl_refuse[REFUSE_NREASONS];
	struct log_limiter	 rl_accept;
	struct log_limiter	 rl_poll;
	struct log_limiter	 rl_evict;
	struct log_limiter	 rl_child;
};

int	supervisor_init(struct supervisor *, struct config *,
	    struct listeners *, const char *, char *const *, size_t, int);
int	supervisor_run(struct supervisor *);
void	supervisor_free(struct supervisor *);
size_t	supervisor_pollset(const struct supervisor *, struct pollfd *,
	    const struct timespec *);
int	supervisor_spawn(struct supervisor *, int, const struct sockaddr *,
	    const struct sockaddr *, struct srcent *, int);
void	supervisor_reap(struct supervisor *);
void	supervisor_debug(struct config *);
void	supervisor_log_listeners(const struct listeners *);

#endif
