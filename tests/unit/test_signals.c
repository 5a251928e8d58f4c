/* SPDX-License-Identifier: ISC */
/*
 * Unit tests of the supervisor's signals: once signals_open() has run, a
 * signal sent to this process is not delivered to a handler but waits in
 * the signalfd, and signals_read() notes it as the loop's flag.
 */

#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "signals.h"

static int	sfd = -1;

static int
setup(void **state)
{
	(void)state;
	sfd = signals_open();
	return sfd == -1 ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	if (sfd != -1)
		close(sfd);
	return 0;
}

/* Waits (bounded) for the signalfd to be readable, then reads it. */
static void
wait_read(struct signals *got)
{
	struct pollfd	pfd = { .fd = sfd, .events = POLLIN };

	assert_int_equal(poll(&pfd, 1, 5000), 1);
	signals_read(sfd, got);
}

/* Each handled signal raised at self sets its own flag, and only that one. */
static void
test_each_signal(void **state)
{
	static const struct {
		int	sig;
		size_t	off;
	} cases[] = {
		{ SIGCHLD, offsetof(struct signals, chld) },
		{ SIGHUP, offsetof(struct signals, hup) },
		{ SIGTERM, offsetof(struct signals, term) },
		{ SIGINT, offsetof(struct signals, term) },
		{ SIGUSR1, offsetof(struct signals, usr1) },
	};
	struct signals	got;
	size_t		i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&got, 0, sizeof(got));
		assert_int_equal(signals_pending(&got), 0);
		assert_int_equal(kill(getpid(), cases[i].sig), 0);
		wait_read(&got);
		assert_int_equal(*(int *)((char *)&got + cases[i].off), 1);
		assert_int_equal(got.chld + got.hup + got.term + got.usr1, 1);
		assert_int_equal(signals_pending(&got), 1);
	}
}

/* Several signals before one read: every flag is set by the one read. */
static void
test_several_at_once(void **state)
{
	struct signals	got;

	(void)state;
	memset(&got, 0, sizeof(got));
	assert_int_equal(kill(getpid(), SIGHUP), 0);
	assert_int_equal(kill(getpid(), SIGUSR1), 0);
	assert_int_equal(kill(getpid(), SIGTERM), 0);
	wait_read(&got);
	assert_int_equal(got.hup, 1);
	assert_int_equal(got.usr1, 1);
	assert_int_equal(got.term, 1);
	assert_int_equal(got.chld, 0);
}

/* A child's exit is a SIGCHLD in the signalfd, not a lost signal. */
static void
test_child_exit(void **state)
{
	struct signals	got;
	pid_t		pid;
	int		st;

	(void)state;
	memset(&got, 0, sizeof(got));
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0)
		_exit(0);
	wait_read(&got);
	assert_int_equal(got.chld, 1);
	assert_int_equal(waitpid(pid, &st, 0), pid);
}

/* An empty signalfd reads nothing and sets nothing: it never blocks. */
static void
test_empty_read(void **state)
{
	struct signals	got;

	(void)state;
	memset(&got, 0, sizeof(got));
	signals_read(sfd, &got);
	assert_int_equal(signals_pending(&got), 0);
}

/*
 * What a child inherits: SIGPIPE, SIGHUP and SIGUSR1 ignored, so a signal meant
 * for the supervisor does not end a session once the child unblocks it.
 */
static void
test_child_ignores_hup_usr1(void **state)
{
	struct sigaction	sa;

	(void)state;
	assert_int_equal(sigaction(SIGHUP, NULL, &sa), 0);
	assert_ptr_equal(sa.sa_handler, SIG_IGN);
	assert_int_equal(sigaction(SIGUSR1, NULL, &sa), 0);
	assert_ptr_equal(sa.sa_handler, SIG_IGN);
	/* SIGTERM ends a session through the session's own handler. */
	assert_int_equal(sigaction(SIGTERM, NULL, &sa), 0);
	assert_true(sa.sa_handler != SIG_DFL && sa.sa_handler != SIG_IGN);
	assert_int_equal(sigaction(SIGPIPE, NULL, &sa), 0);
	assert_ptr_equal(sa.sa_handler, SIG_IGN);
}

/* The handled signals, and SIGALRM, are blocked in this process. */
static void
test_blocked(void **state)
{
	sigset_t	cur;

	(void)state;
	assert_int_equal(sigprocmask(SIG_BLOCK, NULL, &cur), 0);
	assert_true(sigismember(&cur, SIGCHLD));
	assert_true(sigismember(&cur, SIGHUP));
	assert_true(sigismember(&cur, SIGTERM));
	assert_true(sigismember(&cur, SIGINT));
	assert_true(sigismember(&cur, SIGUSR1));
	assert_true(sigismember(&cur, SIGALRM));
	assert_false(sigismember(&cur, SIGUSR2));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_signal),
		cmocka_unit_test(test_several_at_once),
		cmocka_unit_test(test_child_exit),
		cmocka_unit_test(test_empty_read),
		cmocka_unit_test(test_child_ignores_hup_usr1),
		cmocka_unit_test(test_blocked),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
