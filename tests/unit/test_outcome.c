/* SPDX-License-Identifier: ISC */
/*
 * Unit tests of the outcome slots: a slot a forked child writes is read
 * by the parent (the mapping is shared), the supervisor's own arrays are
 * not even mapped in a child, slots are reused,
 * and a full table says so.
 */

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "mem.h"
#include "outcome.h"

static struct outcomes	o;

static int
setup(void **state)
{
	(void)state;
	return outcomes_init(&o, 8);
}

static int
teardown(void **state)
{
	(void)state;
	outcomes_free(&o);
	return 0;
}

/* Runs fn in a forked child; returns its wait status. */
static int
in_child_status(void (*fn)(struct outcome *), struct outcome *slot)
{
	pid_t	pid;
	int	st;

	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		fn(slot);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return st;
}

/* Runs fn in a forked child and checks that it exited 0. */
static void
in_child(void (*fn)(struct outcome *), struct outcome *slot)
{
	int	st = in_child_status(fn, slot);

	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void
write_figures(struct outcome *slot)
{
	slot->st.in = 1234;
	slot->st.out = 56;
	slot->st.reads = 7;
	slot->st.replies = 7;
	slot->st.end = SESSION_TIMEOUT;
	slot->done = 1;
}

/* The supervisor's own arrays are not mapped in a child at all. */
static void
touch_origin(struct outcome *slot)
{
	(void)slot;
	/* cmocka catches SIGSEGV to report it; here it must kill. */
	signal(SIGSEGV, SIG_DFL);
	*(volatile char *)o.origin[0].peer = 'x';
}

/* The child's figures reach the parent; the origin names stay the parent's. */
static void
test_child_writes_parent_reads(void **state)
{
	struct outcome	*slot;
	uint32_t	 idx;

	(void)state;
	slot = outcomes_take(&o, "127.0.0.1:5000", NULL, &idx);
	assert_non_null(slot);
	assert_int_equal(idx, 0);
	assert_int_equal(slot->done, 0);
	assert_string_equal(o.origin[idx].peer, "127.0.0.1:5000");
	assert_string_equal(o.origin[idx].proxy, "");
	in_child(write_figures, slot);
	assert_int_equal(slot->done, 1);
	assert_int_equal(slot->st.in, 1234);
	assert_int_equal(slot->st.out, 56);
	assert_int_equal(slot->st.reads, 7);
	assert_int_equal(slot->st.replies, 7);
	assert_int_equal(slot->st.end, SESSION_TIMEOUT);
	assert_string_equal(o.origin[idx].peer, "127.0.0.1:5000");
	outcomes_give(&o, idx);
}

/*
 * origin and free are the supervisor's alone (MADV_DONTFORK): a child
 * that reaches for them faults.  valgrind does not model DONTFORK, so
 * mem.c leaves them inherited there and the check is skipped.
 */
static void
test_origin_not_in_child(void **state)
{
	int	st;

	(void)state;
	if (mem_private_inherited())
		skip();
	assert_non_null(outcomes_take(&o, "127.0.0.1:1", NULL, &(uint32_t){0}));
	st = in_child_status(touch_origin, NULL);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGSEGV);
}

/* A reused slot comes back cleared, with the new names. */
static void
test_reuse_clears(void **state)
{
	struct outcome	*slot;
	uint32_t	 idx, idx2;

	(void)state;
	slot = outcomes_take(&o, "127.0.0.2:1", "127.0.0.9:2", &idx);
	assert_non_null(slot);
	in_child(write_figures, slot);
	assert_int_equal(slot->done, 1);
	outcomes_give(&o, idx);
	slot = outcomes_take(&o, "127.0.0.3:1", NULL, &idx2);
	assert_int_equal(idx2, idx);
	assert_int_equal(slot->done, 0);
	assert_int_equal(slot->st.in, 0);
	assert_string_equal(o.origin[idx2].peer, "127.0.0.3:1");
	assert_string_equal(o.origin[idx2].proxy, "");
	outcomes_give(&o, idx2);
}

/* cap slots at once, then NULL; one given back can be taken again. */
static void
test_full(void **state)
{
	uint32_t	idx[8], extra;
	size_t		i;

	(void)state;
	for (i = 0; i < 8; i++) {
		assert_non_null(outcomes_take(&o, "p", NULL, &idx[i]));
		assert_true(idx[i] < 8);
	}
	assert_null(outcomes_take(&o, "p", NULL, &extra));
	outcomes_give(&o, idx[3]);
	assert_non_null(outcomes_take(&o, "q", NULL, &extra));
	assert_int_equal(extra, idx[3]);
	assert_null(outcomes_take(&o, "p", NULL, &extra));
	for (i = 0; i < 8; i++)
		outcomes_give(&o, idx[i]);
	/* Giving back more than was taken, or a stray index, is ignored. */
	outcomes_give(&o, 1000);
	assert_true(o.nfree <= o.cap);
}

/* A peer name longer than a slot holds is cut, NUL-ended. */
static void
test_long_names(void **state)
{
	char		 longname[PEER_STRLEN * 2];
	uint32_t	 idx;

	(void)state;
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_non_null(outcomes_take(&o, longname, longname, &idx));
	assert_int_equal(strlen(o.origin[idx].peer), PEER_STRLEN - 1);
	assert_int_equal(strlen(o.origin[idx].proxy), ADDR_STRLEN - 1);
	outcomes_give(&o, idx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_child_writes_parent_reads,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_origin_not_in_child, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_reuse_clears, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_full, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_names, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
