/* Where each child leaves its session's figures for the supervisor's close line. */
#ifndef OUTCOME_H
#define OUTCOME_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "session.h"

/* One child's figures, in memory the child shares with the supervisor. */
struct outcome {
	struct session_stats	st;
	volatile uint32_t	done;	/* st is final */
};

/* A child's addresses, known to the supervisor alone. */
union outcome_addr {
	struct sockaddr		sa;
	struct sockaddr_in	sin;
	struct sockaddr_in6	sin6;
};

struct outcome_origin {
	union outcome_addr	peer;
	union outcome_addr	via;	/* AF_UNSPEC: no proxy */
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
struct outcome	*outcomes_take(struct outcomes *, const struct sockaddr *,
		    const struct sockaddr *, uint32_t *);
void		 outcomes_give(struct outcomes *, uint32_t);
void		 outcomes_free(struct outcomes *);

#endif
