/* SPDX-License-Identifier: ISC */
/* IPv4/IPv6 prefixes: strict parsing, matching peers, group keys and printing. */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>

#include "cidr.h"

static const uint8_t v4mapped[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
};

/* Clears every bit of addr past the first bits; len is the address size. */
static void
mask_bits(uint8_t *addr, size_t len, int bits)
{
	size_t	 i;

	for (i = 0; i < len; i++) {
		if (bits >= 8)
			bits -= 8;
		else if (bits > 0) {
			addr[i] &= (uint8_t)(0xff << (8 - bits));
			bits = 0;
		} else
			addr[i] = 0;
	}
}

/* Returns 1 when the first bits of a and b agree. */
static int
prefix_equal(const uint8_t *a, const uint8_t *b, int bits)
{
	size_t	 whole = bits / 8;
	uint8_t	 m;

	if (memcmp(a, b, whole) != 0)
		return 0;
	if (bits % 8 == 0)
		return 1;
	m = (uint8_t)(0xff << (8 - bits % 8));
	return (a[whole] & m) == (b[whole] & m);
}

/* Parses a prefix length of 1 to 3 digits within 0..max; -1 when invalid. */
static int
parse_bits(const char *s, int max, const char **errstr)
{
	int	 n = 0;
	size_t	 i;

	if (*s == '\0' || strlen(s) > 3) {
		*errstr = "invalid prefix length";
		return -1;
	}
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9') {
			*errstr = "invalid prefix length";
			return -1;
		}
		n = n * 10 + (s[i] - '0');
	}
	if (n > max) {
		*errstr = max == 32 ? "prefix length out of range (0-32)" :
		    "prefix length out of range (0-128)";
		return -1;
	}
	return n;
}

/*
 * Parses "a.b.c.d[/n]", "x:y::z[/n]" or "*" into c; a bare address is a
 * host prefix.  Set host bits are an error, not silently masked: "10.0.0.1/8"
 * is more likely a typo than a wish.  IPv4-mapped IPv6 prefixes of /96 or
 * longer become IPv4.  Returns 0, or -1 with *errstr set.
 */
int
cidr_parse(const char *s, struct cidr *c, const char **errstr)
{
	char		 buf[INET6_ADDRSTRLEN];
	const char	*slash;
	uint8_t		 orig[16];
	size_t		 len;
	int		 max;

	memset(c, 0, sizeof(*c));
	if (strcmp(s, "*") == 0) {
		c->family = AF_UNSPEC;
		return 0;
	}
	slash = strchr(s, '/');
	len = slash != NULL ? (size_t)(slash - s) : strlen(s);
	if (len == 0) {
		*errstr = "empty address";
		return -1;
	}
	if (len >= sizeof(buf)) {
		*errstr = "invalid address";
		return -1;
	}
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, c->addr) == 1) {
		c->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, c->addr) == 1) {
		c->family = AF_INET6;
		max = 128;
	} else {
		*errstr = "invalid address";
		return -1;
	}
	c->bits = max;
	if (slash != NULL && (c->bits = parse_bits(slash + 1, max,
	    errstr)) == -1)
		return -1;
	memcpy(orig, c->addr, sizeof(orig));
	mask_bits(c->addr, max / 8, c->bits);
	if (memcmp(orig, c->addr, max / 8) != 0) {
		*errstr = "host bits set";
		return -1;
	}
	if (c->family == AF_INET6 && c->bits >= 96 &&
	    memcmp(c->addr, v4mapped, sizeof(v4mapped)) == 0) {
		c->family = AF_INET;
		c->bits -= 96;
		memmove(c->addr, c->addr + 12, 4);
		memset(c->addr + 4, 0, 12);
	}
	return 0;
}

/* Fills a from an AF_INET or AF_INET6 sockaddr; -1 for any other family. */
int
srcaddr_from_sockaddr(const struct sockaddr *sa, struct srcaddr *a)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;

	memset(a, 0, sizeof(*a));
	switch (sa->sa_family) {
	case AF_INET:
		sin = (const struct sockaddr_in *)sa;
		a->family = AF_INET;
		memcpy(a->addr, &sin->sin_addr, 4);
		return 0;
	case AF_INET6:
		sin6 = (const struct sockaddr_in6 *)sa;
		if (memcmp(&sin6->sin6_addr, v4mapped,
		    sizeof(v4mapped)) == 0) {
			a->family = AF_INET;
			memcpy(a->addr, sin6->sin6_addr.s6_addr + 12, 4);
		} else {
			a->family = AF_INET6;
			memcpy(a->addr, &sin6->sin6_addr, 16);
		}
		return 0;
	default:
		return -1;
	}
}

/* Returns 1 when a lies in c: "*" matches every family, else families agree. */
int
cidr_match_addr(const struct cidr *c, const struct srcaddr *a)
{
	if (c->family == AF_UNSPEC)
		return 1;
	if (c->family != a->family)
		return 0;
	return prefix_equal(c->addr, a->addr, c->bits);
}

/* Returns 1 when the peer sa lies in c; non-IP peers match only "*". */
int
cidr_match(const struct cidr *c, const struct sockaddr *sa)
{
	struct srcaddr	 a;

	if (c->family == AF_UNSPEC)
		return 1;
	if (srcaddr_from_sockaddr(sa, &a) == -1)
		return 0;
	return cidr_match_addr(c, &a);
}

/*
 * Builds the group key of peer sa: its address masked to v4bits (0-32) or
 * v6bits (0-128).  Non-IP peers all share one zero key.
 */
void
cidr_group(const struct sockaddr *sa, int v4bits, int v6bits,
    struct srckey *k)
{
	struct srcaddr	 a;

	memset(k, 0, sizeof(*k));
	if (srcaddr_from_sockaddr(sa, &a) == -1)
		return;
	k->family = (uint8_t)a.family;
	if (a.family == AF_INET) {
		k->bits = (uint8_t)v4bits;
		memcpy(k->addr, a.addr, 4);
		mask_bits(k->addr, 4, v4bits);
	} else {
		k->bits = (uint8_t)v6bits;
		memcpy(k->addr, a.addr, 16);
		mask_bits(k->addr, 16, v6bits);
	}
}

/* Returns 1 when two group keys name the same group. */
int
srckey_equal(const struct srckey *a, const struct srckey *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

/* Prints family, address and bits as "addr/bits", "*" for AF_UNSPEC. */
static char *
format_prefix(int family, const uint8_t *addr, int bits, char *buf,
    size_t len)
{
	char	 a[INET6_ADDRSTRLEN];

	if ((family != AF_INET && family != AF_INET6) ||
	    inet_ntop(family, addr, a, sizeof(a)) == NULL) {
		(void)snprintf(buf, len, "*");
		return buf;
	}
	(void)snprintf(buf, len, "%s/%d", a, bits);
	return buf;
}

/* Prints c as cidr_parse() reads it back; buf should hold CIDR_STRLEN. */
char *
cidr_format(const struct cidr *c, char *buf, size_t len)
{
	return format_prefix(c->family, c->addr, c->bits, buf, len);
}

/* Prints a group key as "203.0.113.0/24" or "2001:db8:1:2::/64". */
char *
cidr_format_group(const struct srckey *k, char *buf, size_t len)
{
	return format_prefix(k->family, k->addr, k->bits, buf, len);
}
