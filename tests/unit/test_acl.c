/* SPDX-License-Identifier: ISC */
/* Unit tests for acl.c: order, first match, default allow, no cap, files, the tree against a linear list. */
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
	acl_free(&acl);
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
	acl_free(&acl);
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

/* Overlapping allow and deny prefixes of both families: file order decides. */
static void
test_overlap_order(void **state)
{
	struct sockaddr_storage	 ss;
	struct acl		 acl;

	(void)state;
	acl_init(&acl);
	add(&acl, ACL_DENY, "10.1.2.3");		/* 0 */
	add(&acl, ACL_ALLOW, "10.1.2.0/24");		/* 1 */
	add(&acl, ACL_DENY, "10.1.0.0/16");		/* 2 */
	add(&acl, ACL_ALLOW, "10.0.0.0/8");		/* 3 */
	add(&acl, ACL_DENY, "10.1.2.128/25");		/* 4: shadowed by 1 */
	add(&acl, ACL_ALLOW, "2001:db8:1::/48");	/* 5 */
	add(&acl, ACL_DENY, "2001:db8::/32");		/* 6 */
	add(&acl, ACL_ALLOW, "2001:db8:1:2::/64");	/* 7: shadowed by 5 */
	add(&acl, ACL_DENY, "2001:db8:1::/48");		/* 8: a duplicate */
	add(&acl, ACL_DENY, "0.0.0.0/0");		/* 9: IPv4 only */
	assert_int_equal(acl_lookup(&acl, peer(&ss, "10.1.2.3")), 0);
	assert_int_equal(acl_lookup(&acl, peer(&ss, "10.1.2.4")), 1);
	assert_int_equal(acl_lookup(&acl, peer(&ss, "10.1.2.200")), 1);
	assert_int_equal(acl_lookup(&acl, peer(&ss, "10.1.3.1")), 2);
	assert_int_equal(acl_lookup(&acl, peer(&ss, "10.9.3.1")), 3);
	assert_int_equal(acl_lookup(&acl, peer(&ss, "11.0.0.1")), 9);
	assert_int_equal(acl_lookup(&acl, peer(&ss, "2001:db8:1:2::1")), 5);
	assert_int_equal(acl_lookup(&acl, peer(&ss, "2001:db8:2::1")), 6);
	assert_int_equal(acl_lookup(&acl, peer(&ss, "2001:db9::1")), -1);
	assert_int_equal(check(&acl, "10.1.2.3"), ACL_DENY);
	assert_int_equal(check(&acl, "10.1.2.200"), ACL_ALLOW);
	assert_int_equal(check(&acl, "10.1.3.1"), ACL_DENY);
	assert_int_equal(check(&acl, "10.200.3.1"), ACL_ALLOW);
	assert_int_equal(check(&acl, "2001:db8:1:ffff::1"), ACL_ALLOW);
	assert_int_equal(check(&acl, "2001:db8:ffff::1"), ACL_DENY);
	assert_int_equal(check(&acl, "::1"), ACL_ALLOW);
	assert_int_equal(check(&acl, "192.0.2.1"), ACL_DENY);
	acl_free(&acl);
}

/* An IPv4-mapped peer is an IPv4 peer, and a mapped prefix an IPv4 prefix. */
static void
test_v4mapped(void **state)
{
	struct sockaddr_storage	 ss;
	struct acl		 acl;

	(void)state;
	acl_init(&acl);
	add(&acl, ACL_ALLOW, "::ffff:192.0.2.0/120");
	add(&acl, ACL_DENY, "192.0.2.0/23");
	add(&acl, ACL_DENY, "::ffff:0:0/96");
	assert_int_equal(acl_rule(&acl, 0)->net.family, AF_INET);
	assert_int_equal(acl_rule(&acl, 0)->net.bits, 24);
	assert_int_equal(acl_lookup(&acl, peer(&ss, "192.0.2.9")), 0);
	assert_int_equal(acl_lookup(&acl, peer(&ss, "::ffff:192.0.2.9")), 0);
	assert_int_equal(acl_lookup(&acl, peer(&ss, "::ffff:192.0.3.9")), 1);
	assert_int_equal(acl_lookup(&acl, peer(&ss, "198.51.100.1")), 2);
	assert_int_equal(acl_lookup(&acl, peer(&ss, "::ffff:198.51.100.1")), 2);
	assert_int_equal(acl_lookup(&acl, peer(&ss, "::198.51.100.1")), -1);
	assert_int_equal(acl_lookup(&acl, peer(&ss, "2001:db8::1")), -1);
	acl_free(&acl);
}

