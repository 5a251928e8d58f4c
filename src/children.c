/* SPDX-License-Identifier: ISC */
/*
 * The supervisor's table of live children: open addressing on the pid,
 * sized once for max-children so a flood allocates nothing.
 */

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "children.h"
#include "mem.h"

static size_t
slot_of(const struct children *c, pid_t pid)
{
	/* Fibonacci hashing spreads consecutive pids. */
	return (size_t)(((uint64_t)(uint32_t)pid * 11400714819323198485ull)
	    >> 32) & (c->size - 1);
}

static size_t
table_size(size_t cap)
{
	size_t	size = 16;

	while (size < cap * 2)
		size <<= 1;
	return size;
}

int
children_init(struct children *c, size_t cap)
{
	memset(c, 0, sizeof(*c));
	c->size = table_size(cap);
	/* The supervisor's alone: a child needs none of it. */
	if ((c->slot = mem_private(c->size * sizeof(*c->slot))) == NULL)
		return -1;
	c->cap = cap;
	return 0;
}

/* A new capacity, keeping every live child; never below the live count. */
int
children_resize(struct children *c, size_t cap)
{
	struct children	n;
	size_t		i;

	if (cap < c->count)
		cap = c->count;
	if (table_size(cap) == c->size) {
		c->cap = cap;
		return 0;
	}
	if (children_init(&n, cap) == -1)
		return -1;
	for (i = 0; i < c->size; i++)
		if (c->slot[i].pid != 0)
			children_add(&n, &c->slot[i]);
	mem_release(c->slot, c->size * sizeof(*c->slot));
	*c = n;
	return 0;
}

int
children_add(struct children *c, const struct child *k)
{
	size_t	i;

	if (c->count >= c->cap) {
		errno = ENOSPC;
		return -1;
	}
	for (i = slot_of(c, k->pid); c->slot[i].pid != 0;
	    i = (i + 1) & (c->size - 1))
		;
	c->slot[i] = *k;
	c->count++;
	return 0;
}

/* Removes pid and hands its entry back; -1 if it is not ours. */
int
children_remove(struct children *c, pid_t pid, struct child *out)
{
	size_t	i, j, home;

	for (i = slot_of(c, pid); c->slot[i].pid != pid;
	    i = (i + 1) & (c->size - 1))
		if (c->slot[i].pid == 0)
			return -1;
	if (out != NULL)
		*out = c->slot[i];
	c->slot[i].pid = 0;
	c->count--;
	/* Backward shift: move up any entry whose probe ran through i. */
	for (j = (i + 1) & (c->size - 1); c->slot[j].pid != 0;
	    j = (j + 1) & (c->size - 1)) {
		home = slot_of(c, c->slot[j].pid);
		if (((j - home) & (c->size - 1)) >= ((j - i) & (c->size - 1))) {
			c->slot[i] = c->slot[j];
			c->slot[j].pid = 0;
			i = j;
		}
	}
	return 0;
}

void
children_kill(const struct children *c, int sig)
{
	size_t	i;

	for (i = 0; i < c->size; i++)
		if (c->slot[i].pid > 0)
			kill(c->slot[i].pid, sig);
}

/*
 * Iterates over live children: start with *pos 0; returns NULL after the
 * last.  The table must not change during the walk.
 */
struct child *
children_next(struct children *c, size_t *pos)
{
	while (*pos < c->size) {
		if (c->slot[(*pos)++].pid > 0)
			return &c->slot[*pos - 1];
	}
	return NULL;
}

void
children_free(struct children *c)
{
	mem_release(c->slot, c->size * sizeof(*c->slot));
	memset(c, 0, sizeof(*c));
}
