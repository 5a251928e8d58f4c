/* SPDX-License-Identifier: ISC */
/* Unit tests of the value parsers: durations, sizes, addresses, escapes. */

#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "parse.h"

#define DAY_MS	(24LL * 3600 * 1000)

static int64_t
dur(const char *s)
{
	const char	*err = NULL;
	int64_t		 ms = -1;

	if (parse_duration(s, 0, DAY_MS, &ms, &err) == -1)
		return -1;
	assert_null(err);
	return ms;
}

static void
test_durations(void **state)
{
	(void)state;
	assert_int_equal(dur("500ms"), 500);
	assert_int_equal(dur("10s"), 10000);
	assert_int_equal(dur("10"), 10000);
	assert_int_equal(dur("2m"), 120000);
	assert_int_equal(dur("1h"), 3600000);
	assert_int_equal(dur("0"), 0);
	assert_int_equal(dur("24h"), DAY_MS);
	assert_int_equal(dur("25h"), -1);
	assert_int_equal(dur(""), -1);
	assert_int_equal(dur("s"), -1);
	assert_int_equal(dur("5x"), -1);
	assert_int_equal(dur("5 s"), -1);
	assert_int_equal(dur("-5s"), -1);
	assert_int_equal(dur("+5s"), -1);
	assert_int_equal(dur("1.5s"), -1);
	assert_int_equal(dur("99999999999999999999h"), -1);
	assert_int_equal(dur("9223372036854775807h"), -1);
}

static void
test_duration_range_message(void **state)
{
	const char	*err = NULL;
	int64_t		 ms;

	(void)state;
	assert_int_equal(parse_duration("0", 1, 1000, &ms, &err), -1);
	assert_string_equal(err, "too small");
	assert_int_equal(parse_duration("2s", 1, 1000, &ms, &err), -1);
	assert_string_equal(err, "too large");
}

static void
test_sizes(void **state)
{
	const char	*err;
	int64_t		 v;

	(void)state;
	assert_int_equal(parse_size("1024", 1, 65536, &v, &err), 0);
	assert_int_equal(v, 1024);
	assert_int_equal(parse_size("4k", 1, 65536, &v, &err), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(parse_size("64K", 1, 65536, &v, &err), 0);
	assert_int_equal(v, 65536);
	assert_int_equal(parse_size("65k", 1, 65536, &v, &err), -1);
	assert_string_equal(err, "too large");
	assert_int_equal(parse_size("0", 1, 65536, &v, &err), -1);
	assert_int_equal(parse_size("4m", 1, 65536, &v, &err), -1);
	assert_int_equal(parse_size("k", 1, 65536, &v, &err), -1);
	assert_int_equal(parse_size("0x10", 1, 65536, &v, &err), -1);
}

static void
test_numbers(void **state)
{
	const char	*err;
	int64_t		 v;

	(void)state;
	assert_int_equal(parse_number("5", 1, 10, &v, &err), 0);
	assert_int_equal(v, 5);
	assert_int_equal(parse_number(" 5", 1, 10, &v, &err), -1);
	assert_int_equal(parse_number("+5", 1, 10, &v, &err), -1);
	assert_int_equal(parse_number("11", 1, 10, &v, &err), -1);
	assert_int_equal(parse_number("", 1, 10, &v, &err), -1);
}

static const char *
addr(const char *in, char *out, size_t outsz)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	const char		*err;

	if (parse_address(in, &ss, &len, &err) == -1)
		return NULL;
	assert_int_equal(len, ss.ss_family == AF_INET ?
	    sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6));
	return format_address((struct sockaddr *)&ss, out, outsz);
}

static void
test_addresses(void **state)
{
	char	b[ADDR_STRLEN];

	(void)state;
	assert_string_equal(addr("127.0.0.1:8001", b, sizeof(b)),
	    "127.0.0.1:8001");
	assert_string_equal(addr("[::1]:8001", b, sizeof(b)), "[::1]:8001");
	assert_string_equal(addr("*:8001", b, sizeof(b)), "0.0.0.0:8001");
	assert_string_equal(addr("[::]:1", b, sizeof(b)), "[::]:1");
	assert_string_equal(addr("[2001:db8::1]:65535", b, sizeof(b)),
	    "[2001:db8::1]:65535");
	/* IPv4-mapped shows as the IPv4 address it is. */
	assert_string_equal(addr("[::ffff:10.1.2.3]:80", b, sizeof(b)),
	    "10.1.2.3:80");
	assert_null(addr("127.0.0.1", b, sizeof(b)));
	assert_null(addr("127.0.0.1:0", b, sizeof(b)));
	assert_null(addr("127.0.0.1:65536", b, sizeof(b)));
	assert_null(addr("127.0.0.1:http", b, sizeof(b)));
	assert_null(addr("localhost:80", b, sizeof(b)));
	assert_null(addr("::1:80", b, sizeof(b)));
	assert_null(addr("[::1]80", b, sizeof(b)));
	assert_null(addr("[::1:80", b, sizeof(b)));
	assert_null(addr("[]:80", b, sizeof(b)));
	assert_null(addr("[127.0.0.1]:80", b, sizeof(b)));
	assert_null(addr("1.2.3:80", b, sizeof(b)));
	assert_null(addr(":80", b, sizeof(b)));
}

