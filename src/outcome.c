/* SPDX-License-Identifier: ISC */
/*
 * Session figures from child to supervisor: one slot per live child in a
 * shared mapping, so the supervisor writes the close line and a child
 * needs neither a log connection nor a clock on its way out.
 */

#include <sys/mman.h>

#include <string.h>

#include <bsd/string.h>

#include "mem.h"
#include "outcome.h"

/*
 * Every array is sized once, for cap slots, and touched only as slots are
 * used: reloads never move a slot a live child still writes to.
 */
int
outcomes_init(struct outcomes *o, size_t cap)
{
	memset(o, 0, sizeof(*o));
	/* fd -1 is what MAP_ANONYMOUS asks for; cppcheck wants fd >= 0. */
	o->shared = mmap(NULL, cap * sizeof(*o->shared), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0); /* cppcheck-suppress invalidFunctionArg */
	if (o->shared == MAP_FAILED) {
		o->shared = NULL;
		return -1;
	}
	o->cap = cap;
	o->origin = mem_private(cap * sizeof(*o->origin));
	o->free = mem_private(cap * sizeof(*o->free));
	if (o->origin == NULL || o->free == NULL) {
		outcomes_free(o);
		return -1;
	}
	return 0;
}

/*
 * A cleared slot for a child about to be forked for peer (through proxy,
 * or NULL), its index in *idx; NULL when all cap are in use.  Freed slots
 * are reused first, so the touched part stays small.
 */
struct outcome *
outcomes_take(struct outcomes *o, const char *peer, const char *proxy,
    uint32_t *idx)
{
	if (o->nfree > 0)
		*idx = o->free[--o->nfree];
	else if (o->used < o->cap)
		*idx = (uint32_t)o->used++;
	else
		return NULL;
	strlcpy(o->origin[*idx].peer, peer, sizeof(o->origin[*idx].peer));
	strlcpy(o->origin[*idx].proxy, proxy != NULL ? proxy : "",
	    sizeof(o->origin[*idx].proxy));
	memset(&o->shared[*idx], 0, sizeof(o->shared[*idx]));
	return &o->shared[*idx];
}

void
outcomes_give(struct outcomes *o, uint32_t idx)
{
	if (idx < o->used && o->nfree < o->cap)
		o->free[o->nfree++] = idx;
}

void
outcomes_free(struct outcomes *o)
{
	if (o->shared != NULL)
		(void)munmap(o->shared, o->cap * sizeof(*o->shared));
	mem_release(o->origin, o->cap * sizeof(*o->origin));
	mem_release(o->free, o->cap * sizeof(*o->free));
	memset(o, 0, sizeof(*o));
}
