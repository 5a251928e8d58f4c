/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for the PROXY protocol parser: every rule of the spec, and every
 * header fed whole, byte by byte and cut at each point, with one verdict.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "proxy.h"

#define V1(s)	(const unsigned char *)(s), sizeof(s) - 1

static const unsigned char sig[12] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a
};

/* Parsers are 4 KB each: keep them off the test stack. */
static struct proxy_parser	ref, alt;
static unsigned char		hbuf[PROXY_HDR_MAX + 64];
static unsigned char		wbuf[PROXY_HDR_MAX + 64];

/* Build a v2 header: signature, ver/cmd, family, announced len, then body. */
static size_t
v2(unsigned char *out, unsigned char vc, unsigned char fam, uint16_t len,
    const unsigned char *body, size_t blen)
{
	memcpy(out, sig, sizeof(sig));
	out[12] = vc;
	out[13] = fam;
	out[14] = len >> 8;
	out[15] = len & 0xff;
	if (blen > 0)
		memcpy(out + 16, body, blen);
	return 16 + blen;
}

/* 192.0.2.1:56324 -> 198.51.100.2:443 as a v2 TCP4 address block. */
static const unsigned char addr4[12] = {
	192, 0, 2, 1, 198, 51, 100, 2, 0xdc, 0x04, 0x01, 0xbb
};

/* 2001:db8::1:56324 -> 2001:db8::2:443 as a v2 TCP6 address block. */
static const unsigned char addr6[36] = {
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
	0xdc, 0x04, 0x01, 0xbb
};

/*
 * Feed h[0..n) in chunks of step bytes (0: all at once) until a verdict;
 * every feed before it must take all it was given.
 */
static int
feed_step(struct proxy_parser *p, const unsigned char *h, size_t n,
    size_t step, size_t *total)
{
	size_t	off = 0, chunk, used;
	int	rc = PROXY_MORE;

	proxy_init(p);
	*total = 0;
	while (rc == PROXY_MORE && off < n) {
		chunk = step == 0 || step > n - off ? n - off : step;
		rc = proxy_feed(p, h + off, chunk, &used);
		assert_true(used <= chunk);
		if (rc == PROXY_MORE)
			assert_int_equal(used, chunk);
		*total += used;
		off += chunk;
	}
	return rc;
}

/* Two feeds, cut after k bytes. */
static int
feed_cut(struct proxy_parser *p, const unsigned char *h, size_t n, size_t k,
    size_t *total)
{
	size_t	used;
	int	rc;

	proxy_init(p);
	rc = proxy_feed(p, h, k, &used);
	*total = used;
	if (rc != PROXY_MORE)
		return rc;
	assert_int_equal(used, k);
	rc = proxy_feed(p, h + k, n - k, &used);
	*total += used;
	return rc;
}

static void
same_verdict(int rc, size_t used, int rrc, size_t rused)
{
	assert_int_equal(rc, rrc);
	assert_int_equal(used, rused);
	if (rc == PROXY_DONE)
		assert_memory_equal(&alt.result, &ref.result,
		    sizeof(ref.result));
	else
		assert_ptr_equal(alt.detail, ref.detail);
}

/*
 * One feed of h, then byte by byte, then every single cut point, then
 * with a client payload behind: the same verdict and byte count each time.
 */
static int
all_splits(const unsigned char *h, size_t n, size_t *rused)
{
	static const char	 payload[] = "GET / HTTP/1.0\r\n\r\n";
	size_t			 used, k;
	int			 rrc, rc;

	rrc = feed_step(&ref, h, n, 0, rused);
	rc = feed_step(&alt, h, n, 1, &used);
	same_verdict(rc, used, rrc, *rused);
	for (k = 1; k < n; k++) {
		rc = feed_cut(&alt, h, n, k, &used);
		same_verdict(rc, used, rrc, *rused);
	}
	/* Bytes past the header are not the parser's. */
	assert_true(n + sizeof(payload) <= sizeof(wbuf));
	memcpy(wbuf, h, n);
	memcpy(wbuf + n, payload, sizeof(payload));
	rc = feed_step(&alt, wbuf, n + sizeof(payload), 0, &used);
	same_verdict(rc, used, rrc, *rused);
	for (k = 1; k < n; k += 7) {
		rc = feed_cut(&alt, wbuf, n + sizeof(payload), k, &used);
		same_verdict(rc, used, rrc, *rused);
	}
	return rrc;
}

