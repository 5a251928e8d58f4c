/* SPDX-License-Identifier: ISC */
/*
 * Unit tests of how a peer is named: log-peer full gives the address and
 * port, prefix only the source group, none a dash.
 */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "peer.h"

static struct config	cf;

static void
v4(struct sockaddr_in *sin, const char *a, int port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	assert_int_equal(inet_pton(AF_INET, a, &sin->sin_addr), 1);
}

static void
v6(struct sockaddr_in6 *sin6, const char *a, int port)
{
	memset(sin6, 0, sizeof(*sin6));
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	assert_int_equal(inet_pton(AF_INET6, a, &sin6->sin6_addr), 1);
}

static void
test_full(void **state)
{
	struct sockaddr_in	sin;
	struct sockaddr_in6	sin6;
	char			buf[PEER_STRLEN];

	(void)state;
	memset(&cf, 0, sizeof(cf));
	cf.log_peer = LOG_PEER_FULL;
	v4(&sin, "127.0.0.5", 4321);
	assert_string_equal(peer_label((struct sockaddr *)&sin, &cf, buf,
	    sizeof(buf)), "127.0.0.5:4321");
	v6(&sin6, "::1", 80);
	assert_string_equal(peer_label((struct sockaddr *)&sin6, &cf, buf,
	    sizeof(buf)), "[::1]:80");
}

static void
test_prefix(void **state)
{
	struct sockaddr_in	sin;
	struct sockaddr_in6	sin6;
	char			buf[PEER_STRLEN];

	(void)state;
	memset(&cf, 0, sizeof(cf));
	cf.log_peer = LOG_PEER_PREFIX;
	cf.prefix4 = 24;
	cf.prefix6 = 64;
	v4(&sin, "127.1.2.3", 4321);
	assert_string_equal(peer_label((struct sockaddr *)&sin, &cf, buf,
	    sizeof(buf)), "127.1.2.0/24");
	v6(&sin6, "2001:db8:1:2:3:4:5:6", 80);
	assert_string_equal(peer_label((struct sockaddr *)&sin6, &cf, buf,
	    sizeof(buf)), "2001:db8:1:2::/64");
}

static void
test_none(void **state)
{
	struct sockaddr_in	sin;
	char			buf[PEER_STRLEN];

	(void)state;
	memset(&cf, 0, sizeof(cf));
	cf.log_peer = LOG_PEER_NONE;
	v4(&sin, "127.0.0.1", 1);
	assert_string_equal(peer_label((struct sockaddr *)&sin, &cf, buf,
	    sizeof(buf)), "-");
}

/* A short buffer still holds a NUL-ended string. */
static void
test_short_buffer(void **state)
{
	struct sockaddr_in	sin;
	char			buf[8];

	(void)state;
	memset(&cf, 0, sizeof(cf));
	cf.log_peer = LOG_PEER_FULL;
	v4(&sin, "127.100.100.100", 65535);
	peer_label((struct sockaddr *)&sin, &cf, buf, sizeof(buf));
	assert_true(memchr(buf, '\0', sizeof(buf)) != NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_prefix),
		cmocka_unit_test(test_none),
		cmocka_unit_test(test_short_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
