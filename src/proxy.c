/* SPDX-License-Identifier: ISC */
/*
 * PROXY protocol header parser (HAProxy doc/proxy-protocol.txt, v1 and v2).
 * Pure: bytes in, verdict out; the caller does the reads and owns the socket.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>

#include "proxy.h"

enum {
	ST_HEAD,	/* still telling v1 from v2 from garbage */
	ST_V1,		/* inside the text line */
	ST_V2,		/* inside the binary header */
	ST_FINAL	/* status holds the verdict */
};

#define V2_CMD_LOCAL	0x0
#define V2_CMD_PROXY	0x1
#define V2_TCP4		0x11
#define V2_TCP6		0x21
#define V2_ADDR4_LEN	12	/* two IPv4 addresses, two ports */
#define V2_ADDR6_LEN	36	/* two IPv6 addresses, two ports */
#define V2_TLV_HDR	3	/* type, 16-bit length */

/* Holds a NUL: compared with memcmp only, never as a string. */
static const unsigned char v2_sig[12] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a
};

/*
 * Every way a header may begin.  A byte that leaves the buffer a prefix
 * of none of them is rejected at once, so a client that sends no header
 * fails on its first wrong byte rather than at the idle timeout.
 */
static const struct head {
	const unsigned char	*s;
	size_t			 n;
	int			 next;
} heads[] = {
	{ v2_sig, sizeof(v2_sig), ST_V2 },
	{ (const unsigned char *)"PROXY TCP4 ", 11, ST_V1 },
	{ (const unsigned char *)"PROXY TCP6 ", 11, ST_V1 },
	{ (const unsigned char *)"PROXY UNKNOWN ", 14, ST_V1 },
	{ (const unsigned char *)"PROXY UNKNOWN\r", 14, ST_V1 },
};
#define NHEADS	(sizeof(heads) / sizeof(heads[0]))

static int
fail(struct proxy_parser *p, int code, const char *why)
{
	p->detail = why;
	return code;
}

