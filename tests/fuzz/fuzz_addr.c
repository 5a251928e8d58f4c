/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer harness for listen addresses and access-list prefixes.  The
 * input is a string, and after its NUL, bytes that make a peer address to
 * match.  Oracles: printed forms parse back to the same value, and
 * cidr_match agrees with a bit-by-bit comparison done here.
 */
#include <sys/un.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cidr.h"
#include "parse.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const uint8_t	v4mapped[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

static void
check(int cond)
{
	if (!cond)
		abort();
}

/* parse_address -> format_address -> parse_address names the same socket. */
static void
check_address(const char *s)
{
	struct sockaddr_storage	 ss, ss2;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss2;
	socklen_t		 len, len2;
	const char		*err = NULL;
	char			 buf[ADDR_STRLEN];

	if (parse_address(s, &ss, &len, &err) == -1) {
		check(err != NULL);
		return;
	}
	check(ss.ss_family == AF_INET || ss.ss_family == AF_INET6);
	format_address((struct sockaddr *)&ss, buf, sizeof(buf));
	check(strlen(buf) < sizeof(buf) - 1);
	check(parse_address(buf, &ss2, &len2, &err) == 0);
	if (ss.ss_family == AF_INET6 &&
	    IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
		/* Printed as the IPv4 address it stands for, by design. */
		check(ss2.ss_family == AF_INET);
		check(memcmp(&sin->sin_addr, &sin6->sin6_addr.s6_addr[12],
		    4) == 0);
		check(sin->sin_port == sin6->sin6_port);
		return;
	}
	check(len == len2 && memcmp(&ss, &ss2, len) == 0);
}

/* The peer sockaddr for family and addr; IPv4 optionally as v4-mapped. */
static socklen_t
make_peer(int family, const uint8_t *addr, int mapped,
    struct sockaddr_storage *ss)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET && !mapped) {
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, addr, 4);
		return sizeof(*sin);
	}
	sin6->sin6_family = AF_INET6;
	if (family == AF_INET) {
		memcpy(sin6->sin6_addr.s6_addr, v4mapped, 12);
		memcpy(sin6->sin6_addr.s6_addr + 12, addr, 4);
	} else
		memcpy(sin6->sin6_addr.s6_addr, addr, 16);
	return sizeof(*sin6);
}

/* Whether the first bits of a and b agree, one bit at a time. */
static int
same_prefix(const uint8_t *a, const uint8_t *b, int bits)
{
	int	i, m;

	for (i = 0; i < bits; i++) {
		m = 0x80 >> (i % 8);
		if ((a[i / 8] & m) != (b[i / 8] & m))
			return 0;
	}
	return 1;
}

/*
 * What cidr_match should say for a peer of family fam at addr.  A v4-mapped
 * IPv6 peer is the IPv4 peer it carries, as cidr.h documents.
 */
static int
expect_match(const struct cidr *c, int fam, const uint8_t *addr)
{
	if (c->family == AF_UNSPEC)
		return 1;
	if (fam == AF_INET6 && memcmp(addr, v4mapped, 12) == 0) {
		fam = AF_INET;
		addr += 12;
	}
	return c->family == fam && same_prefix(c->addr, addr, c->bits);
}

/* cidr_match of the peer probe (IPv4 and IPv6 views of it) against c. */
static void
check_match(const struct cidr *c, const uint8_t *probe, size_t plen)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_un	 un;
	uint8_t			 addr[16] = { 0 };
	int			 fam, want, flip;

	memcpy(addr, probe, plen < 16 ? plen : 16);
	for (fam = AF_INET; fam != -1; fam = fam == AF_INET ? AF_INET6 : -1) {
		want = expect_match(c, fam, addr);
		make_peer(fam, addr, 0, &ss);
		check(cidr_match(c, (struct sockaddr *)&ss) == want);
		if (fam == AF_INET) {
			make_peer(fam, addr, 1, &ss);
			check(cidr_match(c, (struct sockaddr *)&ss) == want);
		}
	}

	/* The prefix's own address is in it; one bit flipped in the prefix is not. */
	if (c->family == AF_UNSPEC)
		return;
	make_peer(c->family, c->addr, 0, &ss);
	check(cidr_match(c, (struct sockaddr *)&ss) == 1);
	if (c->bits > 0) {
		memcpy(addr, c->addr, 16);
		flip = plen > 16 ? probe[16] % c->bits : c->bits - 1;
		addr[flip / 8] ^= (uint8_t)(0x80 >> (flip % 8));
		make_peer(c->family, addr, 0, &ss);
		check(cidr_match(c, (struct sockaddr *)&ss) ==
		    expect_match(c, c->family, addr));
		check(expect_match(c, c->family, addr) == 0);
	}

	/* A non-IP peer matches only "*". */
	memset(&un, 0, sizeof(un));
	un.sun_family = AF_UNIX;
	check(cidr_match(c, (struct sockaddr *)&un) == 0);
}

/* cidr_parse -> cidr_format -> cidr_parse gives the same prefix. */
static void
check_cidr(const char *s, const uint8_t *probe, size_t plen)
{
	struct cidr	 c, c2;
	const char	*err = NULL;
	char		 buf[CIDR_STRLEN];
	int		 max;

	if (cidr_parse(s, &c, &err) == -1) {
		check(err != NULL);
		return;
	}
	max = c.family == AF_INET ? 32 : 128;
	check(c.family == AF_UNSPEC || (c.bits >= 0 && c.bits <= max));
	cidr_format(&c, buf, sizeof(buf));
	check(strlen(buf) < sizeof(buf) - 1);
	check(cidr_parse(buf, &c2, &err) == 0);
	check(memcmp(&c, &c2, sizeof(c)) == 0);
	check_match(&c, probe, plen);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		 s[256];
	const uint8_t	*nul;
	size_t		 n;

	nul = memchr(data, '\0', size);
	n = nul != NULL ? (size_t)(nul - data) : size;
	if (n >= sizeof(s))
		return 0;
	memcpy(s, data, n);
	s[n] = '\0';
	check_address(s);
	if (nul != NULL)
		check_cidr(s, nul + 1, size - n - 1);
	else
		check_cidr(s, (const uint8_t *)"", 0);
	return 0;
}
