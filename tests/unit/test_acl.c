/* SPDX-License-Identifier: ISC */
/* Unit tests for acl.c: order, first match, default allow, capacity, copying. */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "acl.h"

static struct sockaddr *
peer(struct sockaddr_storage *ss, const char *s)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, s, &sin->sin_addr) == 1)
		sin->sin_family = AF_INET;
	else {
		assert_int_equal(inet_pton(AF_INET6, s, &sin6->sin6_addr), 1);
		sin6->sin6_family = AF_INET6;
	}
	return (struct sockaddr *)ss;
}

static int
check(const struct acl *acl, const char *addr)
{
	struct sockaddr_storage	 ss;

	return acl_check(acl, peer(&ss, addr));
}

static void
add(struct acl *acl, enum acl_action a, const char *prefix)
{
	const char	*err = NULL;

	assert_int_equal(acl_add(acl, a, prefix, &err), 0);
}

static void
test_empty_allows(void **state)
{
	struct acl	 acl;

	(void)state;
	acl_init(&acl);
	assert_int_equal(check(&acl, "192.0.2.1"), ACL_ALLOW);
	assert_int_equal(check(&acl, "2001:db8::1"), ACL_ALLOW);
}

static void
test_first_match(void **state)
{
	struct sockaddr_storage	 ss;
	struct acl		 acl;

	(void)state;
	acl_init(&acl);
	add(&acl, ACL_ALLOW, "10.1.0.0/16");
	add(&acl, ACL_DENY, "10.0.0.0/8");
	add(&acl, ACL_DENY, "2001:db8::/32");
	add(&acl, ACL_ALLOW, "10.2.0.0/16");	/* shadowed by the deny */
	assert_int_equal(check(&acl, "10.1.2.3"), ACL_ALLOW);
	assert_int_equal(check(&acl, "10.2.2.3"), ACL_DENY);
	assert_int_equal(check(&acl, "::ffff:10.3.0.1"), ACL_DENY);
	assert_int_equal(check(&acl, "2001:db8::5"), ACL_DENY);
	assert_int_equal(check(&acl, "2001:db9::5"), ACL_ALLOW);
	assert_int_equal(check(&acl, "11.0.0.1"), ACL_ALLOW);
	assert_int_equal(acl_lookup(&acl, peer(&ss, "10.1.2.3")), 0);
	assert_int_equal(acl_lookup(&acl, peer(&ss, "10.2.2.3")), 1);
	assert_int_equal(acl_lookup(&acl, peer(&ss, "2001:db8::5")), 2);
	assert_int_equal(acl_lookup(&acl, peer(&ss, "11.0.0.1")), -1);
}

/* The usual allow-list: allow some, then deny everything else. */
static void
test_default_deny(void **state)
{
	struct sockaddr	 sa;
	struct acl	 acl;

	(void)state;
	acl_init(&acl);
	add(&acl, ACL_ALLOW, "127.0.0.0/8");
	add(&acl, ACL_ALLOW, "::1");
	add(&acl, ACL_DENY, "*");
	assert_int_equal(check(&acl, "127.0.0.1"), ACL_ALLOW);
	assert_int_equal(check(&acl, "::1"), ACL_ALLOW);
	assert_int_equal(check(&acl, "::ffff:127.0.0.1"), ACL_ALLOW);
	assert_int_equal(check(&acl, "192.0.2.1"), ACL_DENY);
	assert_int_equal(check(&acl, "::2"), ACL_DENY);
	memset(&sa, 0, sizeof(sa));
	sa.sa_family = AF_UNIX;
	assert_int_equal(acl_check(&acl, &sa), ACL_DENY);
}

/* Bad prefixes leave the list as it was; there is no cap past 256. */
static void
test_errors_and_capacity(void **state)
{
	struct acl	 acl;
	const char	*err = NULL;
	char		 buf[32];
	int		 i;

	(void)state;
	acl_init(&acl);
	assert_int_equal(acl_add(&acl, ACL_DENY, "10.0.0.1/8", &err), -1);
	assert_string_equal(err, "host bits set");
	assert_int_equal(acl_count(&acl), 0);
	for (i = 0; i < 256; i++) {
		(void)snprintf(buf, sizeof(buf), "10.%d.%d.0/24", i / 256,
		    i % 256);
		add(&acl, ACL_DENY, buf);
	}
	add(&acl, ACL_DENY, "11.0.0.0/8");
	assert_int_equal(acl_count(&acl), 257);
	assert_int_equal(check(&acl, "10.0.255.9"), ACL_DENY);
	assert_int_equal(check(&acl, "10.1.0.9"), ACL_ALLOW);
	assert_int_equal(check(&acl, "11.3.0.9"), ACL_DENY);
	acl_free(&acl);
	assert_int_equal(acl_count(&acl), 0);
	assert_int_equal(check(&acl, "10.0.255.9"), ACL_ALLOW);
}

/* A reload builds a new list aside, then assigns it: no pointers to fix. */
static void
test_copy(void **state)
{
	struct acl	 live, next;

	(void)state;
	acl_init(&live);
	add(&live, ACL_DENY, "192.0.2.0/24");
	acl_init(&next);
	add(&next, ACL_ALLOW, "192.0.2.1");
	add(&next, ACL_DENY, "*");
	assert_int_equal(check(&live, "192.0.2.1"), ACL_DENY);
	acl_free(&live);
	live = next;
	acl_init(&next);
	assert_int_equal(check(&live, "192.0.2.1"), ACL_ALLOW);
	assert_int_equal(check(&live, "192.0.2.2"), ACL_DENY);
	assert_string_equal(acl_action_name(live.rule[1].action), "deny");
	acl_free(&live);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_allows),
		cmocka_unit_test(test_first_match),
		cmocka_unit_test(test_default_deny),
		cmocka_unit_test(test_errors_and_capacity),
		cmocka_unit_test(test_copy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
