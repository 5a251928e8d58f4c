/* SPDX-License-Identifier: ISC */
/*
 * Unit tests of intake.c's fault paths, with fork and accept4 wrapped:
 * EMFILE rests the listeners instead of spinning, a failed fork refuses
 * that connection with the refuse-message and rests the listeners so the
 * rest wait in the backlog, max-children refuses without forking, and a
 * call takes one connection, however many wait.
 */

#include <arpa/inet.h>
#include <errno.h>
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

#include "intake.h"
#include "supervisor.h"

pid_t	__real_fork(void);

#define SCRIPT_MAX	256
#define SOCK		0	/* accept4 script: hand out a connection */
#define FOREVER		-2	/* accept4 script: connections without end */

static int	accept_script[SCRIPT_MAX], naccept, accept_calls;
static int	fork_script[SCRIPT_MAX], nfork, fork_calls;
static int	peers[SCRIPT_MAX], npeers;

/* accept4 plays the script: SOCK hands out one end of a socket pair. */
int
__wrap_accept4(int fd, struct sockaddr *sa, socklen_t *len, int flags)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)sa;
	int			 sv[2], step;

	(void)fd;
	(void)flags;
	step = accept_calls < naccept ? accept_script[accept_calls] : EAGAIN;
	if (accept_calls < naccept && accept_script[accept_calls] == FOREVER)
		step = SOCK;
	else
		accept_calls++;
	if (step != SOCK) {
		errno = step;
		return -1;
	}
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	if (npeers < SCRIPT_MAX)
		peers[npeers++] = sv[1];
	else
		close(sv[1]);
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(1234);
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	*len = sizeof(*sin);
	return sv[0];
}

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
	int	i;

	(void)state;
	assert_int_equal(config_parse(&cf, NULL, "none", NULL, 0), 0);
	memset(&ls, 0, sizeof(ls));
	ls.n = 1;
	ls.l[0].fd = 1000;
	naccept = nfork = accept_calls = fork_calls = 0;
	for (i = 0; i < npeers; i++)
		close(peers[i]);
	npeers = 0;
	return supervisor_init(&sv, &cf, &ls, "none", NULL, 0, 1);
}

static int
teardown(void **state)
{
	(void)state;
	supervisor_free(&sv);
	return 0;
}

/* The server end of peer i was closed: reading gives EOF at once. */
static int
closed(int i)
{
	struct pollfd	pfd = { peers[i], POLLIN, 0 };
	char		c;

	if (poll(&pfd, 1, 1000) != 1)
		return 0;
	return read(peers[i], &c, 1) == 0;
}

static void
later(struct timespec *ts, long ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000;
	if (ts->tv_nsec >= 1000000000) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000;
	}
}

static void
test_emfile_rests_listeners(void **state)
{
	struct pollfd	pfd[CONFIG_MAX_LISTEN];
	struct timespec	now;

	(void)state;
	accept_script[0] = EMFILE;
	naccept = 1;
	intake_accept(&sv, &ls.l[0]);
	/* One call, then it stopped: no spin on the full descriptor table. */
	assert_int_equal(accept_calls, 1);
	assert_int_equal(sv.live->count.accept_errors, 1);
	assert_int_equal(fork_calls, 0);
	later(&now, 0);
	assert_int_equal(supervisor_pollset(&sv, pfd, &now), 0);
	later(&now, ACCEPT_BACKOFF_MS / 2);
	assert_int_equal(supervisor_pollset(&sv, pfd, &now), 0);
	later(&now, ACCEPT_BACKOFF_MS + 5);
	assert_int_equal(supervisor_pollset(&sv, pfd, &now), 1);
	assert_int_equal(pfd[0].fd, 1000);
}

static void
test_enfile_enobufs_enomem_rest_too(void **state)
{
	int	errs[] = { ENFILE, ENOBUFS, ENOMEM }, i;

	(void)state;
	for (i = 0; i < 3; i++) {
		accept_calls = 0;
		accept_script[0] = errs[i];
		naccept = 1;
		intake_accept(&sv, &ls.l[0]);
		assert_int_equal(accept_calls, 1);
	}
	assert_int_equal(sv.live->count.accept_errors, 3);
}

