/* SPDX-License-Identifier: ISC */
/* Where each child leaves its session's figures for the supervisor's close line. */
#ifndef OUTCOME_H
#define OUTCOME_H

#include <stddef.h>
#include <stdint.h>

#include "peer.h"
#include "session.h"

/* One child's figures, in memory the child shares with the supervisor. */
struct outcome {
	struct session_stats	st;
	volatile uint32_t	done;	/* st is final */
};

/* A child's names as its accept line gave them, for the supervisor alone. */
struct outcome_origin {
	char			peer[PEER_STRLEN];
	char			proxy[ADDR_STRLEN];	/* "": no proxy */
};

struct outcomes {
	struct outcome		*shared;	/* children write their own */
	struct outcome_origin	*origin;	/* supervisor only */
	uint32_t		*free;		/* supervisor only */
	size_t			 cap;
	size_t			 nfree;
	size_t			 used;		/* slots handed out so far */
};

int		 outcomes_init(struct outcomes *, size_t);
struct outcome	*outcomes_take(struct outcomes *, const char *, const char *,
		    uint32_t *);
void		 outcomes_give(struct outcomes *, uint32_t);
void		 outcomes_free(struct outcomes *);

#endif