static void
check_addr(const struct sockaddr_storage *ss, int af, const char *text,
    uint16_t port)
{
	const struct sockaddr_in	*sin = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6	*sin6 = (const struct sockaddr_in6 *)ss;
	unsigned char			 want[16];

	assert_int_equal(ss->ss_family, af);
	assert_int_equal(inet_pton(af, text, want), 1);
	if (af == AF_INET) {
		assert_memory_equal(&sin->sin_addr, want, 4);
		assert_int_equal(sin->sin_port, htons(port));
	} else {
		assert_memory_equal(&sin6->sin6_addr, want, 16);
		assert_int_equal(sin6->sin6_port, htons(port));
		assert_int_equal(sin6->sin6_flowinfo, 0);
		assert_int_equal(sin6->sin6_scope_id, 0);
	}
}

static void
expect_proxied(const unsigned char *h, size_t n, int version, int af,
    const char *src, uint16_t sport, const char *dst, uint16_t dport)
{
	size_t	used;

	assert_int_equal(all_splits(h, n, &used), PROXY_DONE);
	assert_int_equal(used, n);
	assert_int_equal(ref.result.version, version);
	assert_int_equal(ref.result.local, 0);
	check_addr(&ref.result.src, af, src, sport);
	check_addr(&ref.result.dst, af, dst, dport);
}

static void
expect_local(const unsigned char *h, size_t n, int version)
{
	size_t	used;

	assert_int_equal(all_splits(h, n, &used), PROXY_DONE);
	assert_int_equal(used, n);
	assert_int_equal(ref.result.version, version);
	assert_int_equal(ref.result.local, 1);
	assert_int_equal(ref.result.src.ss_family, AF_UNSPEC);
	assert_int_equal(ref.result.dst.ss_family, AF_UNSPEC);
}

/* Fails with code and reason, on the at-th byte (so no later than that). */
static void
expect_error(const unsigned char *h, size_t n, int code, const char *why,
    size_t at)
{
	size_t	used;

	assert_int_equal(all_splits(h, n, &used), code);
	assert_non_null(ref.detail);
	assert_string_equal(ref.detail, why);
	assert_int_equal(used, at);
}

static void
expect_malformed(const unsigned char *h, size_t n, const char *why,
    size_t at)
{
	expect_error(h, n, PROXY_EMALFORMED, why, at);
}

/* v1 valid forms. */

static void
test_v1_tcp4(void **state)
{
	(void)state;
	expect_proxied(V1("PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n"),
	    1, AF_INET, "192.0.2.1", 56324, "198.51.100.2", 443);
	expect_proxied(V1("PROXY TCP4 0.0.0.0 255.255.255.255 0 65535\r\n"),
	    1, AF_INET, "0.0.0.0", 0, "255.255.255.255", 65535);
}

static void
test_v1_tcp6(void **state)
{
	(void)state;
	expect_proxied(V1("PROXY TCP6 2001:db8::1 2001:db8::2 56324 443\r\n"),
	    1, AF_INET6, "2001:db8::1", 56324, "2001:db8::2", 443);
	/* 45 characters: the longest address text there is. */
	expect_proxied(V1("PROXY TCP6 0000:0000:0000:0000:0000:0000:"
	    "255.255.255.255 ::1 1 2\r\n"), 1, AF_INET6, "::255.255.255.255", 1,
	    "::1", 2);
	expect_proxied(V1("PROXY TCP6 ::ffff:192.0.2.1 ::1 1 10\r\n"),
	    1, AF_INET6, "::ffff:192.0.2.1", 1, "::1", 10);
	/* The longest TCP6 line the spec shows: 104 bytes. */
	expect_proxied(V1("PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n"),
	    1, AF_INET6, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535,
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535);
}