static void
test_fork_failure_refuses_and_rests(void **state)
{
	struct pollfd	pfd[CONFIG_MAX_LISTEN];
	struct timespec	now;
	char		buf[16];

	(void)state;
	memcpy(cf.refuse_msg, "busy\r\n", 6);
	cf.refuse_len = 6;
	accept_script[0] = SOCK;
	accept_script[1] = SOCK;
	accept_script[2] = EAGAIN;
	naccept = 3;
	fork_script[0] = -1;
	fork_script[1] = 1;
	nfork = 2;
	intake_accept(&sv, &ls.l[0]);
	/* One taken: the second waits in the backlog. */
	assert_int_equal(accept_calls, 1);
	assert_int_equal(fork_calls, 1);
	assert_int_equal(sv.live->count.fork_failures, 1);
	assert_int_equal(sv.live->count.refused[REFUSE_FORK], 1);
	assert_int_equal(sv.live->count.served, 0);
	/* The refused client is told, then closed. */
	assert_int_equal(read(peers[0], buf, sizeof(buf)), 6);
	assert_memory_equal(buf, "busy\r\n", 6);
	assert_true(closed(0));
	later(&now, 0);
	assert_int_equal(supervisor_pollset(&sv, pfd, &now), 0);
	later(&now, FORK_BACKOFF_MS + 5);
	assert_int_equal(supervisor_pollset(&sv, pfd, &now), 1);
	/* Once rested, serving goes on. */
	intake_accept(&sv, &ls.l[0]);
	assert_int_equal(fork_calls, 2);
	assert_int_equal(sv.live->count.served, 1);
	assert_true(closed(1));
}

/* A connection that went away, a signal or an empty queue: nothing rests. */
static void
test_transient_errors_carry_on(void **state)
{
	struct pollfd	pfd[CONFIG_MAX_LISTEN];
	struct timespec	now;
	int		i;

	(void)state;
	accept_script[0] = ECONNABORTED;
	accept_script[1] = EPROTO;
	accept_script[2] = EINTR;
	accept_script[3] = SOCK;
	accept_script[4] = EAGAIN;
	naccept = 5;
	for (i = 0; i < 5; i++) {
		intake_accept(&sv, &ls.l[0]);
		assert_int_equal(accept_calls, i + 1);
		assert_int_equal(sv.live->count.served, i >= 3);
		assert_int_equal(sv.live->count.accept_errors, 0);
		later(&now, 0);
		assert_int_equal(supervisor_pollset(&sv, pfd, &now), 1);
	}
}

static void
test_max_children_refuses_without_fork(void **state)
{
	int	i;

	(void)state;
	cf.max_children = 1;
	accept_script[0] = SOCK;
	accept_script[1] = SOCK;
	accept_script[2] = SOCK;
	naccept = 3;
	for (i = 0; i < 3; i++)
		intake_accept(&sv, &ls.l[0]);
	assert_int_equal(fork_calls, 1);
	assert_int_equal(sv.live->count.served, 1);
	assert_int_equal(sv.live->count.refused[REFUSE_MAX_CHILDREN], 2);
	assert_true(closed(1));
	assert_true(closed(2));
}

/* A listener that never runs dry gives one connection a call. */
static void
test_one_per_call(void **state)
{
	(void)state;
	cf.max_children = 100000;
	children_resize(&sv.live->kids, 100000);
	accept_script[0] = FOREVER;
	naccept = 1;
	intake_accept(&sv, &ls.l[0]);
	assert_int_equal(sv.live->count.accepted, 1);
	intake_accept(&sv, &ls.l[0]);
	assert_int_equal(sv.live->count.accepted, 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_emfile_rests_listeners,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_enfile_enobufs_enomem_rest_too, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fork_failure_refuses_and_rests,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_transient_errors_carry_on,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_max_children_refuses_without_fork, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_per_call, setup,
		    teardown),
	};

	log_init(LOG_TARGET_STDERR, LOG_ERR, 1);
	return cmocka_run_group_tests_name("intake", tests, NULL, NULL);
}
