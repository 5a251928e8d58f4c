/* SPDX-License-Identifier: ISC */
/* Unit tests of the children table: capacity, lookups after many removals, resize. */

#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "children.h"

static void
add(struct children *c, pid_t pid)
{
	struct child	k;

	memset(&k, 0, sizeof(k));
	k.pid = pid;
	assert_int_equal(children_add(c, &k), 0);
}

static void
test_capacity(void **state)
{
	struct children	c;
	struct child	k;

	(void)state;
	assert_int_equal(children_init(&c, 3), 0);
	add(&c, 10);
	add(&c, 11);
	add(&c, 12);
	memset(&k, 0, sizeof(k));
	k.pid = 13;
	assert_int_equal(children_add(&c, &k), -1);
	assert_int_equal(c.count, 3);
	assert_int_equal(children_remove(&c, 99, NULL), -1);
	children_free(&c);
}

/* Interleaved adds and removes: every live pid stays findable, once. */
static void
test_churn(void **state)
{
	struct children	c;
	struct child	out;
	char		live[40000];
	pid_t		pid;
	int		i;

	(void)state;
	memset(live, 0, sizeof(live));
	assert_int_equal(children_init(&c, 5000), 0);
	srandom(7);
	for (i = 0; i < 200000; i++) {
		pid = 2 + (pid_t)(random() % 39990);
		if (live[pid]) {
			assert_int_equal(children_remove(&c, pid, &out), 0);
			assert_int_equal(out.pid, pid);
			live[pid] = 0;
		} else if (c.count < c.cap) {
			add(&c, pid);
			live[pid] = 1;
		}
	}
	for (pid = 0; pid < 40000; pid++) {
		if (live[pid])
			assert_int_equal(children_remove(&c, pid, NULL), 0);
		else if (pid != 0)
			assert_int_equal(children_remove(&c, pid, NULL), -1);
	}
	assert_int_equal(c.count, 0);
	children_free(&c);
}

/* Resizing keeps every child, and never drops below the live count. */
static void
test_resize(void **state)
{
	struct children	c;
	pid_t		pid;

	(void)state;
	assert_int_equal(children_init(&c, 100), 0);
	for (pid = 1000; pid < 1100; pid++)
		add(&c, pid);
	assert_int_equal(children_resize(&c, 10000), 0);
	assert_int_equal(c.cap, 10000);
	assert_int_equal(children_resize(&c, 10), 0);
	assert_int_equal(c.cap, 100);
	for (pid = 1000; pid < 1100; pid++)
		assert_int_equal(children_remove(&c, pid, NULL), 0);
	children_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capacity),
		cmocka_unit_test(test_churn),
		cmocka_unit_test(test_resize),
	};

	return cmocka_run_group_tests_name("children", tests, NULL, NULL);
}
