/* SPDX-License-Identifier: ISC */
/* cmocka assertions shared by the unit tests; include after <cmocka.h>. */
#ifndef UNITASSERT_H
#define UNITASSERT_H

#include <sys/wait.h>

/* Fails the test unless the wait status st is a normal exit with 0. */
static inline void
assert_exit0(int st)
{
	if (WIFSIGNALED(st))
		fail_msg("child killed by signal %d", WTERMSIG(st));
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

#endif
