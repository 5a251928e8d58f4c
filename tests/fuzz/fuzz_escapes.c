/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer harness for the reply-string escapes: format_escapes output must
 * parse back to the same bytes, parse_escapes must stay in its buffer, and a
 * short buffer must get a terminated prefix of the full text.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* The reply limit is 256 bytes; room for more so "too long" is reached. */
#define OUT_MAX		512
#define TEXT_MAX	(OUT_MAX * 4 + 1)

static void
check(int cond)
{
	if (!cond)
		abort();
}

/* bytes -> text -> bytes gives back the input, and text is printable ASCII. */
static void
check_format(const unsigned char *b, size_t n)
{
	static char		 text[TEXT_MAX];
	static unsigned char	 back[OUT_MAX];
	char			*part;
	const char		*err = NULL;
	size_t			 tlen, blen, i, cut;

	tlen = format_escapes(text, sizeof(text), b, n);
	check(tlen < sizeof(text) && strlen(text) == tlen);
	/* Printable, and no quote that would end the string in a config file. */
	for (i = 0; i < tlen; i++) {
		check(text[i] >= 0x20 && text[i] < 0x7f);
		check(text[i] != '"');
		if (text[i] == '\\') {
			check(++i < tlen);
			check(text[i] >= 0x20 && text[i] < 0x7f);
		}
	}
	check(parse_escapes(text, tlen, back, sizeof(back), &blen, &err) == 0);
	check(blen == n && memcmp(back, b, n) == 0);

	/*
	 * A shorter buffer, sized exactly for ASan: same length returned, a
	 * prefix kept, NUL ended.
	 */
	cut = n > 0 ? b[0] % (tlen + 1) : 0;
	part = malloc(cut > 0 ? cut : 1);
	check(part != NULL);
	check(format_escapes(part, cut, b, n) == tlen);
	if (cut > 0) {
		check(strlen(part) < cut);
		check(strncmp(part, text, strlen(part)) == 0);
	}
	free(part);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char	*out;
	const char	*err = NULL;
	size_t		 n = 0, room;

	if (size > OUT_MAX)
		return 0;
	check_format(data, size);

	/*
	 * The input as the inside of a quoted string; an odd first byte picks
	 * a short buffer.  Sized exactly, so ASan sees a write past it.
	 */
	room = size > 0 && data[0] % 2 == 1 ? data[0] / 2 : OUT_MAX;
	out = malloc(room > 0 ? room : 1);
	check(out != NULL);
	if (parse_escapes((const char *)data, size, out, room, &n, &err) == -1)
		check(err != NULL && strlen(err) > 0);
	else {
		check(n <= room && n <= size);
		check_format(out, n);
	}
	free(out);
	return 0;
}