/* "*" is a rule for every family, non-IP peers included, at its place. */
static void
test_star(void **state)
{
	struct sockaddr_storage	 ss;
	struct sockaddr		 sa;
	struct acl		 acl;

	(void)state;
	memset(&sa, 0, sizeof(sa));
	sa.sa_family = AF_UNIX;
	acl_init(&acl);
	add(&acl, ACL_ALLOW, "10.0.0.0/8");
	add(&acl, ACL_DENY, "2001:db8::1");
	add(&acl, ACL_DENY, "*");
	add(&acl, ACL_ALLOW, "11.0.0.0/8");	/* shadowed by "*" */
	add(&acl, ACL_ALLOW, "*");		/* shadowed too */
	assert_int_equal(acl_lookup(&acl, peer(&ss, "10.0.0.1")), 0);
	assert_int_equal(acl_lookup(&acl, peer(&ss, "2001:db8::1")), 1);
	assert_int_equal(acl_lookup(&acl, peer(&ss, "2001:db8::2")), 2);
	assert_int_equal(acl_lookup(&acl, peer(&ss, "11.0.0.1")), 2);
	assert_int_equal(acl_lookup(&acl, &sa), 2);
	assert_int_equal(acl_check(&acl, &sa), ACL_DENY);
	acl_free(&acl);
	/* Without "*", a non-IP peer matches nothing and is allowed. */
	add(&acl, ACL_DENY, "0.0.0.0/0");
	add(&acl, ACL_DENY, "::/0");
	assert_int_equal(acl_lookup(&acl, &sa), -1);
	assert_int_equal(check(&acl, "192.0.2.1"), ACL_DENY);
	assert_int_equal(check(&acl, "::2"), ACL_DENY);
	acl_free(&acl);
	/* "*" first: every rule after it is shadowed. */
	add(&acl, ACL_ALLOW, "*");
	add(&acl, ACL_DENY, "192.0.2.1");
	assert_int_equal(acl_lookup(&acl, peer(&ss, "192.0.2.1")), 0);
	assert_int_equal(acl_count(&acl), 2);
	assert_null(acl_rule(&acl, 2));
	acl_free(&acl);
}

/* A small deterministic generator, so a failure can be replayed. */
static uint64_t
rnd(uint64_t *s)
{
	uint64_t	 z;

	z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/*
 * Random addresses near a few bases, so that prefixes nest and overlap
 * and peers fall in some of them and in none.
 */
static void
rnd_addr(uint64_t *s, int family, uint8_t *addr)
{
	static const uint8_t	 base[4][16] = {
		{ 10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 },
		{ 192, 0, 2, 0, 0x20, 0x01, 0x0d, 0xb8 },
		{ 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1 },
		{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }
	};
	uint64_t	 r = rnd(s);
	int		 i, len = family == AF_INET ? 4 : 16, keep;

	memcpy(addr, base[r % 4], 16);
	keep = (int)((r >> 8) % (uint64_t)(len * 8 + 1));
	for (i = keep; i < len * 8; i++)
		if ((rnd(s) & 1) != 0)
			addr[i / 8] ^= (uint8_t)(0x80 >> (i % 8));
	if (len == 4)
		memset(addr + 4, 0, 12);
}

/* A random rule: a family, a length, an address with host bits cleared. */
static void
rnd_rule(uint64_t *s, struct acl *acl)
{
	struct cidr	 c;
	const char	*err = NULL;
	char		 buf[CIDR_STRLEN];
	uint64_t	 r = rnd(s);
	int		 max, i;

	memset(&c, 0, sizeof(c));
	c.family = (r & 1) != 0 ? AF_INET : AF_INET6;
	max = c.family == AF_INET ? 32 : 128;
	/* Few short prefixes: they would match nearly every peer. */
	c.bits = max / 4 + (int)((r >> 1) % (uint64_t)(max - max / 4 + 1));
	rnd_addr(s, c.family, c.addr);
	for (i = c.bits; i < max; i++)
		c.addr[i / 8] &= (uint8_t)~(0x80 >> (i % 8));
	assert_non_null(cidr_format(&c, buf, sizeof(buf)));
	assert_int_equal(acl_add(acl, (r >> 9) % 2 ? ACL_DENY : ACL_ALLOW,
	    buf, &err), 0);
}

/* The linear reference: the first rule in order whose prefix holds a. */
static int
linear_lookup(const struct acl *acl, const struct srcaddr *a)
{
	const struct acl_rule	*r;
	size_t			 i;

	for (i = 0; (r = acl_rule(acl, i)) != NULL; i++)
		if (cidr_match_addr(&r->net, a))
			return (int)i;
	return -1;
}

static struct sockaddr *
sockaddr_of(struct sockaddr_storage *ss, int family, const uint8_t *addr)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, addr, 4);
	} else {
		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, addr, 16);
	}
	return (struct sockaddr *)ss;
}

