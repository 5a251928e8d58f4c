/* SPDX-License-Identifier: ISC */
/*
 * The per-source table: open addressing with linear probing over a keyed
 * SipHash, backward-shift deletion, and eviction from an LRU list of idle entries.
 */
#include <sys/mman.h>
#include <sys/random.h>

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "mem.h"
#include "srctable.h"

#define ROTL(x, b)	(uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

/* One SipRound over the state v. */
static void
sipround(uint64_t v[4])
{
	v[0] += v[1]; v[1] = ROTL(v[1], 13); v[1] ^= v[0];
	v[0] = ROTL(v[0], 32);
	v[2] += v[3]; v[3] = ROTL(v[3], 16); v[3] ^= v[2];
	v[0] += v[3]; v[3] = ROTL(v[3], 21); v[3] ^= v[0];
	v[2] += v[1]; v[1] = ROTL(v[1], 17); v[1] ^= v[2];
	v[2] = ROTL(v[2], 32);
}

/* Reads 8 little-endian bytes. */
static uint64_t
le64(const uint8_t *p)
{
	uint64_t	 x = 0;
	int		 i;

	for (i = 7; i >= 0; i--)
		x = x << 8 | p[i];
	return x;
}

/* SipHash-2-4 of len bytes under key (k0, k1): a flood cannot aim at one chain. */
static uint64_t
siphash(uint64_t k0, uint64_t k1, const uint8_t *p, size_t len)
{
	uint64_t	 v[4], m, last;
	size_t		 i, tail = len & 7;

	v[0] = k0 ^ 0x736f6d6570736575ULL;
	v[1] = k1 ^ 0x646f72616e646f6dULL;
	v[2] = k0 ^ 0x6c7967656e657261ULL;
	v[3] = k1 ^ 0x7465646279746573ULL;
	for (i = 0; i + 8 <= len; i += 8) {
		m = le64(p + i);
		v[3] ^= m;
		sipround(v);
		sipround(v);
		v[0] ^= m;
	}
	last = (uint64_t)len << 56;
	for (i = 0; i < tail; i++)
		last |= (uint64_t)p[len - tail + i] << (8 * i);
	v[3] ^= last;
	sipround(v);
	sipround(v);
	v[0] ^= last;
	v[2] ^= 0xff;
	for (i = 0; i < 4; i++)
		sipround(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

/* The slot hash of k; its low bits pick the home slot. */
static uint32_t
hashkey(const struct srctable *t, const struct srckey *k)
{
	return (uint32_t)siphash(t->k0, t->k1, (const uint8_t *)k,
	    sizeof(*k));
}

/*
 * Maps a table for cap sources (1 to SRCTABLE_MAX) with a fresh random
 * hash key.  Returns 0, or -1 with errno set.
 */
int
srctable_init(struct srctable *t, size_t cap)
{
	uint64_t	 key[2];
	size_t		 slots = 16;

	memset(t, 0, sizeof(*t));
	if (cap < 1 || cap > SRCTABLE_MAX) {
		errno = EINVAL;
		return -1;
	}
	while (slots < 2 * cap)
		slots *= 2;
	if (getrandom(key, sizeof(key), 0) != sizeof(key))
		return -1;
	t->entlen = cap * sizeof(struct srcent);
	t->slotlen = slots * sizeof(struct srcslot);
	if ((t->ent = mem_private(t->entlen)) == NULL)
		return -1;
	if ((t->slot = mem_private(t->slotlen)) == NULL) {
		(void)munmap(t->ent, t->entlen);
		t->ent = NULL;
		return -1;
	}
	t->cap = cap;
	t->mask = slots - 1;
	t->k0 = key[0];
	t->k1 = key[1];
	return 0;
}

/* Unmaps the table; t is then empty and may be initialised again. */
void
srctable_free(struct srctable *t)
{
	if (t->ent != NULL)
		(void)munmap(t->ent, t->entlen);
	if (t->slot != NULL)
		(void)munmap(t->slot, t->slotlen);
	memset(t, 0, sizeof(*t));
}

/* Returns the slot holding k, or the empty slot where it would go. */
static size_t
probe(const struct srctable *t, const struct srckey *k, uint32_t h)
{
	const struct srcslot	*s;
	size_t			 i;

	for (i = h & t->mask;; i = (i + 1) & t->mask) {
		s = &t->slot[i];
		if (s->ent == 0)
			return i;
		if (s->hash == h && srckey_equal(&t->ent[s->ent - 1].key, k))
			return i;
	}
	/* NOTREACHED: the load factor stays at or below one half. */
}

/* Returns k's entry, or NULL when k is not in the table. */
struct srcent *
srctable_find(const struct srctable *t, const struct srckey *k)
{
	size_t	 i;

	i = probe(t, k, hashkey(t, k));
	return t->slot[i].ent == 0 ? NULL : &t->ent[t->slot[i].ent - 1];
}

/* Takes e off the idle list. */
static void
idle_unlink(struct srctable *t, struct srcent *e)
{
	if (e->prev != 0)
		t->ent[e->prev - 1].next = e->next;
	else
		t->idle_head = e->next;
	if (e->next != 0)
		t->ent[e->next - 1].prev = e->prev;
	else
		t->idle_tail = e->prev;
	e->prev = e->next = 0;
}

/* Puts e at the idle list's tail: the most recently used end. */
static void
idle_append(struct srctable *t, struct srcent *e)
{
	uint32_t	 id = (uint32_t)(e - t->ent) + 1;

	e->next = 0;
	e->prev = t->idle_tail;
	if (t->idle_tail != 0)
		t->ent[t->idle_tail - 1].next = id;
	else
		t->idle_head = id;
	t->idle_tail = id;
}

/*
 * Empties slot i and shifts later members of its cluster back, so no
 * tombstones build up under churn.
 */
static void
slot_delete(struct srctable *t, size_t i)
{
	size_t	 j, home;

	for (j = (i + 1) & t->mask; t->slot[j].ent != 0;
	    j = (j + 1) & t->mask) {
		home = t->slot[j].hash & t->mask;
		/* Move j back to i unless its home lies in (i, j]. */
		if (((j - home) & t->mask) >= ((j - i) & t->mask)) {
			t->slot[i] = t->slot[j];
			i = j;
		}
	}
	t->slot[i].ent = 0;
	t->slot[i].hash = 0;
}

/*
 * Frees an idle entry for reuse: among the oldest SRCTABLE_EVICT_SCAN idle
 * entries the first with a full bucket, since forgetting it loses nothing,
 * else the oldest.  Returns NULL when every entry has live children.
 */
static struct srcent *
evict(struct srctable *t, const struct rate *r, int64_t now_ms)
{
	struct srcent	*e, *victim;
	uint32_t	 id;
	int		 n;

	if (t->idle_head == 0)
		return NULL;
	victim = &t->ent[t->idle_head - 1];
	for (id = t->idle_head, n = 0; id != 0 && n < SRCTABLE_EVICT_SCAN;
	    id = e->next, n++) {
		e = &t->ent[id - 1];
		if (bucket_full(&e->bucket, r, now_ms)) {
			victim = e;
			break;
		}
	}
	slot_delete(t, probe(t, &victim->key, hashkey(t, &victim->key)));
	idle_unlink(t, victim);
	t->used--;
	t->evicted++;
	return victim;
}

/* Puts k in the free entry e and the empty slot i, on the idle list's tail. */
static void
insert(struct srctable *t, struct srcent *e, size_t i, uint32_t h,
    const struct srckey *k)
{
	memset(e, 0, sizeof(*e));
	e->key = *k;
	t->slot[i].ent = (uint32_t)(e - t->ent) + 1;
	t->slot[i].hash = h;
	t->used++;
	idle_append(t, e);
}

/*
 * Returns k's entry, inserting it with a full bucket if new, evicting an
 * idle entry when the table is full.  The entry counts as recently used.
 * Returns NULL only when every entry has live children.
 */
struct srcent *
srctable_get(struct srctable *t, const struct srckey *k,
    const struct rate *r, int64_t now_ms)
{
	struct srcent	*e;
	uint32_t	 h = hashkey(t, k);
	size_t		 i;

	i = probe(t, k, h);
	if (t->slot[i].ent != 0) {
		e = &t->ent[t->slot[i].ent - 1];
		if (e->live == 0) {
			idle_unlink(t, e);
			idle_append(t, e);
		}
		return e;
	}
	/* Entries leave only by eviction, so ent[0..used) are all taken. */
	if (t->used < t->cap)
		e = &t->ent[t->used];
	else if ((e = evict(t, r, now_ms)) != NULL)
		i = probe(t, k, h);	/* eviction may have shifted slots */
	else
		return NULL;
	insert(t, e, i, h, k);
	bucket_init(&e->bucket, now_ms);
	return e;
}

/*
 * Fills dst, empty and just initialised, from src when max-sources changes
 * on reload: every entry with live children, then the newest idle entries
 * that fit, oldest first.  Returns 0, or -1 when the live entries alone do
 * not fit: keep src then.
 */
int
srctable_copy(struct srctable *dst, const struct srctable *src)
{
	const struct srcent	*s;
	struct srcent		*e;
	size_t			 i, idle, skip;
	uint32_t		 h, id;

	if (dst->used != 0 || src->live > dst->cap)
		return -1;
	for (i = 0; i < src->used; i++) {
		s = &src->ent[i];
		if (s->live == 0)
			continue;
		e = &dst->ent[dst->used];
		h = hashkey(dst, &s->key);
		insert(dst, e, probe(dst, &s->key, h), h, &s->key);
		idle_unlink(dst, e);
		e->live = s->live;
		e->bucket = s->bucket;
		dst->live++;
	}
	idle = src->used - src->live;
	skip = idle > dst->cap - dst->used ? idle - (dst->cap - dst->used) : 0;
	for (id = src->idle_head; id != 0; id = s->next) {
		s = &src->ent[id - 1];
		if (skip > 0) {
			skip--;
			continue;
		}
		e = &dst->ent[dst->used];
		h = hashkey(dst, &s->key);
		insert(dst, e, probe(dst, &s->key, h), h, &s->key);
		e->bucket = s->bucket;
	}
	return 0;
}

/* Counts a new live child of e's group; call once its fork succeeded. */
void
srctable_hold(struct srctable *t, struct srcent *e)
{
	if (e->live++ == 0) {
		idle_unlink(t, e);
		t->live++;
	}
}

/* Counts a child of group k gone; -1 if k holds no live child (a bug). */
int
srctable_release(struct srctable *t, const struct srckey *k)
{
	struct srcent	*e;

	if ((e = srctable_find(t, k)) == NULL || e->live == 0)
		return -1;
	if (--e->live == 0) {
		idle_append(t, e);
		t->live--;
	}
	return 0;
}
