/* SPDX-License-Identifier: ISC */
/* Unit tests of what a child inherits: no private memory, no journal-file libraries, no rseq area. */

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/rseq.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <systemd/sd-daemon.h>

#include "mem.h"
#include "okdtest.h"

/* Registers a fresh rseq area: 0 when none was registered, else -1 (EINVAL: another is). */
static int
rseq_register(struct rseq *area)
{
	memset(area, 0, sizeof(*area));
	area->cpu_id = RSEQ_CPU_ID_UNINITIALIZED;
	return (int)syscall(SYS_rseq, area, sizeof(*area), 0, RSEQ_SIG);
}

/* maps_has() of this process. */
static int
maps_name(const char *name)
{
	return maps_has(getpid(), name);
}

/* fn's answer, run in a fork, so this process keeps its state. */
static int
in_child(int (*fn)(void))
{
	pid_t	pid;
	int	st;

	if ((pid = fork()) == 0)
		_exit(fn());
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

/* 0 if this process's maps have libc and libsystemd but no journal-file library. */
static int
inherited_little(void)
{
	return maps_name("libc.so") == 1 && maps_name("libsystemd") == 1 &&
	    maps_name("libgcrypt") == 0 && maps_name("libgpg-error") == 0 &&
	    maps_name("liblz4") == 0 && maps_name("liblzma") == 0 &&
	    maps_name("libzstd") == 0 && maps_name("libcap.so") == 0 ? 0 : 1;
}

/* 0 if forks prepared here make children that inherit little; this keeps all. */
static int
prepared_forks(void)
{
	if (in_child(inherited_little) != 1)
		return 1;	/* an unprepared fork inherits everything */
	mem_prepare_forks();
	if (in_child(inherited_little) != 0)
		return 2;
	return maps_name("libgcrypt") == 1 ? 0 : 3;
}

/*
 * Once forks are prepared, a child has libc and libsystemd but none of the
 * libraries libsystemd links for journal files; the process keeps them.
 */
static void
test_journal_file_libs_not_inherited(void **state)
{
	(void)state;
	/* Linked as okd is, and calling it: libsystemd brings them in. */
	(void)sd_booted();
	if (maps_name("libgcrypt") != 1)
		skip();
	assert_int_equal(in_child(prepared_forks), 0);
}

/* 0 if glibc's rseq area is there before and gone after. */
static int
unregisters_rseq(void)
{
	static struct rseq	area __attribute__((aligned(32)));

	if (rseq_register(&area) != -1 || errno != EINVAL)
		return 1;
	mem_prepare_forks();
	if (rseq_register(&area) != 0)
		return 2;
	return syscall(SYS_rseq, &area, sizeof(area), RSEQ_FLAG_UNREGISTER,
	    RSEQ_SIG) == 0 ? 0 : 3;
}

/* glibc's rseq area is unregistered: another can then be registered. */
static void
test_rseq_unregistered(void **state)
{
	(void)state;
	if (__rseq_size == 0)
		skip();		/* glibc did not register one (valgrind, old kernel) */
	assert_int_equal(in_child(unregisters_rseq), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_journal_file_libs_not_inherited),
		cmocka_unit_test(test_rseq_unregistered),
	};

	return cmocka_run_group_tests_name("mem", tests, NULL, NULL);
}