#define RANDOM_RULES	10000
#define RANDOM_PEERS	100000

/*
 * The tree against the linear list: 10,000 random rules, 100,000 random
 * peers, the same first match for each, and never more nodes visited
 * than the address has bits plus one.
 */
static void
test_random_against_linear(void **state)
{
	struct sockaddr_storage	 ss;
	struct srcaddr		 a;
	struct acl		 acl;
	uint64_t		 seed = 22;
	size_t			 i, steps;
	int			 hits = 0;

	(void)state;
	acl_init(&acl);
	for (i = 0; i < RANDOM_RULES; i++)
		rnd_rule(&seed, &acl);
	for (i = 0; i < RANDOM_PEERS; i++) {
		memset(&a, 0, sizeof(a));
		a.family = (rnd(&seed) & 1) != 0 ? AF_INET : AF_INET6;
		rnd_addr(&seed, a.family, a.addr);
		sockaddr_of(&ss, a.family, a.addr);
		assert_int_equal(acl_lookup(&acl, (struct sockaddr *)&ss),
		    linear_lookup(&acl, &a));
		hits += acl_lookup(&acl, (struct sockaddr *)&ss) != -1;
		steps = acl_check_steps(&acl, (struct sockaddr *)&ss);
		assert_true(steps <= (a.family == AF_INET ? 33u : 129u));
	}
	/* Both outcomes were tried often. */
	print_message("%d of %d peers matched a rule\n", hits, RANDOM_PEERS);
	assert_true(hits > RANDOM_PEERS / 10);
	assert_true(hits < RANDOM_PEERS - RANDOM_PEERS / 10);
	acl_free(&acl);
}

/*
 * Nodes visited per lookup stay within the address length whatever the
 * rule count; nested prefixes down to a host reach exactly that bound.
 */
static void
test_steps_bounded(void **state)
{
	static const size_t	 counts[] = { 1, 100, 10000, 100000 };
	struct sockaddr_storage	 ss;
	struct acl		 acl;
	uint8_t			 addr[16];
	uint64_t		 seed = 7;
	size_t			 c, i, most4, most6, steps;
	char			 buf[64];
	int			 family;

	(void)state;
	for (c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
		acl_init(&acl);
		while (acl_count(&acl) < counts[c])
			rnd_rule(&seed, &acl);
		most4 = most6 = 0;
		for (i = 0; i < 20000; i++) {
			family = (i & 1) != 0 ? AF_INET : AF_INET6;
			rnd_addr(&seed, family, addr);
			steps = acl_check_steps(&acl, sockaddr_of(&ss, family,
			    addr));
			if (family == AF_INET && steps > most4)
				most4 = steps;
			if (family == AF_INET6 && steps > most6)
				most6 = steps;
		}
		print_message("%zu rules: at most %zu nodes (IPv4), %zu "
		    "(IPv6)\n", counts[c], most4, most6);
		assert_true(most4 <= 33);
		assert_true(most6 <= 129);
		acl_free(&acl);
	}
	acl_init(&acl);
	for (family = AF_INET; family != 0;
	    family = family == AF_INET ? AF_INET6 : 0)
		for (i = 0; i <= (family == AF_INET ? 32u : 128u); i++) {
			memset(addr, 0, sizeof(addr));
			memset(addr, 0xff, i / 8);
			if (i % 8 != 0)
				addr[i / 8] = (uint8_t)(0xff << (8 - i % 8));
			assert_non_null(inet_ntop(family, addr, buf,
			    sizeof(buf)));
			(void)snprintf(buf + strlen(buf), sizeof(buf) -
			    strlen(buf), "/%zu", i);
			add(&acl, ACL_DENY, buf);
		}
	memset(addr, 0xff, sizeof(addr));
	assert_int_equal(acl_check_steps(&acl, sockaddr_of(&ss, AF_INET,
	    addr)), 33);
	assert_int_equal(acl_check_steps(&acl, sockaddr_of(&ss, AF_INET6,
	    addr)), 129);
	assert_int_equal(acl_lookup(&acl, sockaddr_of(&ss, AF_INET, addr)), 0);
	acl_free(&acl);
}

