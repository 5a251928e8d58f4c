/* SPDX-License-Identifier: ISC */
/*
 * Pure parsers and printers for configuration values: numbers, durations,
 * sizes, listen addresses and double-quoted strings with C escapes; and
 * the bounded line reader the configuration and rule files are read with.
 */

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <bsd/stdlib.h>
#include <bsd/string.h>

#include "parse.h"

/* Digits only: strtonum alone would take "+5", " 5" and "-0". */
static int
all_digits(const char *s, size_t n)
{
	size_t	i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

int
parse_number(const char *s, int64_t min, int64_t max, int64_t *out,
    const char **errstr)
{
	long long	v;

	if (!all_digits(s, strlen(s))) {
		*errstr = "not a number";
		return -1;
	}
	v = strtonum(s, min, max, errstr);
	if (*errstr != NULL)
		return -1;
	*out = v;
	return 0;
}

/* Digits and a unit suffix scaled by mult, in [min, max]. */
static int
parse_scaled(const char *s, size_t ndigits, int64_t mult, int64_t min,
    int64_t max, int64_t *out, const char **errstr)
{
	char		num[32];
	long long	v;

	if (!all_digits(s, ndigits) || ndigits >= sizeof(num)) {
		*errstr = "invalid";
		return -1;
	}
	memcpy(num, s, ndigits);
	num[ndigits] = '\0';
	v = strtonum(num, 0, INT64_MAX / mult, errstr);
	if (*errstr != NULL)
		return -1;
	v *= mult;
	if (v < min) {
		*errstr = "too small";
		return -1;
	}
	if (v > max) {
		*errstr = "too large";
		return -1;
	}
	*out = v;
	return 0;
}

/* "500ms", "10s", "2m", "1h"; a bare number is seconds.  Result in ms. */
int
parse_duration(const char *s, int64_t min_ms, int64_t max_ms, int64_t *ms,
    const char **errstr)
{
	size_t	n = strspn(s, "0123456789");
	int64_t	mult;

	if (strcmp(s + n, "ms") == 0)
		mult = 1;
	else if (strcmp(s + n, "s") == 0 || s[n] == '\0')
		mult = 1000;
	else if (strcmp(s + n, "m") == 0)
		mult = 60 * 1000;
	else if (strcmp(s + n, "h") == 0)
		mult = 3600 * 1000;
	else {
		*errstr = "invalid unit (ms, s, m, h)";
		return -1;
	}
	return parse_scaled(s, n, mult, min_ms, max_ms, ms, errstr);
}

/* "1024" or "4k" (kibibytes). */
int
parse_size(const char *s, int64_t min, int64_t max, int64_t *out,
    const char **errstr)
{
	size_t	n = strspn(s, "0123456789");
	int64_t	mult;

	if (s[n] == '\0')
		mult = 1;
	else if (strcmp(s + n, "k") == 0 || strcmp(s + n, "K") == 0)
		mult = 1024;
	else if (strcmp(s + n, "m") == 0 || strcmp(s + n, "M") == 0)
		mult = 1024 * 1024;
	else if (strcmp(s + n, "g") == 0 || strcmp(s + n, "G") == 0)
		mult = 1024 * 1024 * 1024;
	else {
		*errstr = "invalid unit (k, m, g)";
		return -1;
	}
	return parse_scaled(s, n, mult, min, max, out, errstr);
}

/*
 * "127.0.0.1:8001", "[::1]:8001", "*:8001" (any IPv4) or "[::]:8001".
 * Numeric only: okd never resolves a name.
 */
int
parse_address(const char *s, struct sockaddr_storage *ss, socklen_t *len,
    const char **errstr)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;
	char			 host[INET6_ADDRSTRLEN];
	const char		*colon, *port;
	size_t			 hlen;
	int64_t			 p;

	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (close == NULL || close[1] != ':') {
			*errstr = "expected [address]:port";
			return -1;
		}
		hlen = (size_t)(close - s - 1);
		if (hlen == 0 || hlen >= sizeof(host)) {
			*errstr = "invalid IPv6 address";
			return -1;
		}
		memcpy(host, s + 1, hlen);
		host[hlen] = '\0';
		port = close + 2;
		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1) {
			*errstr = "invalid IPv6 address";
			return -1;
		}
		sin6->sin6_family = AF_INET6;
		*len = sizeof(*sin6);
	} else {
		if ((colon = strrchr(s, ':')) == NULL) {
			*errstr = "missing port";
			return -1;
		}
		hlen = (size_t)(colon - s);
		if (hlen == 0 || hlen >= sizeof(host) ||
		    memchr(s, ':', hlen) != NULL) {
			*errstr = "invalid address (IPv6 goes in brackets)";
			return -1;
		}
		memcpy(host, s, hlen);
		host[hlen] = '\0';
		port = colon + 1;
		if (strcmp(host, "*") == 0)
			sin->sin_addr.s_addr = htonl(INADDR_ANY);
		else if (inet_pton(AF_INET, host, &sin->sin_addr) != 1) {
			*errstr = "invalid IPv4 address";
			return -1;
		}
		sin->sin_family = AF_INET;
		*len = sizeof(*sin);
	}
	if (parse_number(port, 1, 65535, &p, errstr) == -1) {
		*errstr = "invalid port (1-65535)";
		return -1;
	}
	if (ss->ss_family == AF_INET)
		sin->sin_port = htons((uint16_t)p);
	else
		sin6->sin6_port = htons((uint16_t)p);
	return 0;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The byte a one-letter escape stands for, or -1. */