static void
test_v1_unknown(void **state)
{
	(void)state;
	expect_local(V1("PROXY UNKNOWN\r\n"), 1);
	expect_local(V1("PROXY UNKNOWN 192.0.2.1 198.51.100.2 56324 443\r\n"),
	    1);
	/* Anything may follow UNKNOWN, even what TCP4 would refuse. */
	expect_local(V1("PROXY UNKNOWN  x\tyz 99999\r\n"), 1);
	expect_local(V1("PROXY UNKNOWN \r\n"), 1);
}

static void
test_v1_longest(void **state)
{
	unsigned char	line[PROXY_V1_MAX + 1];

	(void)state;
	/* Exactly 107 bytes, CRLF included: the longest line allowed. */
	memcpy(line, "PROXY UNKNOWN ", 14);
	memset(line + 14, 'x', PROXY_V1_MAX - 2 - 14);
	memcpy(line + PROXY_V1_MAX - 2, "\r\n", 2);
	expect_local(line, PROXY_V1_MAX, 1);

	/* One byte more: byte 106 must be the CR and is not. */
	memset(line + 14, 'x', PROXY_V1_MAX - 1 - 14);
	memcpy(line + PROXY_V1_MAX - 1, "\r\n", 2);
	expect_malformed(line, PROXY_V1_MAX + 1,
	    "v1: no CRLF within 107 bytes", PROXY_V1_MAX - 1);
}

/* v1 malformed forms. */

static void
test_v1_no_crlf(void **state)
{
	unsigned char	line[200];
	size_t		used;

	(void)state;
	memcpy(line, "PROXY UNKNOWN ", 14);
	memset(line + 14, 'x', sizeof(line) - 14);
	/* Byte 106 is not CR, so no CRLF can end by byte 107: stop there. */
	expect_malformed(line, sizeof(line), "v1: no CRLF within 107 bytes",
	    PROXY_V1_MAX - 1);

	/* A line cut short is not an error yet: the caller's timeout is. */
	assert_int_equal(feed_step(&ref,
	    V1("PROXY TCP4 192.0.2.1 198.51.100.2 56324 443"), 1, &used),
	    PROXY_MORE);
	assert_int_equal(feed_step(&ref,
	    V1("PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r"), 0, &used),
	    PROXY_MORE);
}

static void
test_v1_lone_cr_lf(void **state)
{
	(void)state;
	expect_malformed(V1("PROXY TCP4 192.0.2.1\r198.51.100.2 1 2\r\n"),
	    "v1: CR not followed by LF", 22);
	expect_malformed(V1("PROXY TCP4 192.0.2.1 198.51.100.2 1 2\r\r\n"),
	    "v1: CR not followed by LF", 39);
	expect_malformed(V1("PROXY TCP4 192.0.2.1 198.51.100.2 1 2\n"),
	    "v1: LF without CR", 38);
	expect_malformed(V1("PROXY UNKNOWN\n"), "v1: LF without CR", 14);
	expect_malformed(V1("PROXY UNKNOWN x\ny\r\n"), "v1: LF without CR",
	    16);
	expect_malformed(V1("PROXY UNKNOWN\rx\r\n"), "v1: CR not followed by LF",
	    15);
}