struct errs {
	size_t		 n;
	size_t		 line[8];
	char		 msg[8][128];
};

static void
collect(void *arg, size_t line, const char *msg)
{
	struct errs	*e = arg;

	assert_true(e->n < 8);
	e->line[e->n] = line;
	(void)snprintf(e->msg[e->n], sizeof(e->msg[0]), "%s", msg);
	e->n++;
}

/* Writes len bytes of text to a new temporary file; returns its path. */
static char *
temp_file(const char *text, size_t len)
{
	static char	 path[64];
	int		 fd;

	(void)snprintf(path, sizeof(path), "/tmp/test_acl.XXXXXX");
	assert_true((fd = mkstemp(path)) != -1);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
	return path;
}

/* Good lines become rules in order, each bad one is reported by number. */
static void
test_add_file(void **state)
{
	struct sockaddr_storage	 ss;
	struct acl		 acl;
	struct errs		 e;
	char			 text[1024], *path;
	const char		*err = NULL;
	size_t			 len;

	(void)state;
	len = (size_t)snprintf(text, sizeof(text),
	    "# a block list\n"				/* 1 */
	    "192.0.2.0/24\n"				/* 2 */
	    "\n"					/* 3 */
	    "  198.51.100.7  # one host\r\n"		/* 4 */
	    "10.0.0.1/8\n"				/* 5: host bits */
	    "\t2001:db8::/32\t\n"			/* 6 */
	    "not-an-address\n"				/* 7 */
	    "203.0.113.0/24 203.0.114.0/24\n"		/* 8 */
	    "%0300d\n"					/* 9: too long */
	    "203.0.113.0/25\n"				/* 10 */
	    "   \t  \n"					/* 11 */
	    "::ffff:100.64.0.0/106", 0);		/* 12, no newline */
	path = temp_file(text, len);
	acl_init(&acl);
	add(&acl, ACL_ALLOW, "192.0.2.1");
	memset(&e, 0, sizeof(e));
	assert_int_equal(acl_add_file(&acl, ACL_DENY, path, collect, &e), 4);
	assert_int_equal(e.n, 4);
	assert_int_equal(e.line[0], 5);
	assert_string_equal(e.msg[0], "\"10.0.0.1/8\": host bits set");
	assert_int_equal(e.line[1], 7);
	assert_string_equal(e.msg[1], "\"not-an-address\": invalid address");
	assert_int_equal(e.line[2], 8);
	assert_string_equal(e.msg[2],
	    "\"203.0.113.0/24 203.0.114.0/24\": one prefix a line");
	assert_int_equal(e.line[3], 9);
	assert_string_equal(e.msg[3], "line longer than 256 bytes");
	assert_int_equal(acl_count(&acl), 6);
	assert_int_equal(acl_rule(&acl, 0)->file, 0);
	assert_int_equal(acl_rule(&acl, 1)->file, 1);
	assert_int_equal(acl_rule(&acl, 5)->file, 1);
	assert_int_equal(acl_rule(&acl, 5)->net.family, AF_INET);
	assert_int_equal(acl_rule(&acl, 5)->net.bits, 10);
	assert_int_equal(acl_rule(&acl, 4)->action, ACL_DENY);
	assert_int_equal(check(&acl, "192.0.2.1"), ACL_ALLOW);
	assert_int_equal(check(&acl, "192.0.2.2"), ACL_DENY);
	assert_int_equal(check(&acl, "198.51.100.7"), ACL_DENY);
	assert_int_equal(check(&acl, "198.51.100.8"), ACL_ALLOW);
	assert_int_equal(check(&acl, "2001:db8:5::1"), ACL_DENY);
	assert_int_equal(check(&acl, "203.0.113.1"), ACL_DENY);
	assert_int_equal(check(&acl, "203.0.113.129"), ACL_ALLOW);
	assert_int_equal(check(&acl, "100.127.0.1"), ACL_DENY);
	assert_int_equal(acl_lookup(&acl, peer(&ss, "100.64.0.1")), 5);
	/* Lines after the file's go after its rules; a second file is 2. */
	add(&acl, ACL_DENY, "*");
	assert_int_equal(acl_add_file(&acl, ACL_ALLOW, path, NULL, NULL), 4);
	assert_int_equal(acl_count(&acl), 12);
	assert_int_equal(acl_rule(&acl, 6)->file, 0);
	assert_int_equal(acl_rule(&acl, 7)->file, 2);
	assert_int_equal(check(&acl, "198.51.100.8"), ACL_DENY);
	assert_int_equal(unlink(path), 0);
	/* A file that cannot be opened or read: -1 with errno, no rules. */
	errno = 0;
	assert_int_equal(acl_add_file(&acl, ACL_DENY, path, collect, &e), -1);
	assert_int_equal(errno, ENOENT);
	errno = 0;
	assert_int_equal(acl_add_file(&acl, ACL_DENY, "/", collect, &e), -1);
	assert_int_equal(errno, EISDIR);
	assert_int_equal(acl_count(&acl), 12);
	assert_int_equal(e.n, 4);
	(void)err;
	acl_free(&acl);
}