/* A port: 1 to 5 decimal digits, no sign, no leading zero, at most 65535. */
static int
parse_port(const unsigned char *s, size_t n, uint16_t *port)
{
	unsigned long	 v = 0;
	size_t		 i;

	if (n == 0 || n > 5 || (n > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

/* Text address of family af into ss, port already in host order. */
static int
parse_addr(int af, const unsigned char *s, size_t n, uint16_t port,
    struct sockaddr_storage *ss)
{
	char			 text[INET6_ADDRSTRLEN];
	struct sockaddr_in	 sin;
	struct sockaddr_in6	 sin6;

	if (n == 0 || n >= sizeof(text))
		return -1;
	memcpy(text, s, n);
	text[n] = '\0';
	memset(ss, 0, sizeof(*ss));
	if (af == AF_INET) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons(port);
		if (inet_pton(AF_INET, text, &sin.sin_addr) != 1)
			return -1;
		memcpy(ss, &sin, sizeof(sin));
	} else {
		memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6;
		sin6.sin6_port = htons(port);
		if (inet_pton(AF_INET6, text, &sin6.sin6_addr) != 1)
			return -1;
		memcpy(ss, &sin6, sizeof(sin6));
	}
	return 0;
}

/*
 * The complete v1 line, CRLF included and known to hold no other CR or
 * LF: "PROXY TCP4|TCP6 src dst sport dport" with single spaces.
 */
static int
v1_line(struct proxy_parser *p)
{
	const unsigned char	*s, *e, *end, *f[4];
	size_t			 n[4];
	uint16_t		 sport, dport;
	int			 af, k;

	p->result.version = 1;
	s = p->buf + 6;			/* past "PROXY " */
	end = p->buf + p->len - 2;	/* at CR */
	if (memcmp(s, "UNKNOWN", 7) == 0) {
		/* The rest of the line is the sender's business. */
		p->result.local = 1;
		return PROXY_DONE;
	}
	/*
	 * Past UNKNOWN the line is printable ASCII: a NUL or control byte
	 * would cut a field short where inet_pton reads it, taking
	 * "10.0.0.1\0junk" for 10.0.0.1.
	 */
	for (e = s; e < end; e++)
		if (*e < 0x20 || *e > 0x7e)
			return fail(p, PROXY_EMALFORMED,
			    "v1: control byte in line");
	af = s[3] == '4' ? AF_INET : AF_INET6;
	s += 5;				/* past "TCP4 " */
	for (k = 0; k < 4; k++) {
		for (e = s; e < end && *e != ' '; e++)
			;
		if (e == s)
			return fail(p, PROXY_EMALFORMED, "v1: empty field");
		f[k] = s;
		n[k] = e - s;
		if (k < 3 && e == end)
			return fail(p, PROXY_EMALFORMED, "v1: missing field");
		s = e + 1;
	}
	if (e != end)
		return fail(p, PROXY_EMALFORMED, "v1: extra field");
	if (parse_port(f[2], n[2], &sport) == -1)
		return fail(p, PROXY_EMALFORMED, "v1: bad source port");
	if (parse_port(f[3], n[3], &dport) == -1)
		return fail(p, PROXY_EMALFORMED, "v1: bad destination port");
	if (parse_addr(af, f[0], n[0], sport, &p->result.src) == -1)
		return fail(p, PROXY_EMALFORMED, "v1: bad source address");
	if (parse_addr(af, f[1], n[1], dport, &p->result.dst) == -1)
		return fail(p, PROXY_EMALFORMED, "v1: bad destination address");
	return PROXY_DONE;
}

/*
 * One more byte of the v1 line.  CR must be followed by LF, LF must
 * follow CR, and CRLF must end within PROXY_V1_MAX bytes: each rule is
 * checked on the byte that breaks it.
 */
static int
v1_byte(struct proxy_parser *p)
{
	unsigned char	c = p->buf[p->len - 1];

	if (p->buf[p->len - 2] == '\r') {
		if (c != '\n')
			return fail(p, PROXY_EMALFORMED,
			    "v1: CR not followed by LF");
		return v1_line(p);
	}
	if (c == '\n')
		return fail(p, PROXY_EMALFORMED, "v1: LF without CR");
	/*
	 * The CR may come last at PROXY_V1_MAX - 2 (0-based), so any other
	 * byte there leaves no room for CRLF.
	 */
	if (c != '\r' && p->len > PROXY_V1_MAX - 2)
		return fail(p, PROXY_EMALFORMED, "v1: no CRLF within 107 bytes");
	return PROXY_MORE;
}

/* One more byte at the start: is the buffer still a possible header? */
static int
head_byte(struct proxy_parser *p)
{
	size_t	i;

	for (i = 0; i < NHEADS; i++) {
		if (p->len > heads[i].n ||
		    memcmp(p->buf, heads[i].s, p->len) != 0)
			continue;
		if (p->len == heads[i].n) {
			p->state = heads[i].next;
			/* "PROXY UNKNOWN\r" ends on a byte v1 must see. */
			if (p->state == ST_V1)
				return v1_byte(p);
		}
		return PROXY_MORE;
	}
	if (p->len > 6 && memcmp(p->buf, "PROXY ", 6) == 0) {
		if (p->buf[p->len - 1] == '\n')
			return fail(p, PROXY_EMALFORMED, "v1: LF without CR");
		return fail(p, PROXY_EMALFORMED, "v1: unknown protocol family");
	}
	return fail(p, PROXY_EMALFORMED, "not a PROXY protocol header");
}

static uint16_t
be16(const unsigned char *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

/* The whole v2 header is in buf: take the addresses, walk the TLVs. */
static int
v2_block(struct proxy_parser *p)
{
	struct sockaddr_in	 sin;
	struct sockaddr_in6	 sin6;
	const unsigned char	*a = p->buf + PROXY_V2_FIXED;
	size_t			 off, tlen;

	p->result.version = 2;
	if ((p->buf[12] & 0x0f) == V2_CMD_LOCAL) {
		/* The spec has the receiver discard the block unread. */
		p->result.local = 1;
		return PROXY_DONE;
	}
	if (p->buf[13] == V2_TCP4) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		memcpy(&sin.sin_addr, a, 4);
		memcpy(&sin.sin_port, a + 8, 2);
		memcpy(&p->result.src, &sin, sizeof(sin));
		memcpy(&sin.sin_addr, a + 4, 4);
		memcpy(&sin.sin_port, a + 10, 2);
		memcpy(&p->result.dst, &sin, sizeof(sin));
		off = PROXY_V2_FIXED + V2_ADDR4_LEN;
	} else {
		memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6;
		memcpy(&sin6.sin6_addr, a, 16);
		memcpy(&sin6.sin6_port, a + 32, 2);
		memcpy(&p->result.src, &sin6, sizeof(sin6));
		memcpy(&sin6.sin6_addr, a + 16, 16);
		memcpy(&sin6.sin6_port, a + 34, 2);
		memcpy(&p->result.dst, &sin6, sizeof(sin6));
		off = PROXY_V2_FIXED + V2_ADDR6_LEN;
	}
	/* TLVs: we use none, but each must fit in what the length announced. */
	while (off < p->need) {
		if (p->need - off < V2_TLV_HDR)
			return fail(p, PROXY_EMALFORMED, "v2: truncated TLV");
		tlen = be16(p->buf + off + 1);
		if (tlen > p->need - off - V2_TLV_HDR)
			return fail(p, PROXY_EMALFORMED,
			    "v2: TLV overruns the header");
		off += V2_TLV_HDR + tlen;
	}
	return PROXY_DONE;
}

/* One more byte of the v2 fixed part: check each field as it lands. */
static int
v2_byte(struct proxy_parser *p)
{
	unsigned char	vc = p->buf[12], fam;
	size_t		blen, alen;

	switch (p->len) {
	case 13:
		if ((vc >> 4) != 2)
			return fail(p, PROXY_EMALFORMED, "v2: bad version");
		if ((vc & 0x0f) > V2_CMD_PROXY)
			return fail(p, PROXY_EMALFORMED, "v2: bad command");
		return PROXY_MORE;
	case 14:
		fam = p->buf[13];
		/* Values the spec leaves unassigned must be rejected. */
		if ((fam >> 4) > 3 || (fam & 0x0f) > 2)
			return fail(p, PROXY_EMALFORMED,
			    "v2: bad family or transport");
		if ((vc & 0x0f) == V2_CMD_PROXY && fam != V2_TCP4 &&
		    fam != V2_TCP6)
			return fail(p, PROXY_EUNSUPPORTED,
			    "v2: only TCP over IPv4 or IPv6 is proxied");
		return PROXY_MORE;
	case PROXY_V2_FIXED:
		blen = be16(p->buf + 14);
		if (blen > PROXY_HDR_MAX - PROXY_V2_FIXED)
			return fail(p, PROXY_EMALFORMED,
			    "v2: header longer than 4096 bytes");
		if ((vc & 0x0f) == V2_CMD_PROXY) {
			alen = p->buf[13] == V2_TCP4 ? V2_ADDR4_LEN :
			    V2_ADDR6_LEN;
			if (blen < alen)
				return fail(p, PROXY_EMALFORMED,
				    "v2: address block truncated");
		}
		p->need = PROXY_V2_FIXED + blen;
		if (blen == 0)
			return v2_block(p);
		return PROXY_MORE;
	}
	return PROXY_MORE;
}

void
proxy_init(struct proxy_parser *p)
{
	memset(p, 0, sizeof(*p));
	p->state = ST_HEAD;
	p->status = PROXY_MORE;
}

/*
 * Take bytes of buf until the header ends or fails; *used says how many
 * were taken, so bytes after the header stay the caller's.  Once the
 * verdict is in, later calls repeat it and take nothing.
 */
int
proxy_feed(struct proxy_parser *p, const unsigned char *buf, size_t len,
    size_t *used)
{
	size_t	i = 0, n;
	int	rc = PROXY_MORE;

	*used = 0;
	if (p->state == ST_FINAL)
		return p->status;
	while (i < len && rc == PROXY_MORE) {
		if (p->state == ST_V2 && p->len >= PROXY_V2_FIXED) {
			/* The block's length is known and bounded: copy it. */
			n = p->need - p->len;
			if (n > len - i)
				n = len - i;
			memcpy(p->buf + p->len, buf + i, n);
			p->len += n;
			i += n;
			if (p->len == p->need)
				rc = v2_block(p);
			continue;
		}
		p->buf[p->len++] = buf[i++];
		if (p->state == ST_HEAD)
			rc = head_byte(p);
		else if (p->state == ST_V1)
			rc = v1_byte(p);
		else
			rc = v2_byte(p);
	}
	*used = i;
	if (rc != PROXY_MORE) {
		p->state = ST_FINAL;
		p->status = rc;
	}
	return rc;
}

const char *
proxy_strerror(int code)
{
	switch (code) {
	case PROXY_DONE:
		return "PROXY header complete";
	case PROXY_MORE:
		return "PROXY header incomplete";
	case PROXY_EMALFORMED:
		return "malformed PROXY header";
	case PROXY_EUNSUPPORTED:
		return "unsupported PROXY address family";
	}
	return "unknown PROXY parser error";
}