static void
test_v1_ports(void **state)
{
	(void)state;
	expect_malformed(V1("PROXY TCP4 192.0.2.1 198.51.100.2 01 443\r\n"),
	    "v1: bad source port", 42);
	expect_malformed(V1("PROXY TCP4 192.0.2.1 198.51.100.2 1 00\r\n"),
	    "v1: bad destination port", 40);
	expect_malformed(V1("PROXY TCP4 192.0.2.1 198.51.100.2 1 65536\r\n"),
	    "v1: bad destination port", 43);
	expect_malformed(V1("PROXY TCP4 192.0.2.1 198.51.100.2 99999 1\r\n"),
	    "v1: bad source port", 43);
	expect_malformed(V1("PROXY TCP4 192.0.2.1 198.51.100.2 100000 1\r\n"),
	    "v1: bad source port", 44);
	expect_malformed(V1("PROXY TCP4 192.0.2.1 198.51.100.2 +1 1\r\n"),
	    "v1: bad source port", 40);
	expect_malformed(V1("PROXY TCP4 192.0.2.1 198.51.100.2 -1 1\r\n"),
	    "v1: bad source port", 40);
	expect_malformed(V1("PROXY TCP4 192.0.2.1 198.51.100.2 1 0x1\r\n"),
	    "v1: bad destination port", 41);
	expect_malformed(V1("PROXY TCP4 192.0.2.1 198.51.100.2 1 2a\r\n"),
	    "v1: bad destination port", 40);
}

static void
test_v1_spaces(void **state)
{
	(void)state;
	expect_malformed(V1("PROXY  TCP4 192.0.2.1 198.51.100.2 1 2\r\n"),
	    "v1: unknown protocol family", 7);
	expect_malformed(V1("PROXY TCP4  192.0.2.1 198.51.100.2 1 2\r\n"),
	    "v1: empty field", 40);
	expect_malformed(V1("PROXY TCP4 192.0.2.1  198.51.100.2 1 2\r\n"),
	    "v1: empty field", 40);
	expect_malformed(V1("PROXY TCP4 192.0.2.1 198.51.100.2 1  2\r\n"),
	    "v1: empty field", 40);
	expect_malformed(V1("PROXY TCP4 192.0.2.1 198.51.100.2 1 2 \r\n"),
	    "v1: extra field", 40);
	expect_malformed(V1("PROXY TCP4 192.0.2.1 198.51.100.2 1 2 3\r\n"),
	    "v1: extra field", 41);
	expect_malformed(V1("PROXY TCP4 192.0.2.1 198.51.100.2 1\r\n"),
	    "v1: missing field", 37);
	expect_malformed(V1("PROXY TCP4 \r\n"), "v1: empty field", 13);
	expect_malformed(V1("PROXY TCP4 192.0.2.1\t198.51.100.2 1 2\r\n"),
	    "v1: control byte in line", 39);
}

/* A NUL or another control byte in a TCP4/TCP6 line is refused at its end. */
static void
test_v1_control_bytes(void **state)
{
	(void)state;
	expect_malformed(V1("PROXY TCP4 10.0.0.1\0 10.0.0.2 1234 80\r\n"),
	    "v1: control byte in line", 39);
	expect_malformed(V1("PROXY TCP4 10.0.0.1 10.0.0.2\x01 1234 80\r\n"),
	    "v1: control byte in line", 39);
	expect_malformed(V1("PROXY TCP6 ::1 ::1 1234 80\x7f\r\n"),
	    "v1: control byte in line", 29);
}

static void
test_v1_family(void **state)
{
	(void)state;
	expect_malformed(V1("PROXY TCP5 192.0.2.1 198.51.100.2 1 2\r\n"),
	    "v1: unknown protocol family", 10);
	expect_malformed(V1("PROXY tcp4 192.0.2.1 198.51.100.2 1 2\r\n"),
	    "v1: unknown protocol family", 7);
	/* "U" may still begin "UNKNOWN". */
	expect_malformed(V1("PROXY UDP4 192.0.2.1 198.51.100.2 1 2\r\n"),
	    "v1: unknown protocol family", 8);
	expect_malformed(V1("PROXY TCP4\r\n"), "v1: unknown protocol family",
	    11);
	expect_malformed(V1("PROXY UNKNOWNX\r\n"),
	    "v1: unknown protocol family", 14);
	expect_malformed(V1("PROXY\r\n"), "not a PROXY protocol header", 6);
	expect_malformed(V1("proxy TCP4 192.0.2.1 198.51.100.2 1 2\r\n"),
	    "not a PROXY protocol header", 1);
}

