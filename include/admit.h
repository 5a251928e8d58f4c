/* SPDX-License-Identifier: ISC */
/* Who is admitted: a pure function of configuration, source state, peer and time. */
#ifndef ADMIT_H
#define ADMIT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "bucket.h"
#include "config.h"
#include "okd.h"

/* Evictions under way at once, at most; past it a newcomer is refused. */
#define ADMIT_EVICT_MAX	64

enum admit_action {
	ADMIT_SERVE,
	ADMIT_REFUSE,
	ADMIT_EVICT	/* serve, after ending the oldest session of the biggest group */
};

/* What the supervisor knows when a connection arrives; read only here. */
struct admit_state {
	size_t		live;		/* children, not counting those being evicted */
	size_t		evicting;	/* children told to end, not yet reaped */
	size_t		groups;		/* source groups with live children */
	int		known;		/* the peer's group has an entry */
	uint32_t	group_live;	/* its live children */
	struct bucket	bucket;		/* its rate bucket */
	uint32_t	biggest;	/* live children of the biggest group */
	int64_t		now_ms;
};

struct admit_verdict {
	enum admit_action	action;
	enum refuse_reason	reason;		/* with ADMIT_REFUSE */
	struct bucket		bucket;		/* the group's bucket afterwards */
	int			health;		/* from health-check-from */
};

void		 admit_decide(const struct config *, const struct sockaddr *,
		    const struct admit_state *, struct admit_verdict *);
int		 admit_fair_share(const struct config *, const struct admit_state *);
int		 admit_header(const struct config *, const struct sockaddr *,
		    size_t, enum refuse_reason *);
int		 admit_is_health_check(const struct config *, const struct sockaddr *);
const char	*refuse_reason_name(enum refuse_reason);

#endif
