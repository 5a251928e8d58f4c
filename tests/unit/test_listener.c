/* SPDX-License-Identifier: ISC */
/*
 * Unit tests of listener.c on real loopback sockets: listen lines are
 * bound and answer a connect, a busy address fails with errno and a
 * worded fault and leaves nothing open, a reload keeps a listener it
 * still names (same descriptor), opens new ones and closes dropped ones,
 * a failing reload leaves the old set, and ports below 1024 are seen.
 */

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "listener.h"

/* Parses text as a configuration file. */
static void
parse(struct config *cf, const char *text)
{
	FILE	*in;

	in = fmemopen((void *)text, strlen(text), "r");
	assert_non_null(in);
	assert_int_equal(config_parse(cf, in, "t.conf", NULL, 0), 0);
	fclose(in);
}

/* 127.0.0.1:port. */
static void
loopback(struct sockaddr_in *sin, int port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)port);
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

/* A loopback port free when asked (bound to port 0, then let go). */
static int
free_port(void)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);
	int			fd;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd != -1);
	loopback(&sin, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	close(fd);
	return ntohs(sin.sin_port);
}

/* Whether 127.0.0.1:port accepts a connect. */
static int
answers(int port)
{
	struct sockaddr_in	sin;
	int			fd, r;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd != -1);
	loopback(&sin, port);
	r = connect(fd, (struct sockaddr *)&sin, sizeof(sin));
	close(fd);
	return r == 0;
}

/* A listener of the test's own on 127.0.0.1:port, so okd finds it busy. */
static int
busy_listener(int port)
{
	struct sockaddr_in	sin;
	int			fd;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd != -1);
	loopback(&sin, port);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(fd, 1), 0);
	return fd;
}

static int
is_open(int fd)
{
	return fcntl(fd, F_GETFD) != -1;
}

/* Two listen lines bound, listening and answering. */
static void
test_open(void **state)
{
	struct config		cf;
	struct listeners	ls;
	struct listener_fault	f;
	char			text[128];
	int			p1, p2, on;
	socklen_t		len = sizeof(on);

	(void)state;
	p1 = free_port();
	p2 = free_port();
	snprintf(text, sizeof(text), "listen 127.0.0.1:%d\nlisten 127.0.0.1:%d\n",
	    p1, p2);
	parse(&cf, text);
	assert_int_equal(listeners_open(&ls, &cf, &f), 0);
	assert_int_equal(ls.n, 2);
	assert_int_equal(getsockopt(ls.l[0].fd, SOL_SOCKET, SO_ACCEPTCONN,
	    &on, &len), 0);
	assert_int_equal(on, 1);
	assert_true(answers(p1));
	assert_true(answers(p2));
	assert_false(listeners_low_port(&ls));
	listeners_close(&ls);
	assert_int_equal(ls.n, 0);
	assert_false(answers(p1));
	config_free(&cf);
}

/* A busy address: -1, EADDRINUSE, the fault names it, nothing left open. */
static void
test_busy(void **state)
{
	struct config		cf;
	struct listeners	ls;
	struct listener_fault	f;
	char			text[128], want[64];
	int			busy, p1, p2, fd;

	(void)state;
	p1 = free_port();
	p2 = free_port();
	busy = busy_listener(p2);
	snprintf(text, sizeof(text), "listen 127.0.0.1:%d\nlisten 127.0.0.1:%d\n",
	    p1, p2);
	parse(&cf, text);
	memset(&f, 0, sizeof(f));
	errno = 0;
	assert_int_equal(listeners_open(&ls, &cf, &f), -1);
	assert_int_equal(errno, EADDRINUSE);
	snprintf(want, sizeof(want), "127.0.0.1:%d", p2);
	assert_non_null(strstr(f.msg, want));
	assert_non_null(strstr(f.msg, strerror(EADDRINUSE)));
	assert_false(answers(p1));
	/* The next descriptor is the lowest free one: none was leaked. */
	fd = dup(0);
	assert_true(fd <= busy + 1);
	close(fd);
	close(busy);
	config_free(&cf);
}

/* A reload keeps, opens and closes listeners; a failing one keeps the old set. */
static void
test_update(void **state)
{
	struct config		a, ab, b, bad;
	struct listeners	ls;
	struct listener_fault	f;
	char			text[160], want[64];
	int			pa, pb, pc, fda, busy;

	(void)state;
	pa = free_port();
	pb = free_port();
	pc = free_port();
	snprintf(text, sizeof(text), "listen 127.0.0.1:%d\n", pa);
	parse(&a, text);
	snprintf(text, sizeof(text), "listen 127.0.0.1:%d\nlisten 127.0.0.1:%d\n",
	    pa, pb);
	parse(&ab, text);
	snprintf(text, sizeof(text), "listen 127.0.0.1:%d\n", pb);
	parse(&b, text);
	snprintf(text, sizeof(text), "listen 127.0.0.1:%d\nlisten 127.0.0.1:%d\n",
	    pb, pc);
	parse(&bad, text);

	assert_int_equal(listeners_open(&ls, &a, &f), 0);
	fda = ls.l[0].fd;
	assert_int_equal(listeners_update(&ls, &ab, &f), 0);
	assert_int_equal(ls.n, 2);
	assert_int_equal(ls.l[0].fd, fda);
	assert_false(ls.l[0].fresh);
	assert_true(ls.l[1].fresh);
	assert_true(answers(pb));

	assert_int_equal(listeners_update(&ls, &b, &f), 0);
	assert_int_equal(ls.n, 1);
	assert_int_equal(ls.nclosed, 1);
	snprintf(want, sizeof(want), "127.0.0.1:%d", pa);
	assert_non_null(strstr(ls.closed[0], want));
	assert_false(is_open(fda));
	assert_false(answers(pa));
	assert_true(answers(pb));

	busy = busy_listener(pc);
	errno = 0;
	assert_int_equal(listeners_update(&ls, &bad, &f), -1);
	assert_int_equal(errno, EADDRINUSE);
	assert_int_equal(ls.n, 1);
	assert_true(answers(pb));
	close(busy);

	listeners_close(&ls);
	config_free(&a);
	config_free(&ab);
	config_free(&b);
	config_free(&bad);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open),
		cmocka_unit_test(test_busy),
		cmocka_unit_test(test_update),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
