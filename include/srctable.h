/* SPDX-License-Identifier: ISC */
/* The per-source table: live children and a rate bucket per source group, fixed capacity. */
#ifndef SRCTABLE_H
#define SRCTABLE_H

#include <stddef.h>
#include <stdint.h>

#include "bucket.h"
#include "cidr.h"

#define SRCTABLE_DEFAULT	65536
#define SRCTABLE_MAX		(1 << 24)
/* How many of the oldest idle entries eviction inspects for a full bucket. */
#define SRCTABLE_EVICT_SCAN	8

struct srcent {
	struct srckey	key;
	uint32_t	live;		/* children of this group alive now */
	struct bucket	bucket;
	uint32_t	prev;		/* idle list links, index + 1, 0 ends */
	uint32_t	next;
};

struct srcslot {
	uint32_t	ent;		/* index + 1 into ent[], 0 is empty */
	uint32_t	hash;
};

/*
 * Both arrays are mapped once at init, never touched wholesale, and marked
 * MADV_DONTFORK: children neither see nor copy them, so the table must
 * only ever be used by the supervisor.  Entries with live == 0 sit on an
 * idle list, least recently used first; only they are evicted.  An entry
 * pointer stays valid until the next srctable_get(): hold it at once.
 */
struct srctable {
	struct srcent	*ent;
	struct srcslot	*slot;
	size_t		 cap;		/* max-sources */
	size_t		 mask;		/* slots - 1, slots >= 2 * cap */
	size_t		 used;		/* entries in the table */
	size_t		 live;		/* entries with live children */
	uint32_t	 idle_head;
	uint32_t	 idle_tail;
	uint64_t	 k0, k1;	/* hash key, random per table */
	uint64_t	 evicted;
	size_t		 entlen, slotlen;
};

int		 srctable_init(struct srctable *, size_t);
void		 srctable_free(struct srctable *);
struct srcent	*srctable_get(struct srctable *, const struct srckey *,
		    const struct rate *, int64_t);
struct srcent	*srctable_find(const struct srctable *, const struct srckey *);
void		 srctable_hold(struct srctable *, struct srcent *);
int		 srctable_release(struct srctable *, const struct srckey *);
int		 srctable_copy(struct srctable *, const struct srctable *);

#endif
