/* SPDX-License-Identifier: ISC */
/* Unit tests for srctable.c: fixed capacity, eviction order, live entries kept, no fork copy, probe counts. */
#include <sys/mman.h>
#include <sys/wait.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "srctable.h"

static struct rate	 limit;		/* 1/s, burst 1 */

/* Key number n: a distinct IPv6 /64 per n. */
static void
key(struct srckey *k, uint32_t n)
{
	memset(k, 0, sizeof(*k));
	k->family = AF_INET6;
	k->bits = 64;
	k->addr[0] = 0x20;
	k->addr[1] = 0x01;
	memcpy(k->addr + 4, &n, sizeof(n));
}

/*
 * Walks the whole table and checks its invariants: every slot finds its
 * entry, used and live match, the idle list holds exactly the idle entries.
 */
static void
check_invariants(const struct srctable *t)
{
	size_t		 i, occupied = 0, live = 0, idle = 0;
	uint32_t	 id, prev = 0;

	for (i = 0; i <= t->mask; i++) {
		if (t->slot[i].ent == 0)
			continue;
		occupied++;
		assert_in_range(t->slot[i].ent, 1, t->cap);
		assert_ptr_equal(srctable_find(t,
		    &t->ent[t->slot[i].ent - 1].key), &t->ent[t->slot[i].ent - 1]);
		if (t->ent[t->slot[i].ent - 1].live > 0)
			live++;
	}
	for (id = t->idle_head; id != 0; id = t->ent[id - 1].next) {
		assert_int_equal(t->ent[id - 1].live, 0);
		assert_int_equal(t->ent[id - 1].prev, prev);
		prev = id;
		idle++;
		assert_true(idle <= t->used);
	}
	assert_int_equal(t->idle_tail, prev);
	assert_int_equal(occupied, t->used);
	assert_int_equal(live, t->live);
	assert_int_equal(idle + live, t->used);
	assert_true(t->used <= t->cap);
}