static void
test_v1_addresses(void **state)
{
	(void)state;
	expect_malformed(V1("PROXY TCP4 2001:db8::1 198.51.100.2 1 2\r\n"),
	    "v1: bad source address", 41);
	expect_malformed(V1("PROXY TCP4 192.0.2.1 2001:db8::2 1 2\r\n"),
	    "v1: bad destination address", 38);
	expect_malformed(V1("PROXY TCP6 192.0.2.1 2001:db8::2 1 2\r\n"),
	    "v1: bad source address", 38);
	expect_malformed(V1("PROXY TCP6 2001:db8::1 198.51.100.2 1 2\r\n"),
	    "v1: bad destination address", 41);
	expect_malformed(V1("PROXY TCP4 01.0.2.1 198.51.100.2 1 2\r\n"),
	    "v1: bad source address", 38);
	expect_malformed(V1("PROXY TCP4 192.0.2 198.51.100.2 1 2\r\n"),
	    "v1: bad source address", 37);
	expect_malformed(V1("PROXY TCP4 192.0.2.256 198.51.100.2 1 2\r\n"),
	    "v1: bad source address", 41);
	expect_malformed(V1("PROXY TCP4 localhost 198.51.100.2 1 2\r\n"),
	    "v1: bad source address", 39);
	expect_malformed(V1("PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n"),
	    "v1: bad source address", 33);
	/* 46 characters: longer than any address text. */
	expect_malformed(V1("PROXY TCP6 0000:0000:0000:0000:0000:0000:0000:"
	    "0000:000000 ::1 1 2\r\n"), "v1: bad source address", 67);
}

static void
test_not_proxy(void **state)
{
	(void)state;
	/* A client that sends no header fails on its first byte. */
	expect_malformed(V1("hello\r\n"), "not a PROXY protocol header", 1);
	expect_malformed(V1("GET / HTTP/1.0\r\n\r\n"),
	    "not a PROXY protocol header", 1);
	expect_malformed(V1("PROXX"), "not a PROXY protocol header", 5);
	expect_malformed(V1("\r\n\r\n\r\n"), "not a PROXY protocol header", 5);
	expect_malformed(V1("\0"), "not a PROXY protocol header", 1);
}

/* v2 valid forms. */

static void
test_v2_proxy4(void **state)
{
	size_t	n;

	(void)state;
	n = v2(hbuf, 0x21, 0x11, 12, addr4, sizeof(addr4));
	expect_proxied(hbuf, n, 2, AF_INET, "192.0.2.1", 56324,
	    "198.51.100.2", 443);
}

static void
test_v2_proxy6(void **state)
{
	size_t	n;

	(void)state;
	n = v2(hbuf, 0x21, 0x21, 36, addr6, sizeof(addr6));
	expect_proxied(hbuf, n, 2, AF_INET6, "2001:db8::1", 56324,
	    "2001:db8::2", 443);
}

static void
test_v2_local(void **state)
{
	unsigned char	block[216];
	size_t		n;

	(void)state;
	/* What HAProxy sends for its health checks. */
	n = v2(hbuf, 0x20, 0x00, 0, NULL, 0);
	expect_local(hbuf, n, 2);
	/* LOCAL with addresses: still the real endpoints. */
	n = v2(hbuf, 0x20, 0x11, 12, addr4, sizeof(addr4));
	expect_local(hbuf, n, 2);
	n = v2(hbuf, 0x20, 0x21, 36, addr6, sizeof(addr6));
	expect_local(hbuf, n, 2);
	/* LOCAL over AF_UNIX: the family is not ours to use, but LOCAL. */
	memset(block, 'u', sizeof(block));
	n = v2(hbuf, 0x20, 0x31, sizeof(block), block, sizeof(block));
	expect_local(hbuf, n, 2);
	/* The spec has LOCAL's block discarded unread, even if too short. */
	n = v2(hbuf, 0x20, 0x11, 3, addr4, 3);
	expect_local(hbuf, n, 2);
}

