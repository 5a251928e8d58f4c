/* SPDX-License-Identifier: ISC */
/* IPv4/IPv6 prefixes: parsing, matching peers, and per-source group keys. */
#ifndef CIDR_H
#define CIDR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <netinet/in.h>

/* Room for "ffff:...:255.255.255.255/128" and a NUL. */
#define CIDR_STRLEN	(INET6_ADDRSTRLEN + 4)

/*
 * A peer address reduced to what matching needs; an IPv4-mapped IPv6
 * address (::ffff:a.b.c.d) is stored as AF_INET.  IPv4 uses addr[0..3].
 */
struct srcaddr {
	int		family;		/* AF_INET or AF_INET6 */
	uint8_t		addr[16];
};

/* A parsed prefix; family AF_UNSPEC is "*", any peer of any family. */
struct cidr {
	int		family;
	int		bits;
	uint8_t		addr[16];	/* host bits are zero */
};

/*
 * The per-source group key: the peer masked to a prefix.  Fixed layout
 * with no padding, fully zeroed, so it can be hashed and compared as bytes.
 */
struct srckey {
	uint8_t		addr[16];
	uint8_t		family;		/* AF_INET, AF_INET6, 0 for non-IP */
	uint8_t		bits;
	uint8_t		pad[2];
};

int	cidr_parse(const char *, struct cidr *, const char **);
int	cidr_match(const struct cidr *, const struct sockaddr *);
int	cidr_match_addr(const struct cidr *, const struct srcaddr *);
int	srcaddr_from_sockaddr(const struct sockaddr *, struct srcaddr *);
void	cidr_group(const struct sockaddr *, int, int, struct srckey *);
int	srckey_equal(const struct srckey *, const struct srckey *);
char	*cidr_format(const struct cidr *, char *, size_t);
char	*cidr_format_group(const struct srckey *, char *, size_t);

#endif
