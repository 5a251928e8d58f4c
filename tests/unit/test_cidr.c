/* SPDX-License-Identifier: ISC */
/* Unit tests for cidr.c: strict parsing, matching, v4-mapped peers, group keys. */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cidr.h"

/* Fills ss with the numeric address s (v4 or v6) and returns it as a sockaddr. */
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

/* Parses s, expecting success, and checks it prints back as want. */
static void
parse_ok(const char *s, const char *want)
{
	struct cidr	 c;
	const char	*err = NULL;
	char		 buf[CIDR_STRLEN];

	assert_int_equal(cidr_parse(s, &c, &err), 0);
	assert_string_equal(cidr_format(&c, buf, sizeof(buf)), want);
}

static void
parse_bad(const char *s, const char *want)
{
	struct cidr	 c;
	const char	*err = NULL;

	assert_int_equal(cidr_parse(s, &c, &err), -1);
	assert_non_null(err);
	assert_string_equal(err, want);
}

static void
test_parse_good(void **state)
{
	(void)state;
	parse_ok("10.0.0.0/8", "10.0.0.0/8");
	parse_ok("2001:db8::/32", "2001:db8::/32");
	parse_ok("192.0.2.7", "192.0.2.7/32");
	parse_ok("2001:db8::1", "2001:db8::1/128");
	parse_ok("0.0.0.0/0", "0.0.0.0/0");
	parse_ok("::/0", "::/0");
	parse_ok("255.255.255.255/32", "255.255.255.255/32");
	parse_ok("*", "*");
	parse_ok("10.1.2.128/25", "10.1.2.128/25");
	/* v4-mapped prefixes are IPv4. */
	parse_ok("::ffff:10.0.0.0/104", "10.0.0.0/8");
	parse_ok("::ffff:192.0.2.1", "192.0.2.1/32");
	parse_ok("::ffff:0:0/96", "0.0.0.0/0");
}

static void
test_parse_bad(void **state)
{
	(void)state;
	parse_bad("10.0.0.1/8", "host bits set");
	parse_bad("2001:db8::1/32", "host bits set");
	parse_bad("10.1.2.129/25", "host bits set");
	parse_bad("10.0.0.0/33", "prefix length out of range (0-32)");
	parse_bad("::/129", "prefix length out of range (0-128)");
	parse_bad("10.0.0.0/", "invalid prefix length");
	parse_bad("10.0.0.0/-1", "invalid prefix length");
	parse_bad("10.0.0.0/+8", "invalid prefix length");
	parse_bad("10.0.0.0/8x", "invalid prefix length");
	parse_bad("10.0.0.0/0008", "invalid prefix length");
	parse_bad("10.0.0.0/8/8", "invalid prefix length");
	parse_bad("/8", "empty address");
	parse_bad("", "empty address");
	parse_bad("10.0.0", "invalid address");
	parse_bad("010.0.0.0/8", "invalid address");
	parse_bad("10.0.0.256", "invalid address");
	parse_bad("example.org", "invalid address");
	parse_bad("*/0", "invalid address");
	parse_bad(" 10.0.0.0/8", "invalid address");
	parse_bad("1111:2222:3333:4444:5555:6666:7777:8888:9999/64",
	    "invalid address");
}

/* Returns cidr_match(prefix, address). */
static int
match(const char *prefix, const char *addr)
{
	struct sockaddr_storage	 ss;
	struct cidr		 c;
	const char		*err;

	assert_int_equal(cidr_parse(prefix, &c, &err), 0);
	return cidr_match(&c, peer(&ss, addr));
}

static void
test_match(void **state)
{
	(void)state;
	assert_true(match("10.0.0.0/8", "10.255.1.2"));
	assert_false(match("10.0.0.0/8", "11.0.0.0"));
	assert_true(match("10.1.2.128/25", "10.1.2.255"));
	assert_false(match("10.1.2.128/25", "10.1.2.127"));
	assert_true(match("192.0.2.7", "192.0.2.7"));
	assert_false(match("192.0.2.7", "192.0.2.6"));
	assert_true(match("0.0.0.0/0", "203.0.113.9"));
	assert_false(match("0.0.0.0/0", "2001:db8::1"));
	assert_true(match("::/0", "2001:db8::1"));
	assert_true(match("2001:db8::/32", "2001:db8:ffff::1"));
	assert_false(match("2001:db8::/32", "2001:db9::1"));
	assert_true(match("2001:db8::1", "2001:db8::1"));
	assert_false(match("2001:db8::1", "2001:db8::2"));
	assert_true(match("*", "2001:db8::1"));
	assert_true(match("*", "127.0.0.1"));
	/* Odd prefix lengths cut inside a byte. */
	assert_true(match("2001:db8:8000::/33", "2001:db8:8000::1"));
	assert_false(match("2001:db8:8000::/33", "2001:db8:7fff::1"));
}