/* An empty file, and lines of exactly the longest length and one more. */
static void
test_add_file_edges(void **state)
{
	struct acl	 acl;
	struct errs	 e;
	char		 text[1024], *path;
	size_t		 len;

	(void)state;
	acl_init(&acl);
	path = temp_file("", 0);
	assert_int_equal(acl_add_file(&acl, ACL_DENY, path, collect, &e), 0);
	assert_int_equal(acl_count(&acl), 0);
	assert_int_equal(unlink(path), 0);
	/* 256 bytes: a prefix and blanks; 257: too long; then a NUL byte. */
	len = (size_t)snprintf(text, sizeof(text), "%-256s\n%-257s\n",
	    "192.0.2.0/24", "198.51.100.0/24");
	memcpy(text + len, "10.0.0.0/8\0\n10.0.0.0/8", 22);
	len += 22;
	path = temp_file(text, len);
	memset(&e, 0, sizeof(e));
	assert_int_equal(acl_add_file(&acl, ACL_DENY, path, collect, &e), 2);
	assert_int_equal(e.line[0], 2);
	assert_string_equal(e.msg[0], "line longer than 256 bytes");
	assert_int_equal(e.line[1], 3);
	assert_string_equal(e.msg[1], "NUL byte in line");
	assert_int_equal(acl_count(&acl), 2);
	assert_int_equal(check(&acl, "192.0.2.1"), ACL_DENY);
	assert_int_equal(check(&acl, "198.51.100.1"), ACL_ALLOW);
	assert_int_equal(check(&acl, "10.0.0.1"), ACL_DENY);
	assert_int_equal(unlink(path), 0);
	acl_free(&acl);
}

#define BIG_RULES	100000

/* 100,000 prefixes from a file: built, looked up, freed (valgrind-clean). */
static void
test_big_file(void **state)
{
	struct sockaddr_storage	 ss;
	struct acl		 acl;
	FILE			*fp;
	char			 path[64], buf[64];
	uint8_t			 addr[16];
	size_t			 i;
	int			 fd;

	(void)state;
	(void)snprintf(path, sizeof(path), "/tmp/test_acl.XXXXXX");
	assert_true((fd = mkstemp(path)) != -1);
	assert_non_null(fp = fdopen(fd, "w"));
	for (i = 0; i < BIG_RULES; i++) {
		if (i % 2 == 0)
			fprintf(fp, "10.%zu.%zu.0/24\n", i / 2 / 256,
			    i / 2 % 256);
		else
			fprintf(fp, "2001:db8:%zx::/48\n", i / 2);
	}
	assert_int_equal(fclose(fp), 0);
	acl_init(&acl);
	assert_int_equal(acl_add_file(&acl, ACL_DENY, path, NULL, NULL), 0);
	assert_int_equal(unlink(path), 0);
	add(&acl, ACL_ALLOW, "*");
	assert_int_equal(acl_count(&acl), BIG_RULES + 1);
	assert_int_equal(check(&acl, "10.195.79.1"), ACL_DENY);
	assert_int_equal(acl_lookup(&acl, peer(&ss, "10.195.79.1")),
	    2 * (195 * 256 + 79));
	assert_int_equal(check(&acl, "10.195.80.1"), ACL_ALLOW);
	assert_int_equal(check(&acl, "2001:db8:c34f:1::1"), ACL_DENY);
	assert_int_equal(check(&acl, "2001:db8:c350::1"), ACL_ALLOW);
	memset(addr, 0, sizeof(addr));
	addr[0] = 10;
	assert_true(acl_check_steps(&acl, sockaddr_of(&ss, AF_INET,
	    addr)) <= 33);
	(void)buf;
	acl_free(&acl);
}