static int
esc(const char *in, unsigned char *out, size_t *len)
{
	const char	*err;

	return parse_escapes(in, strlen(in), out, 256, len, &err);
}

static void
test_escapes(void **state)
{
	unsigned char	o[256];
	size_t		n;

	(void)state;
	assert_int_equal(esc("OK\\r\\n", o, &n), 0);
	assert_int_equal(n, 4);
	assert_memory_equal(o, "OK\r\n", 4);
	assert_int_equal(esc("\\x4f\\x4B", o, &n), 0);
	assert_int_equal(n, 2);
	assert_memory_equal(o, "OK", 2);
	assert_int_equal(esc("\\\\\\\"\\t\\0\\e", o, &n), 0);
	assert_int_equal(n, 5);
	assert_memory_equal(o, "\\\"\t\0\033", 5);
	assert_int_equal(esc("\\q", o, &n), -1);
	assert_int_equal(esc("abc\\", o, &n), -1);
	assert_int_equal(esc("\\x4", o, &n), -1);
	assert_int_equal(esc("\\xg0", o, &n), -1);
	assert_int_equal(esc("\\x", o, &n), -1);
}

static void
test_escapes_too_long(void **state)
{
	char		in[600];
	unsigned char	o[256];
	const char	*err;
	size_t		n;

	(void)state;
	memset(in, 'a', 257);
	assert_int_equal(parse_escapes(in, 256, o, sizeof(o), &n, &err), 0);
	assert_int_equal(n, 256);
	assert_int_equal(parse_escapes(in, 257, o, sizeof(o), &n, &err), -1);
	assert_string_equal(err, "too long");
}

/* Every byte value survives format_escapes then parse_escapes. */
static void
test_escapes_roundtrip(void **state)
{
	unsigned char	all[256], back[256];
	char		text[256 * 4 + 1];
	const char	*err;
	size_t		i, n, len;

	(void)state;
	for (i = 0; i < 256; i++)
		all[i] = (unsigned char)i;
	len = format_escapes(text, sizeof(text), all, 256);
	assert_int_equal(len, strlen(text));
	assert_int_equal(parse_escapes(text, len, back, sizeof(back), &n, &err),
	    0);
	assert_int_equal(n, 256);
	assert_memory_equal(all, back, 256);
	/* A hex escape followed by a hex digit stays two digits wide. */
	format_escapes(text, sizeof(text), (const unsigned char *)"\x01" "a", 2);
	assert_string_equal(text, "\\x01a");
}

/*
 * Found by fuzz_escapes: a buffer too short for the next escape must still
 * hold a clean prefix, not the bytes it had before, and the full length.
 */
static void
test_escapes_truncated(void **state)
{
	char	b[8];

	(void)state;
	memset(b, 'Z', sizeof(b));
	assert_int_equal(format_escapes(b, 2, (const unsigned char *)"\\", 1),
	    2);
	assert_string_equal(b, "");
	memset(b, 'Z', sizeof(b));
	assert_int_equal(format_escapes(b, 6,
	    (const unsigned char *)"ab\x01" "c", 4), 7);
	assert_string_equal(b, "ab");
	memset(b, 'Z', sizeof(b));
	assert_int_equal(format_escapes(b, 3, (const unsigned char *)"abc", 3),
	    3);
	assert_string_equal(b, "ab");
	assert_int_equal(format_escapes(b, 0, (const unsigned char *)"abc", 3),
	    3);
}

static void
test_format_duration(void **state)
{
	char	b[32];

	(void)state;
	format_duration(b, sizeof(b), 0);
	assert_string_equal(b, "0s");
	format_duration(b, sizeof(b), 1500);
	assert_string_equal(b, "1500ms");
	format_duration(b, sizeof(b), 10000);
	assert_string_equal(b, "10s");
	format_duration(b, sizeof(b), 120000);
	assert_string_equal(b, "2m");
	format_duration(b, sizeof(b), 7200000);
	assert_string_equal(b, "2h");
	format_duration(b, sizeof(b), 90000);
	assert_string_equal(b, "90s");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_duration_range_message),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_escapes_too_long),
		cmocka_unit_test(test_escapes_roundtrip),
		cmocka_unit_test(test_escapes_truncated),
		cmocka_unit_test(test_format_duration),
	};

	return cmocka_run_group_tests_name("parse", tests, NULL, NULL);
}