static void
test_v2_tlvs(void **state)
{
	unsigned char	body[12 + 5 + 8 + 3 + 3];
	size_t		n, off = 0;

	(void)state;
	memcpy(body, addr4, 12);
	off = 12;
	memcpy(body + off, "\x01\x00\x02h2", 5);		/* ALPN */
	off += 5;
	memcpy(body + off, "\xee\x00\x05zzzzz", 8);		/* unknown */
	off += 8;
	memcpy(body + off, "\x04\x00\x00", 3);			/* NOOP */
	off += 3;
	memcpy(body + off, "\x20\x00\x00", 3);			/* empty SSL */
	off += 3;
	n = v2(hbuf, 0x21, 0x11, off, body, off);
	expect_proxied(hbuf, n, 2, AF_INET, "192.0.2.1", 56324,
	    "198.51.100.2", 443);
}

static void
test_v2_largest(void **state)
{
	unsigned char	body[PROXY_HDR_MAX - 16];
	size_t		n, tl = sizeof(body) - 36 - 3;

	(void)state;
	/* 4096 bytes in all: one NOOP TLV pads it to the cap. */
	memcpy(body, addr6, 36);
	body[36] = 0x04;
	body[37] = tl >> 8;
	body[38] = tl & 0xff;
	memset(body + 39, 0, tl);
	n = v2(hbuf, 0x21, 0x21, sizeof(body), body, sizeof(body));
	assert_int_equal(n, PROXY_HDR_MAX);
	expect_proxied(hbuf, n, 2, AF_INET6, "2001:db8::1", 56324,
	    "2001:db8::2", 443);
}

/* v2 malformed and refused forms. */

static void
test_v2_signature(void **state)
{
	size_t	i, n;

	(void)state;
	/* A wrong byte anywhere in the signature fails on that byte. */
	for (i = 0; i < sizeof(sig); i++) {
		n = v2(hbuf, 0x21, 0x11, 12, addr4, sizeof(addr4));
		hbuf[i] ^= 0x40;
		expect_malformed(hbuf, n, "not a PROXY protocol header",
		    i + 1);
	}
}

static void
test_v2_version(void **state)
{
	static const unsigned char	bad[] = { 0x01, 0x11, 0x31, 0xf1, 0x00 };
	size_t				i, n;

	(void)state;
	for (i = 0; i < sizeof(bad); i++) {
		n = v2(hbuf, bad[i], 0x11, 12, addr4, sizeof(addr4));
		expect_malformed(hbuf, n, "v2: bad version", 13);
	}
}

static void
test_v2_command(void **state)
{
	static const unsigned char	bad[] = { 0x22, 0x23, 0x2f };
	size_t				i, n;

	(void)state;
	for (i = 0; i < sizeof(bad); i++) {
		n = v2(hbuf, bad[i], 0x11, 12, addr4, sizeof(addr4));
		expect_malformed(hbuf, n, "v2: bad command", 13);
	}
}