static int
escape_char(int c)
{
	switch (c) {
	case '\\': return '\\';
	case '"': return '"';
	case '\'': return '\'';
	case '0': return '\0';
	case 'a': return '\a';
	case 'b': return '\b';
	case 'e': return 033;
	case 'f': return '\f';
	case 'n': return '\n';
	case 'r': return '\r';
	case 't': return '\t';
	case 'v': return '\v';
	default: return -1;
	}
}

/*
 * The inside of a double-quoted string, C escapes resolved into out.
 * \xHH takes exactly two hex digits.
 */
int
parse_escapes(const char *s, size_t slen, unsigned char *out, size_t outsz,
    size_t *outlen, const char **errstr)
{
	size_t	i, n = 0;
	int	c, hi, lo;

	for (i = 0; i < slen; i++) {
		c = (unsigned char)s[i];
		if (c == '\\') {
			if (++i == slen) {
				*errstr = "dangling backslash";
				return -1;
			}
			if (s[i] == 'x') {
				if (i + 2 >= slen) {
					*errstr = "\\x needs two hex digits";
					return -1;
				}
				hi = hexval((unsigned char)s[i + 1]);
				lo = hexval((unsigned char)s[i + 2]);
				if (hi == -1 || lo == -1) {
					*errstr = "\\x needs two hex digits";
					return -1;
				}
				c = hi << 4 | lo;
				i += 2;
			} else if ((c = escape_char((unsigned char)s[i])) == -1) {
				*errstr = "unknown escape";
				return -1;
			}
		}
		if (n == outsz) {
			*errstr = "too long";
			return -1;
		}
		out[n++] = (unsigned char)c;
	}
	*outlen = n;
	return 0;
}

/*
 * The reverse of parse_escapes, without the quotes; returns the full length.
 * A short dst gets the escapes that fit whole, NUL-terminated.
 */