static void
test_basic(void **state)
{
	struct srctable	 t;
	struct srckey	 a, b;
	struct srcent	*e;

	(void)state;
	assert_int_equal(srctable_init(&t, 16), 0);
	key(&a, 1);
	key(&b, 2);
	assert_null(srctable_find(&t, &a));
	assert_non_null(e = srctable_get(&t, &a, &limit, 0));
	assert_int_equal(e->live, 0);
	assert_true(srckey_equal(&e->key, &a));
	assert_true(bucket_take(&e->bucket, &limit, 0));
	assert_false(bucket_take(&e->bucket, &limit, 0));
	srctable_hold(&t, e);
	srctable_hold(&t, e);
	assert_ptr_equal(srctable_get(&t, &a, &limit, 0), e);
	assert_int_equal(e->live, 2);
	assert_int_equal(t.live, 1);
	assert_int_equal(t.used, 1);
	assert_int_equal(srctable_release(&t, &b), -1);
	assert_int_equal(srctable_release(&t, &a), 0);
	assert_int_equal(srctable_release(&t, &a), 0);
	assert_int_equal(srctable_release(&t, &a), -1);
	assert_int_equal(t.live, 0);
	/* The entry stays, with its bucket still empty, after its last child. */
	assert_ptr_equal(srctable_find(&t, &a), e);
	assert_false(bucket_take(&e->bucket, &limit, 999));
	assert_true(bucket_take(&e->bucket, &limit, 1000));
	check_invariants(&t);
	srctable_free(&t);
	assert_int_equal(srctable_init(&t, 0), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(srctable_init(&t, SRCTABLE_MAX + 1), -1);
}

/* Entries with live children are never evicted; a table full of them refuses. */
static void
test_full_of_live(void **state)
{
	struct srctable	 t;
	struct srckey	 k;
	struct srcent	*e;
	uint32_t	 i;

	(void)state;
	assert_int_equal(srctable_init(&t, 4), 0);
	for (i = 0; i < 4; i++) {
		key(&k, i);
		assert_non_null(e = srctable_get(&t, &k, &limit, 0));
		srctable_hold(&t, e);
	}
	key(&k, 100);
	assert_null(srctable_get(&t, &k, &limit, 0));
	assert_int_equal(t.evicted, 0);
	key(&k, 2);
	assert_int_equal(srctable_release(&t, &k), 0);
	key(&k, 100);
	assert_non_null(srctable_get(&t, &k, &limit, 0));
	assert_int_equal(t.evicted, 1);
	key(&k, 2);
	assert_null(srctable_find(&t, &k));
	for (i = 0; i < 4; i++) {
		key(&k, i);
		if (i != 2)
			assert_int_equal(srctable_find(&t, &k)->live, 1);
	}
	check_invariants(&t);
	srctable_free(&t);
}

/* Eviction takes an idle entry with a full bucket first, else the oldest idle one. */
static void
test_evict_order(void **state)
{
	struct srctable	 t;
	struct srckey	 k;
	struct srcent	*e;
	uint32_t	 i;

	(void)state;
	assert_int_equal(srctable_init(&t, 4), 0);
	for (i = 0; i < 4; i++) {
		key(&k, i);
		assert_non_null(e = srctable_get(&t, &k, &limit, 0));
		if (i != 2)	/* 0, 1, 3 spend their token; 2 stays full */
			assert_true(bucket_take(&e->bucket, &limit, 0));
	}
	key(&k, 10);
	assert_non_null(srctable_get(&t, &k, &limit, 500));
	key(&k, 2);
	assert_null(srctable_find(&t, &k));		/* the full one went */
	/* Now no bucket is full at 500 ms: the oldest idle entry, 0, goes. */
	key(&k, 10);
	assert_non_null(e = srctable_get(&t, &k, &limit, 500));
	assert_true(bucket_take(&e->bucket, &limit, 500));
	key(&k, 11);
	assert_non_null(e = srctable_get(&t, &k, &limit, 500));
	assert_true(bucket_take(&e->bucket, &limit, 500));
	key(&k, 0);
	assert_null(srctable_find(&t, &k));
	/* A lookup refreshes: 1 is touched, so 3 is now the oldest. */
	key(&k, 1);
	assert_non_null(e = srctable_get(&t, &k, &limit, 500));
	key(&k, 12);
	assert_non_null(srctable_get(&t, &k, &limit, 500));
	key(&k, 3);
	assert_null(srctable_find(&t, &k));
	key(&k, 1);
	assert_non_null(srctable_find(&t, &k));
	check_invariants(&t);
	srctable_free(&t);
}

/* Returns the longest run of occupied slots: the worst probe sequence. */
static size_t
longest_cluster(const struct srctable *t)
{
	size_t	 i, run = 0, best = 0;

	for (i = 0; i <= 2 * t->mask + 1; i++) {
		if (t->slot[i & t->mask].ent != 0) {
			if (++run > best)
				best = run;
		} else
			run = 0;
	}
	return best;
}

/*
 * A million distinct sources through a table of max-sources 65536 with up
 * to max-children 1000 live at once: capacity holds, live entries stay.
 */
static void
test_million(void **state)
{
	enum { NSRC = 1000000, MAXCHILD = 1000 };
	struct srctable	 t;
	struct srckey	 k;
	struct srcent	*e;
	uint32_t	 livekey[MAXCHILD], i, j;
	size_t		 nlive = 0, slot;
	struct timespec	 t0, t1;
	double		 ns;

	(void)state;
	assert_int_equal(srctable_init(&t, SRCTABLE_DEFAULT), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < NSRC; i++) {
		key(&k, i);
		assert_non_null(e = srctable_get(&t, &k, &limit, i / 10));
		(void)bucket_take(&e->bucket, &limit, i / 10);
		if (i % 7 != 0)
			continue;
		/* Every 7th source gets a child; the oldest child exits. */
		if (nlive == MAXCHILD) {
			slot = i % MAXCHILD;
			key(&k, livekey[slot]);
			assert_int_equal(srctable_release(&t, &k), 0);
		} else
			slot = nlive++;
		srctable_hold(&t, e);
		livekey[slot] = i;
		assert_true(t.used <= t.cap);
		assert_true(t.live <= MAXCHILD);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ns = ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / NSRC;
	print_message("%u sources, %.0f ns per get, %llu evicted, "
	    "longest cluster %zu of %zu slots\n", (unsigned)NSRC, ns,
	    (unsigned long long)t.evicted, longest_cluster(&t), t.mask + 1);
	assert_int_equal(t.used, t.cap);
	assert_int_equal(t.evicted, NSRC - SRCTABLE_DEFAULT);
	assert_true(longest_cluster(&t) < 200);
	check_invariants(&t);
	/* Every live source is still there with its one child. */
	for (j = 0; j < nlive; j++) {
		key(&k, livekey[j]);
		assert_non_null(e = srctable_find(&t, &k));
		assert_int_equal(e->live, 1);
	}
	/* The newest sources are all present, the oldest idle ones gone. */
	for (i = NSRC - 1000; i < NSRC; i++) {
		key(&k, i);
		assert_non_null(srctable_find(&t, &k));
	}
	key(&k, 1);
	assert_null(srctable_find(&t, &k));
	for (j = 0; j < nlive; j++) {
		key(&k, livekey[j]);
		assert_int_equal(srctable_release(&t, &k), 0);
	}
	assert_int_equal(t.live, 0);
	check_invariants(&t);
	srctable_free(&t);
}

/* With max-children <= max-sources, a table can never refuse a new source. */
static void
test_never_full(void **state)
{
	enum { CAP = 64, ROUNDS = 200000 };
	struct srctable	 t;
	struct srckey	 k;
	struct srcent	*e;
	uint32_t	 held[CAP], i, n;
	size_t		 nheld = 0;

	(void)state;
	srandom(42);
	assert_int_equal(srctable_init(&t, CAP), 0);
	for (i = 0; i < ROUNDS; i++) {
		if (nheld == CAP || (nheld > 0 && random() % 2 == 0)) {
			n = random() % nheld;
			key(&k, held[n]);
			assert_int_equal(srctable_release(&t, &k), 0);
			held[n] = held[--nheld];
			continue;
		}
		n = random() % (4 * CAP);	/* sources come back often */
		key(&k, n);
		assert_non_null(e = srctable_get(&t, &k, &limit, i));
		srctable_hold(&t, e);
		held[nheld++] = n;
		assert_true(t.live <= nheld);
	}
	check_invariants(&t);
	srctable_free(&t);
}

/* Init touches no page of the arrays, and a fork child does not map them. */
static void
test_memory(void **state)
{
	struct srctable	 t;
	struct srckey	 k;
	unsigned char	*vec;
	size_t		 pages, i, resident = 0;
	long		 psz = sysconf(_SC_PAGESIZE);
	pid_t		 pid;
	int		 st;

	(void)state;
	assert_int_equal(srctable_init(&t, SRCTABLE_DEFAULT), 0);
	pages = (t.entlen + psz - 1) / psz;
	assert_non_null(vec = malloc(pages));
	assert_int_equal(mincore(t.ent, t.entlen, vec), 0);
	for (i = 0; i < pages; i++)
		resident += vec[i] & 1;
	assert_int_equal(resident, 0);
	for (i = 0; i < 100; i++) {
		key(&k, i);
		assert_non_null(srctable_get(&t, &k, &limit, 0));
	}
	assert_int_equal(mincore(t.ent, t.entlen, vec), 0);
	for (resident = 0, i = 0; i < pages; i++)
		resident += vec[i] & 1;
	assert_in_range(resident, 1, 2);
	free(vec);
	if ((pid = fork()) == 0) {
		unsigned char	 v;

		/* ENOMEM: the range is not mapped in the child at all. */
		_exit(mincore(t.ent, psz, &v) == -1 && errno == ENOMEM ? 0 : 1);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	srctable_free(&t);
}

/*
 * Slots a lookup inspects, counted from the table itself: for a present
 * source its distance from its home slot plus one, for a new one the run
 * from a home slot to the first empty slot.  Returns the mean of each
 * over the table, and the longest present-source probe in *most.
 */
static void
probe_counts(const struct srctable *t, double *hit, double *miss,
    size_t *most)
{
	size_t	 i, j, d, hits = 0, misses = 0;

	*most = 0;
	for (i = 0; i <= t->mask; i++) {
		for (j = i; t->slot[j].ent != 0; j = (j + 1) & t->mask)
			misses++;
		misses++;
		if (t->slot[i].ent == 0)
			continue;
		d = ((i - (t->slot[i].hash & t->mask)) & t->mask) + 1;
		hits += d;
		if (d > *most)
			*most = d;
	}
	*hit = t->used == 0 ? 0 : (double)hits / (double)t->used;
	*miss = (double)misses / (double)(t->mask + 1);
}

/*
 * The cost behind make bench-work's source figures: with 1, 1,000 and
 * 65,536 sources (127.1.0.0 and up, as the benchmark's) in a table of
 * max-sources 65536, a lookup inspects about as few slots at every count,
 * since the slots are at most half full.
 */
static void
test_probe_cost(void **state)
{
	static const uint32_t	 counts[] = { 1, 1000, 65536 };
	struct srctable		 t;
	struct srckey		 k;
	double			 hit, miss;
	size_t			 c, most;
	uint32_t		 i, a;

	(void)state;
	for (c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
		assert_int_equal(srctable_init(&t, SRCTABLE_DEFAULT), 0);
		for (i = 0; i < counts[c]; i++) {
			memset(&k, 0, sizeof(k));
			k.family = AF_INET;
			k.bits = 32;
			a = 0x7f010000U + i;
			k.addr[0] = (uint8_t)(a >> 24);
			k.addr[1] = (uint8_t)(a >> 16);
			k.addr[2] = (uint8_t)(a >> 8);
			k.addr[3] = (uint8_t)a;
			assert_non_null(srctable_get(&t, &k, &limit, 0));
		}
		assert_int_equal(t.used, counts[c]);
		probe_counts(&t, &hit, &miss, &most);
		print_message("%u sources: %.2f slots per lookup of a known "
		    "source (at most %zu), %.2f for a new one\n", counts[c],
		    hit, most, miss);
		/* Linear probing at half load expects 1.5 and 2.5. */
		assert_true(hit <= 2.0);
		assert_true(miss <= 3.5);
		assert_true(most < 200);
		srctable_free(&t);
	}
}

/* Two tables hash the same key differently: the seed is random. */
static void
test_seeded(void **state)
{
	struct srctable	 a, b;

	(void)state;
	assert_int_equal(srctable_init(&a, 16), 0);
	assert_int_equal(srctable_init(&b, 16), 0);
	assert_true(a.k0 != b.k0 || a.k1 != b.k1);
	srctable_free(&a);
	srctable_free(&b);
}

/* A reload that changes max-sources keeps live entries and the newest idle ones. */
static void
test_copy(void **state)
{
	struct srctable	 a, b, c;
	struct srckey	 k;
	struct srcent	*e;
	uint32_t	 i;

	(void)state;
	assert_int_equal(srctable_init(&a, 100), 0);
	for (i = 0; i < 100; i++) {
		key(&k, i);
		assert_non_null(e = srctable_get(&a, &k, &limit, 0));
		if (i % 10 == 0) {
			srctable_hold(&a, e);
			srctable_hold(&a, e);
		}
		if (i == 55)
			assert_true(bucket_take(&e->bucket, &limit, 0));
	}
	/* Shrink to 20: the 10 live ones and the 10 newest idle ones. */
	assert_int_equal(srctable_init(&b, 20), 0);
	assert_int_equal(srctable_copy(&b, &a), 0);
	assert_int_equal(b.used, 20);
	assert_int_equal(b.live, 10);
	for (i = 0; i < 100; i++) {
		key(&k, i);
		e = srctable_find(&b, &k);
		if (i % 10 == 0) {
			assert_non_null(e);
			assert_int_equal(e->live, 2);
		} else if (i >= 89)	/* 89, 91-99 */
			assert_non_null(e);
		else
			assert_null(e);
	}
	check_invariants(&b);
	/* Grow to 1000: everything, bucket state included. */
	assert_int_equal(srctable_init(&c, 1000), 0);
	assert_int_equal(srctable_copy(&c, &a), 0);
	assert_int_equal(c.used, 100);
	key(&k, 55);
	assert_non_null(e = srctable_find(&c, &k));
	assert_false(bucket_take(&e->bucket, &limit, 10));
	key(&k, 40);
	assert_int_equal(srctable_release(&c, &k), 0);
	assert_int_equal(srctable_find(&c, &k)->live, 1);
	check_invariants(&c);
	/* The live entries alone do not fit in 5: refused, dst untouched. */
	srctable_free(&b);
	assert_int_equal(srctable_init(&b, 5), 0);
	assert_int_equal(srctable_copy(&b, &a), -1);
	assert_int_equal(b.used, 0);
	srctable_free(&a);
	srctable_free(&b);
	srctable_free(&c);
}

static int
setup(void **state)
{
	const char	*err;

	(void)state;
	return rate_set(&limit, 1, 1000, 1, &err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_full_of_live),
		cmocka_unit_test(test_evict_order),
		cmocka_unit_test(test_million),
		cmocka_unit_test(test_never_full),
		cmocka_unit_test(test_memory),
		cmocka_unit_test(test_seeded),
		cmocka_unit_test(test_copy),
		cmocka_unit_test(test_probe_cost),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
