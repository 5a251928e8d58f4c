/* SPDX-License-Identifier: ISC */
/* Unit tests of mem.c: private memory is zeroed, never inherited, and costs no copy-on-write fault after a fork. */

#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "mem.h"

/* Pages in a test table: well above the few faults the test's own stack takes. */
#define TABLE_PAGES	512

static size_t
page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

/* Minor page faults of this process so far. */
static long
minflt(void)
{
	struct rusage	ru;

	assert_int_equal(getrusage(RUSAGE_SELF, &ru), 0);
	return ru.ru_minflt;
}

/* Writes one byte in each of the table's pages. */
static void
touch(volatile unsigned char *p, size_t pages, unsigned char v)
{
	size_t	i;

	for (i = 0; i < pages; i++)
		p[i * page_size()] = v;
}

/*
 * The minor faults this process takes writing every page of the table
 * (already written once) while a child forked after that first write is
 * still alive, as the supervisor writes its tables while children run.
 */
static long
faults_while_child_lives(unsigned char *p, size_t pages)
{
	int	go[2], st;
	pid_t	pid;
	char	c;
	long	before, after;

	/* Whole pages: a huge page would make one fault of many pages. */
	(void)madvise(p, pages * page_size(), MADV_NOHUGEPAGE);
	touch(p, pages, 1);
	assert_int_equal(pipe(go), 0);
	if ((pid = fork()) == 0) {
		(void)close(go[1]);
		/* Alive, sharing what it inherited, until the parent is done. */
		_exit(read(go[0], &c, 1) == 0 ? 0 : 1);
	}
	assert_true(pid > 0);
	(void)close(go[0]);
	before = minflt();
	touch(p, pages, 2);
	after = minflt();
	assert_int_equal(close(go[1]), 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	return after - before;
}

/* mem_private gives zeroed, writable memory that mem_release unmaps. */
static void
test_private_zeroed(void **state)
{
	size_t		 len = 3 * page_size() + 17, i;
	unsigned char	*p;

	(void)state;
	assert_non_null(p = mem_private(len));
	for (i = 0; i < len; i++)
		assert_int_equal(p[i], 0);
	memset(p, 0xa5, len);
	assert_int_equal(p[len - 1], 0xa5);
	mem_release(p, len);
	mem_release(NULL, len);		/* a no-op */
}

/* 0 if nothing is mapped at [p, p + len) in this process. */
static int
unmapped(void *p, size_t len)
{
	unsigned char	vec[8];

	/* mincore fails with ENOMEM on a range that is not mapped. */
	return mincore(p, len < 8 * page_size() ? len : 8 * page_size(),
	    vec) == -1 && errno == ENOMEM ? 0 : 1;
}

/* A child has no mapping where the parent keeps its private memory. */
static void
test_private_not_inherited(void **state)
{
	size_t		 len = 4 * page_size();
	unsigned char	*p;
	pid_t		 pid;
	int		 st;

	(void)state;
	if (mem_private_inherited())
		skip();
	assert_non_null(p = mem_private(len));
	p[0] = 1;
	assert_int_equal(unmapped(p, len), 1);
	if ((pid = fork()) == 0)
		_exit(unmapped(p, len));
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	mem_release(p, len);
}

/*
 * The saving counted: with a child alive, writing every page of an
 * ordinary table costs a copy-on-write fault per page, and of a table in
 * private memory about none (the few left are the test's own stack).
 */
static void
test_private_saves_cow_faults(void **state)
{
	size_t		 len = TABLE_PAGES * page_size();
	unsigned char	*plain, *priv;
	long		 fplain, fpriv;

	(void)state;
	if (mem_private_inherited())
		skip();
	plain = mmap(NULL, len, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(plain != MAP_FAILED);
	assert_non_null(priv = mem_private(len));
	fplain = faults_while_child_lives(plain, TABLE_PAGES);
	fpriv = faults_while_child_lives(priv, TABLE_PAGES);
	print_message("minor faults writing %d pages with a child alive: "
	    "ordinary %ld, mem_private %ld\n", TABLE_PAGES, fplain, fpriv);
	assert_true(fplain >= TABLE_PAGES);
	assert_true(fpriv <= TABLE_PAGES / 32);
	assert_int_equal(munmap(plain, len), 0);
	mem_release(priv, len);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_private_zeroed),
		cmocka_unit_test(test_private_not_inherited),
		cmocka_unit_test(test_private_saves_cow_faults),
	};

	return cmocka_run_group_tests_name("mem", tests, NULL, NULL);
}