static void
test_v2_family(void **state)
{
	static const unsigned char	bad[] = { 0x41, 0xf1, 0x13, 0x1f, 0x03 };
	static const unsigned char	refused[] = {
		0x00, 0x01, 0x12, 0x22, 0x31, 0x32, 0x10, 0x20
	};
	unsigned char			block[216];
	size_t				i, n;

	(void)state;
	/* Unassigned values are invalid whatever the command. */
	for (i = 0; i < sizeof(bad); i++) {
		n = v2(hbuf, 0x21, bad[i], 12, addr4, sizeof(addr4));
		expect_malformed(hbuf, n, "v2: bad family or transport", 14);
		n = v2(hbuf, 0x20, bad[i], 12, addr4, sizeof(addr4));
		expect_malformed(hbuf, n, "v2: bad family or transport", 14);
	}
	/* Valid but not TCP over IP: a PROXY we cannot honour. */
	memset(block, 0, sizeof(block));
	for (i = 0; i < sizeof(refused); i++) {
		n = v2(hbuf, 0x21, refused[i], sizeof(block), block,
		    sizeof(block));
		expect_error(hbuf, n, PROXY_EUNSUPPORTED,
		    "v2: only TCP over IPv4 or IPv6 is proxied", 14);
	}
}

static void
test_v2_length(void **state)
{
	size_t	n;

	(void)state;
	n = v2(hbuf, 0x21, 0x11, PROXY_HDR_MAX - 16 + 1, addr4, sizeof(addr4));
	expect_malformed(hbuf, n, "v2: header longer than 4096 bytes", 16);
	n = v2(hbuf, 0x21, 0x11, 0xffff, addr4, sizeof(addr4));
	expect_malformed(hbuf, n, "v2: header longer than 4096 bytes", 16);
	n = v2(hbuf, 0x20, 0x00, 0xffff, NULL, 0);
	expect_malformed(hbuf, n, "v2: header longer than 4096 bytes", 16);

	/* The address block must fit in the announced length. */
	n = v2(hbuf, 0x21, 0x11, 11, addr4, 11);
	expect_malformed(hbuf, n, "v2: address block truncated", 16);
	n = v2(hbuf, 0x21, 0x11, 0, NULL, 0);
	expect_malformed(hbuf, n, "v2: address block truncated", 16);
	n = v2(hbuf, 0x21, 0x21, 12, addr6, 12);
	expect_malformed(hbuf, n, "v2: address block truncated", 16);
	n = v2(hbuf, 0x21, 0x21, 35, addr6, 35);
	expect_malformed(hbuf, n, "v2: address block truncated", 16);
}

static void
test_v2_tlv_overrun(void **state)
{
	unsigned char	body[12 + 3 + 4];
	size_t		n;

	(void)state;
	memcpy(body, addr4, 12);
	/* Announces 10 value bytes, 4 remain. */
	memcpy(body + 12, "\xee\x00\x0a" "abcd", 7);
	n = v2(hbuf, 0x21, 0x11, sizeof(body), body, sizeof(body));
	expect_malformed(hbuf, n, "v2: TLV overruns the header", n);

	/* One byte too long, right at the end. */
	memcpy(body + 12, "\xee\x00\x05" "abcd", 7);
	n = v2(hbuf, 0x21, 0x11, sizeof(body), body, sizeof(body));
	expect_malformed(hbuf, n, "v2: TLV overruns the header", n);

	/* A length so large it would wrap a careless sum. */
	memcpy(body + 12, "\xee\xff\xff" "abcd", 7);
	n = v2(hbuf, 0x21, 0x11, sizeof(body), body, sizeof(body));
	expect_malformed(hbuf, n, "v2: TLV overruns the header", n);

	/* Room for less than a TLV header after the addresses. */
	memcpy(body + 12, "\x04\x00", 2);
	n = v2(hbuf, 0x21, 0x11, 14, body, 14);
	expect_malformed(hbuf, n, "v2: truncated TLV", n);
	n = v2(hbuf, 0x21, 0x11, 13, body, 13);
	expect_malformed(hbuf, n, "v2: truncated TLV", n);
}

/* The API's own promises. */