size_t
format_escapes(char *dst, size_t dstsz, const unsigned char *src, size_t len)
{
	size_t	i, n = 0, kept = 0;
	char	tmp[5];

	for (i = 0; i < len; i++) {
		switch (src[i]) {
		case '\\': strlcpy(tmp, "\\\\", sizeof(tmp)); break;
		case '"': strlcpy(tmp, "\\\"", sizeof(tmp)); break;
		case '\n': strlcpy(tmp, "\\n", sizeof(tmp)); break;
		case '\r': strlcpy(tmp, "\\r", sizeof(tmp)); break;
		case '\t': strlcpy(tmp, "\\t", sizeof(tmp)); break;
		default:
			if (src[i] >= 0x20 && src[i] < 0x7f) {
				tmp[0] = (char)src[i];
				tmp[1] = '\0';
			} else
				snprintf(tmp, sizeof(tmp), "\\x%02x", src[i]);
			break;
		}
		if (n == kept && n + strlen(tmp) < dstsz) {
			memcpy(dst + n, tmp, strlen(tmp));
			kept += strlen(tmp);
		}
		n += strlen(tmp);
	}
	if (dstsz > 0)
		dst[kept] = '\0';
	return n;
}

/* The largest unit that states ms exactly. */
void
format_duration(char *dst, size_t dstsz, int64_t ms)
{
	if (ms != 0 && ms % (3600 * 1000) == 0)
		snprintf(dst, dstsz, "%lldh", (long long)(ms / (3600 * 1000)));
	else if (ms != 0 && ms % (60 * 1000) == 0)
		snprintf(dst, dstsz, "%lldm", (long long)(ms / (60 * 1000)));
	else if (ms % 1000 == 0)
		snprintf(dst, dstsz, "%llds", (long long)(ms / 1000));
	else
		snprintf(dst, dstsz, "%lldms", (long long)ms);
}

/*
 * "a.b.c.d:port" or "[v6]:port", numeric; an IPv4-mapped IPv6 address is
 * shown as the IPv4 address it is.
 */
char *
format_address(const struct sockaddr *sa, char *buf, size_t len)
{
	const struct sockaddr_in	*sin = (const struct sockaddr_in *)sa;
	const struct sockaddr_in6	*sin6 = (const struct sockaddr_in6 *)sa;
	char				 host[INET6_ADDRSTRLEN];

	switch (sa->sa_family) {
	case AF_INET:
		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		snprintf(buf, len, "%s:%u", host, ntohs(sin->sin_port));
		break;
	case AF_INET6:
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			inet_ntop(AF_INET, &sin6->sin6_addr.s6_addr[12], host,
			    sizeof(host));
			snprintf(buf, len, "%s:%u", host,
			    ntohs(sin6->sin6_port));
			break;
		}
		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
		snprintf(buf, len, "[%s]:%u", host, ntohs(sin6->sin6_port));
		break;
	case AF_UNIX:
		strlcpy(buf, "unix", len);
		break;
	default:
		strlcpy(buf, "unknown", len);
		break;
	}
	return buf;
}

/*
 * Reads one line of fp into buf (NUL-terminated, the newline kept) and
 * returns its length, or -1 at the end of the file or on a read error
 * (ferror(fp) tells which).  A line longer than the buffer sets *toolong
 * and is skipped, up to skip_max more bytes; a line longer still stops
 * the reading there (*toolong is 2): a file such as /dev/zero, one
 * endless line, must fail at once, not fill memory.  *nul is set when
 * the line holds a NUL byte.
 */
ssize_t
parse_read_line(FILE *fp, char *buf, size_t size, size_t skip_max,
    int *toolong, int *nul)
{
	size_t	len = 0, skipped = 0;
	int	c;

	*toolong = *nul = 0;
	while ((c = getc(fp)) != EOF) {
		if (c == '\0')
			*nul = 1;
		if (len + 1 < size)
			buf[len++] = (char)c;
		else if (++skipped > skip_max) {
			*toolong = 2;
			break;
		} else
			*toolong = 1;
		if (c == '\n')
			break;
	}
	buf[len] = '\0';
	if (c == EOF && (len == 0 || ferror(fp)))
		return -1;
	return (ssize_t)len;
}
