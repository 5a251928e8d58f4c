/* SPDX-License-Identifier: ISC */
/*
 * Unit tests of the PROXY header wait on real loopback TCP pairs: a
 * partial header is consumed as it comes, so the socket goes quiet until
 * more arrives; the client's own bytes after the header stay in the
 * socket; a close or a reset after a partial header is seen at once; the
 * poll set and the deadlines.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "clock.h"
#include "pending.h"

static struct pendings	ps;
static int		client, server;

/* A connected loopback pair: client, and a non-blocking server end. */
static int
setup(void **state)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);
	struct timespec		now, dl;
	int			lfd;

	(void)state;
	memset(&ps, 0, sizeof(ps));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(lfd, 1), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sin, &len), 0);
	client = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(connect(client, (struct sockaddr *)&sin, len), 0);
	server = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
	assert_true(server >= 0);
	close(lfd);
	mono_now(&now);
	mono_add_ms(&dl, &now, 5000);
	assert_int_equal(pendings_add(&ps, 16, server,
	    (struct sockaddr *)&sin, len, &dl), 0);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	close(client);
	close(server);
	pendings_free(&ps);
	return 0;
}

static void
say(const char *s)
{
	assert_int_equal(send(client, s, strlen(s), 0), (ssize_t)strlen(s));
}

/* Whether the server end polls readable within ms. */
static int
readable(int ms)
{
	struct pollfd	pfd = { server, POLLIN, 0 };

	return poll(&pfd, 1, ms) == 1;
}

/* Feeds until the parser answers something other than "no news yet". */
static int
read_when_ready(void)
{
	assert_true(readable(2000));
	return pending_read(&ps.p[0]);
}

static void
test_partial_header_goes_quiet(void **state)
{
	(void)state;
	say("PROXY TCP4 1.2.3.4");
	assert_int_equal(read_when_ready(), PROXY_MORE);
	/* Consumed: nothing keeps the socket readable while it waits. */
	assert_false(readable(100));
	say(" 5.6.7.8 1111 2222\r\nhello");
	assert_int_equal(read_when_ready(), PROXY_DONE);
}

static void
test_client_bytes_stay_for_the_child(void **state)
{
	struct sockaddr_storage	 real, via;
	const char		*detail;
	char			 buf[16];
	int			 fd;

	(void)state;
	say("PROXY TCP4 1.2.3.4 5.6.7.8 1111 2222\r\nhello");
	assert_true(readable(2000));
	assert_int_equal(pendings_ready(&ps, 0, &fd, &real, &via, &detail),
	    PROXY_DONE);
	assert_int_equal(ps.n, 0);
	assert_int_equal(fd, server);
	assert_int_equal(real.ss_family, AF_INET);
	assert_int_equal(ntohs(((struct sockaddr_in *)&real)->sin_port), 1111);
	/* Blocking again, for the child's timed reads. */
	assert_int_equal(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
	assert_int_equal(recv(fd, buf, sizeof(buf), 0), 5);
	assert_memory_equal(buf, "hello", 5);
}

static void
test_close_after_partial_is_seen_at_once(void **state)
{
	struct sockaddr_storage	 real, via;
	const char		*detail;
	int			 fd;

	(void)state;
	say("PROXY TCP4 1.2");
	assert_int_equal(read_when_ready(), PROXY_MORE);
	shutdown(client, SHUT_WR);
	assert_true(readable(1000));
	assert_int_equal(pendings_ready(&ps, 0, &fd, &real, &via, &detail),
	    PROXY_EMALFORMED);
	assert_string_equal(detail, "closed before the header ended");
}

static void
test_reset_after_partial_is_seen_at_once(void **state)
{
	struct linger	lg = { 1, 0 };

	(void)state;
	say("PROXY TCP4 1.2");
	assert_int_equal(read_when_ready(), PROXY_MORE);
	assert_int_equal(setsockopt(client, SOL_SOCKET, SO_LINGER, &lg,
	    sizeof(lg)), 0);
	close(client);
	client = -1;
	assert_int_equal(read_when_ready(), PROXY_EMALFORMED);
	assert_string_equal(ps.p[0].parser.detail,
	    "reset before the header ended");
}

static void
test_pollset_and_deadlines(void **state)
{
	struct pollfd		pfd[2];
	struct timespec		now, later;
	struct sockaddr_storage	via;
	int			fd;

	(void)state;
	assert_int_equal(pendings_pollset(&ps, pfd), 1);
	assert_int_equal(pfd[0].fd, server);
	assert_int_equal(pfd[0].events, POLLIN);
	mono_now(&now);
	assert_true(pendings_next_ms(&ps, &now) > 4000);
	assert_int_equal(pendings_take_expired(&ps, &now, &fd, &via), -1);
	mono_add_ms(&later, &now, 6000);
	assert_int_equal(pendings_next_ms(&ps, &later), 0);
	assert_int_equal(pendings_take_expired(&ps, &later, &fd, &via), 0);
	assert_int_equal(fd, server);
	assert_int_equal(ps.n, 0);
	assert_int_equal(pendings_next_ms(&ps, &later), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_partial_header_goes_quiet,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_client_bytes_stay_for_the_child, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_close_after_partial_is_seen_at_once, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_reset_after_partial_is_seen_at_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pollset_and_deadlines,
		    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