static void
test_payload_kept(void **state)
{
	static const unsigned char	in[] =
	    "PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\nhello";
	size_t				used, n;

	(void)state;
	proxy_init(&ref);
	assert_int_equal(proxy_feed(&ref, in, sizeof(in) - 1, &used),
	    PROXY_DONE);
	assert_int_equal(used, sizeof(in) - 1 - 5);
	assert_memory_equal(in + used, "hello", 5);

	/* A v2 header followed by something that looks like a v1 one. */
	n = v2(hbuf, 0x20, 0x00, 0, NULL, 0);
	memcpy(hbuf + n, "PROXY UNKNOWN\r\n", 15);
	proxy_init(&ref);
	assert_int_equal(proxy_feed(&ref, hbuf, n + 15, &used), PROXY_DONE);
	assert_int_equal(used, 16);
}

static void
test_verdict_sticks(void **state)
{
	size_t	used = 99;

	(void)state;
	proxy_init(&ref);
	assert_int_equal(proxy_feed(&ref, NULL, 0, &used), PROXY_MORE);
	assert_int_equal(used, 0);
	assert_int_equal(proxy_feed(&ref, V1("PROXY UNKNOWN\r\n"), &used),
	    PROXY_DONE);
	assert_int_equal(proxy_feed(&ref, V1("PROXY UNKNOWN\r\n"), &used),
	    PROXY_DONE);
	assert_int_equal(used, 0);

	proxy_init(&ref);
	assert_int_equal(proxy_feed(&ref, V1("hi"), &used), PROXY_EMALFORMED);
	assert_int_equal(used, 1);
	assert_int_equal(proxy_feed(&ref, V1("PROXY UNKNOWN\r\n"), &used),
	    PROXY_EMALFORMED);
	assert_int_equal(used, 0);

	/* proxy_init() starts afresh. */
	proxy_init(&ref);
	assert_int_equal(proxy_feed(&ref, V1("PROXY UNKNOWN\r\n"), &used),
	    PROXY_DONE);
	assert_null(ref.detail);
}

static void
test_strerror(void **state)
{
	static const int	codes[] = {
		PROXY_MORE, PROXY_DONE, PROXY_EMALFORMED, PROXY_EUNSUPPORTED, -99
	};
	size_t			i, j;

	(void)state;
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		assert_non_null(proxy_strerror(codes[i]));
		for (j = 0; j < i; j++)
			assert_string_not_equal(proxy_strerror(codes[i]),
			    proxy_strerror(codes[j]));
	}
	assert_string_equal(proxy_strerror(PROXY_EMALFORMED),
	    "malformed PROXY header");
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test(test_v1_tcp4),
		cmocka_unit_test(test_v1_tcp6),
		cmocka_unit_test(test_v1_unknown),
		cmocka_unit_test(test_v1_longest),
		cmocka_unit_test(test_v1_no_crlf),
		cmocka_unit_test(test_v1_lone_cr_lf),
		cmocka_unit_test(test_v1_ports),
		cmocka_unit_test(test_v1_spaces),
		cmocka_unit_test(test_v1_control_bytes),
		cmocka_unit_test(test_v1_family),
		cmocka_unit_test(test_v1_addresses),
		cmocka_unit_test(test_not_proxy),
		cmocka_unit_test(test_v2_proxy4),
		cmocka_unit_test(test_v2_proxy6),
		cmocka_unit_test(test_v2_local),
		cmocka_unit_test(test_v2_tlvs),
		cmocka_unit_test(test_v2_largest),
		cmocka_unit_test(test_v2_signature),
		cmocka_unit_test(test_v2_version),
		cmocka_unit_test(test_v2_command),
		cmocka_unit_test(test_v2_family),
		cmocka_unit_test(test_v2_length),
		cmocka_unit_test(test_v2_tlv_overrun),
		cmocka_unit_test(test_payload_kept),
		cmocka_unit_test(test_verdict_sticks),
		cmocka_unit_test(test_strerror),
	};

	return cmocka_run_group_tests(tests, 0, NULL);
}
