/* SPDX-License-Identifier: ISC */
/* PROXY protocol (v1 text, v2 binary) header parser: incremental, no I/O, no allocation. */
#ifndef PROXY_H
#define PROXY_H

#include <stddef.h>
#include <sys/socket.h>

/* Longest header accepted: a v2 header (16 fixed bytes + block) or a v1 line. */
#define PROXY_HDR_MAX		4096
#define PROXY_V1_MAX		107	/* line, CRLF included */
#define PROXY_V2_FIXED		16	/* signature, ver/cmd, family, length */

/* proxy_feed() results: positive or zero is progress, negative is an error. */
#define PROXY_MORE		1	/* header incomplete: feed more bytes */
#define PROXY_DONE		0	/* header complete: see parser's result */
#define PROXY_EMALFORMED	(-1)	/* not a valid PROXY header */
#define PROXY_EUNSUPPORTED	(-2)	/* valid v2 PROXY, address family we refuse */

/* What the header said, valid once proxy_feed() returned PROXY_DONE. */
struct proxy_result {
	int			version;	/* 1 or 2 */
	int			local;		/* keep the real endpoints */
	struct sockaddr_storage	src;		/* AF_INET/AF_INET6, port in */
	struct sockaddr_storage	dst;		/* network order; AF_UNSPEC if local */
};

struct proxy_parser {
	unsigned char		buf[PROXY_HDR_MAX];	/* header bytes only */
	size_t			len;		/* bytes held in buf */
	size_t			need;		/* v2: total header length, once known */
	int			state;		/* private */
	int			status;		/* PROXY_MORE until final */
	const char		*detail;	/* why it failed, static string */
	struct proxy_result	result;
};

void		 proxy_init(struct proxy_parser *);
int		 proxy_feed(struct proxy_parser *, const unsigned char *, size_t,
		    size_t *);
const char	*proxy_strerror(int);

#endif
