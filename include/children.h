/* SPDX-License-Identifier: ISC */
/* The supervisor's table of live children, keyed by pid, allocated once per capacity. */
#ifndef CHILDREN_H
#define CHILDREN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "cidr.h"

struct child {
	pid_t		pid;
	struct timespec	start;
	struct srckey	key;		/* its source group, as counted */
	uint32_t	outcome;	/* its slot in struct outcomes */
	uint8_t		health;		/* a health check: counted, not logged */
	uint8_t		evicting;	/* told to end for fair share */
};

struct children {
	struct child	*slot;		/* open addressing, pid 0 is empty */
	size_t		 size;		/* power of two, at least twice cap */
	size_t		 cap;
	size_t		 count;
};

int		 children_init(struct children *, size_t);
int		 children_resize(struct children *, size_t);
int		 children_add(struct children *, const struct child *);
int		 children_remove(struct children *, pid_t, struct child *);
void		 children_kill(const struct children *, int);
struct child	*children_next(struct children *, size_t *);
void		 children_free(struct children *);

#endif
