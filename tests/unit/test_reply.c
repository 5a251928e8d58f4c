/* SPDX-License-Identifier: ISC */
/* Unit tests of reply framing: per read, per line, and per full buffer. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "reply.h"

static size_t
feed(struct framer *fr, const char *s)
{
	return framer_feed(fr, (const unsigned char *)s, strlen(s));
}

static void
test_read_mode(void **state)
{
	struct framer	fr;

	(void)state;
	framer_init(&fr, ACK_READ, 1024);
	assert_int_equal(feed(&fr, "x"), 1);
	assert_int_equal(feed(&fr, "a\nb\nc\n"), 1);
	assert_int_equal(framer_feed(&fr, (const unsigned char *)"", 0), 0);
}

static void
test_line_mode(void **state)
{
	struct framer	fr;

	(void)state;
	framer_init(&fr, ACK_LINE, 1024);
	assert_int_equal(feed(&fr, "a\nb\n"), 2);
	assert_int_equal(feed(&fr, "\n\n\n"), 3);
	/* Split across reads: owed when the line ends. */
	assert_int_equal(feed(&fr, "hel"), 0);
	assert_int_equal(feed(&fr, "lo"), 0);
	assert_int_equal(feed(&fr, "\nwor"), 1);
	assert_int_equal(feed(&fr, "ld\n"), 1);
}

static void
test_line_longer_than_buffer(void **state)
{
	struct framer	fr;

	(void)state;
	framer_init(&fr, ACK_LINE, 4);
	/* 9 bytes, no newline: two full buffers, one byte pending. */
	assert_int_equal(feed(&fr, "123456789"), 2);
	assert_int_equal(fr.pending, 1);
	/* The pending byte and three more make a third buffer. */
	assert_int_equal(feed(&fr, "abc"), 1);
	assert_int_equal(fr.pending, 0);
	/* Exactly recv-buffer bytes then a newline: the buffer, then the line. */
	assert_int_equal(feed(&fr, "abcd\n"), 2);
	assert_int_equal(feed(&fr, "ab\ncdefgh\n"), 3);
}

static void
test_every_split_same_count(void **state)
{
	const char	*msg = "one\ntwo\n\nthree is long\nx";
	struct framer	 fr;
	size_t		 len = strlen(msg), cut, total;

	(void)state;
	for (cut = 0; cut <= len; cut++) {
		framer_init(&fr, ACK_LINE, 8);
		total = framer_feed(&fr, (const unsigned char *)msg, cut);
		total += framer_feed(&fr, (const unsigned char *)msg + cut,
		    len - cut);
		/* 4 newlines and one full buffer inside "three is long". */
		assert_int_equal(total, 5);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_mode),
		cmocka_unit_test(test_line_mode),
		cmocka_unit_test(test_line_longer_than_buffer),
		cmocka_unit_test(test_every_split_same_count),
	};

	return cmocka_run_group_tests_name("reply", tests, NULL, NULL);
}