static void
test_v4mapped(void **state)
{
	(void)state;
	/* A v4-mapped peer (dual-stack listener) matches IPv4 rules... */
	assert_true(match("10.0.0.0/8", "::ffff:10.1.2.3"));
	assert_false(match("10.0.0.0/8", "::ffff:11.1.2.3"));
	assert_true(match("0.0.0.0/0", "::ffff:203.0.113.1"));
	/* ...and a v4-mapped rule matches a plain IPv4 peer. */
	assert_true(match("::ffff:10.0.0.0/104", "10.9.9.9"));
	/* A v6 rule never matches an IPv4 peer, even ::/0. */
	assert_false(match("::/0", "::ffff:10.1.2.3"));
	assert_false(match("::/0", "10.1.2.3"));
}

static void
test_non_ip(void **state)
{
	struct sockaddr	 sa;
	struct cidr	 c;
	struct srckey	 k, zero;
	const char	*err;

	(void)state;
	memset(&sa, 0, sizeof(sa));
	sa.sa_family = AF_UNIX;
	assert_int_equal(cidr_parse("0.0.0.0/0", &c, &err), 0);
	assert_false(cidr_match(&c, &sa));
	assert_int_equal(cidr_parse("*", &c, &err), 0);
	assert_true(cidr_match(&c, &sa));
	memset(&zero, 0, sizeof(zero));
	cidr_group(&sa, 24, 64, &k);
	assert_true(srckey_equal(&k, &zero));
}

/* Returns the printed group of addr under v4bits/v6bits. */
static const char *
group(const char *addr, int v4bits, int v6bits)
{
	static char		 buf[CIDR_STRLEN];
	struct sockaddr_storage	 ss;
	struct srckey		 k;

	cidr_group(peer(&ss, addr), v4bits, v6bits, &k);
	return cidr_format_group(&k, buf, sizeof(buf));
}

static void
test_group(void **state)
{
	struct sockaddr_storage	 a, b;
	struct srckey		 ka, kb;

	(void)state;
	assert_string_equal(group("203.0.113.77", 24, 64), "203.0.113.0/24");
	assert_string_equal(group("203.0.113.77", 32, 64), "203.0.113.77/32");
	assert_string_equal(group("203.0.113.77", 0, 64), "0.0.0.0/0");
	assert_string_equal(group("203.0.113.77", 23, 64), "203.0.112.0/23");
	assert_string_equal(group("2001:db8:1:2:3:4:5:6", 24, 64),
	    "2001:db8:1:2::/64");
	assert_string_equal(group("2001:db8:1:2:3:4:5:6", 24, 128),
	    "2001:db8:1:2:3:4:5:6/128");
	assert_string_equal(group("2001:db8:1:2:3:4:5:6", 24, 0), "::/0");
	assert_string_equal(group("2001:db8:1:2:3:4:5:6", 24, 56),
	    "2001:db8:1::/56");
	assert_string_equal(group("::ffff:203.0.113.77", 24, 64),
	    "203.0.113.0/24");

	/* Same group for a plain and a v4-mapped peer; keys compare as bytes. */
	cidr_group(peer(&a, "198.51.100.1"), 24, 64, &ka);
	cidr_group(peer(&b, "::ffff:198.51.100.200"), 24, 64, &kb);
	assert_true(srckey_equal(&ka, &kb));
	cidr_group(peer(&b, "198.51.101.1"), 24, 64, &kb);
	assert_false(srckey_equal(&ka, &kb));
	/* The same bits under two prefix lengths are two groups. */
	cidr_group(peer(&a, "10.0.0.0"), 8, 64, &ka);
	cidr_group(peer(&b, "10.0.0.0"), 16, 64, &kb);
	assert_false(srckey_equal(&ka, &kb));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_v4mapped),
		cmocka_unit_test(test_non_ip),
		cmocka_unit_test(test_group),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
