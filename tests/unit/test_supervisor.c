/* SPDX-License-Identifier: ISC */
/*
 * Unit tests of supervisor.c with fork wrapped: a failed fork hands its
 * slot back and leaves the connection to the caller, reaping counts each
 * end and leaves no zombie, and the listeners are polled only when the
 * supervisor may accept.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "cidr.h"
#include "supervisor.h"

pid_t	__real_fork(void);

#define SCRIPT_MAX	256

static int	fork_script[SCRIPT_MAX], nfork, fork_calls;

/* fork plays the script: -1 fails with EAGAIN, else a made-up parent pid. */
pid_t
__wrap_fork(void)
{
	int	step = fork_calls < nfork ? fork_script[fork_calls] : 1;

	fork_calls++;
	if (step == -1) {
		errno = EAGAIN;
		return -1;
	}
	return 4000000 + fork_calls;
}

static struct config	cf;
static struct listeners	ls;
static struct supervisor sv;

static int
setup(void **state)
{
	(void)state;
	assert_int_equal(config_parse(&cf, NULL, "none", NULL, 0), 0);
	memset(&ls, 0, sizeof(ls));
	ls.n = 1;
	ls.l[0].fd = 1000;
	nfork = fork_calls = 0;
	return supervisor_init(&sv, &cf, &ls, "none", NULL, 0, 1);
}

static int
teardown(void **state)
{
	(void)state;
	supervisor_free(&sv);
	return 0;
}

static void
wait_zombie(pid_t pid)
{
	siginfo_t	si;

	memset(&si, 0, sizeof(si));
	assert_int_equal(waitid(P_PID, (id_t)pid, &si, WEXITED | WNOWAIT), 0);
}

static void
test_reap_counts_and_leaves_no_zombie(void **state)
{
	struct child	kid;
	pid_t		a, b, stranger;
	int		z;

	(void)state;
	if ((a = __real_fork()) == 0)
		_exit(3);
	if ((b = __real_fork()) == 0) {
		pause();
		_exit(0);
	}
	if ((stranger = __real_fork()) == 0)
		_exit(0);
	memset(&kid, 0, sizeof(kid));
	kid.pid = a;
	children_add(&sv.live->kids, &kid);
	kid.pid = b;
	children_add(&sv.live->kids, &kid);
	kill(b, SIGKILL);
	wait_zombie(a);
	wait_zombie(b);
	wait_zombie(stranger);
	supervisor_reap(&sv);
	assert_int_equal(sv.live->count.failed, 1);
	assert_int_equal(sv.live->count.signaled, 1);
	assert_int_equal(sv.live->kids.count, 0);
	/* Nothing left to wait for: every child, ours or not, was collected. */
	assert_int_equal(waitpid(-1, &z, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

/* A fork that fails: -1 with fork's errno, the connection still open, nothing counted. */
static void
test_spawn_fork_failure(void **state)
{
	struct sockaddr_in	 sin;
	struct srcent		*src;
	struct srckey		 key;
	int			 sp[2];

	(void)state;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cidr_group((struct sockaddr *)&sin, cf.prefix4, cf.prefix6, &key);
	assert_non_null(src = srctable_get(&sv.live->sources, &key, &cf.rate,
	    0));
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	fork_script[0] = -1;
	nfork = 1;
	errno = 0;
	assert_int_equal(supervisor_spawn(&sv, sp[0], (struct sockaddr *)&sin,
	    NULL, src, 0), -1);
	assert_int_equal(errno, EAGAIN);
	assert_int_equal(fcntl(sp[0], F_GETFD), 0);
	assert_int_equal(sv.live->kids.count, 0);
	assert_int_equal(sv.live->count.served, 0);
	/* The slot came back: the next fork succeeds and is counted. */
	assert_int_equal(supervisor_spawn(&sv, sp[0], (struct sockaddr *)&sin,
	    NULL, src, 0), 0);
	assert_int_equal(sv.live->kids.count, 1);
	assert_int_equal(sv.live->count.served, 1);
	assert_int_equal(fcntl(sp[0], F_GETFD), -1);
	close(sp[1]);
	children_remove(&sv.live->kids, 4000002, NULL);
}

/* Listeners are polled unless draining, resting or deferring at max-children. */
static void
test_pollset(void **state)
{
	struct pollfd	pfd[4];
	struct timespec	now;

	(void)state;
	clock_gettime(CLOCK_MONOTONIC, &now);
	assert_int_equal(supervisor_pollset(&sv, pfd, &now), 1);
	assert_int_equal(pfd[0].fd, 1000);
	assert_int_equal(pfd[0].events, POLLIN);
	sv.backoff_until = now;
	sv.backoff_until.tv_sec += 5;
	assert_int_equal(supervisor_pollset(&sv, pfd, &now), 0);
	sv.backoff_until = now;
	cf.overload = OVERLOAD_DEFER;
	cf.max_children = 0;
	assert_int_equal(supervisor_pollset(&sv, pfd, &now), 0);
	cf.overload = OVERLOAD_CLOSE;
	assert_int_equal(supervisor_pollset(&sv, pfd, &now), 1);
	sv.draining = 1;
	assert_int_equal(supervisor_pollset(&sv, pfd, &now), 0);
	sv.draining = 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_spawn_fork_failure,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_reap_counts_and_leaves_no_zombie, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pollset, setup, teardown),
	};

	log_init(LOG_TARGET_STDERR, LOG_ERR, 1);
	return cmocka_run_group_tests_name("supervisor", tests, NULL, NULL);
}