/* An allocator like the supervisor's mem_private(), counting what it holds. */
static size_t	 held_bytes, held_maps;

static void *
private_alloc(size_t len)
{
	void	*p;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE |
	    MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	assert_int_equal(madvise(p, len, MADV_DONTFORK), 0);
	held_bytes += len;
	held_maps++;
	return p;
}

static void
private_release(void *p, size_t len)
{
	assert_int_equal(munmap(p, len), 0);
	held_bytes -= len;
	held_maps--;
}

/*
 * acl_private moves the arrays to the allocator given, where they keep
 * growing; lookups are unchanged, acl_free returns every byte, and a
 * forked child has none of it mapped.
 */
static void
test_private(void **state)
{
	struct sockaddr_storage	 ss;
	struct acl		 acl, moved;
	unsigned char		 v;
	char			 buf[64];
	pid_t			 pid;
	int			 i, st;

	(void)state;
	acl_init(&acl);
	assert_int_equal(acl_private(&acl, private_alloc, private_release), 0);
	assert_int_equal(held_maps, 0);
	add(&acl, ACL_DENY, "192.0.2.0/24");
	assert_int_equal(held_maps, 2);
	acl_free(&acl);
	assert_int_equal(held_bytes, 0);
	/* From the heap to private memory with rules in it. */
	for (i = 0; i < 100; i++) {
		(void)snprintf(buf, sizeof(buf), "10.0.%d.0/24", i);
		add(&acl, ACL_DENY, buf);
	}
	assert_int_equal(acl_private(&acl, private_alloc, private_release), 0);
	assert_int_equal(held_maps, 2);
	assert_int_equal(acl_private(&acl, private_alloc, private_release), 0);
	assert_int_equal(held_maps, 2);
	for (i = 100; i < 5000; i++) {
		(void)snprintf(buf, sizeof(buf), "10.%d.%d.0/24", i / 256,
		    i % 256);
		add(&acl, ACL_DENY, buf);
	}
	add(&acl, ACL_ALLOW, "*");
	assert_int_equal(held_maps, 2);
	assert_int_equal(acl_lookup(&acl, peer(&ss, "10.0.42.1")), 42);
	assert_int_equal(acl_lookup(&acl, peer(&ss, "10.19.135.1")), 4999);
	assert_int_equal(acl_lookup(&acl, peer(&ss, "10.19.136.1")), 5000);
	moved = acl;
	acl_init(&acl);
	if ((pid = fork()) == 0)
		/* ENOMEM: the child does not map the list at all. */
		_exit(mincore((void *)((uintptr_t)moved.node &
		    ~(uintptr_t)(sysconf(_SC_PAGESIZE) - 1)), 1, &v) == -1 &&
		    errno == ENOMEM ? 0 : 1);
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_int_equal(check(&moved, "10.0.42.1"), ACL_DENY);
	acl_free(&moved);
	assert_int_equal(held_bytes, 0);
	assert_int_equal(held_maps, 0);
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
		cmocka_unit_test(test_overlap_order),
		cmocka_unit_test(test_v4mapped),
		cmocka_unit_test(test_star),
		cmocka_unit_test(test_random_against_linear),
		cmocka_unit_test(test_steps_bounded),
		cmocka_unit_test(test_add_file),
		cmocka_unit_test(test_add_file_edges),
		cmocka_unit_test(test_big_file),
		cmocka_unit_test(test_private),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
