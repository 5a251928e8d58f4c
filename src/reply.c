/* SPDX-License-Identifier: ISC */
/*
 * Reply framing, with no I/O: how many replies a run of received bytes
 * earns, one per read or one per line.
 */

#include <string.h>

#include "reply.h"

void
framer_init(struct framer *fr, enum ack_mode mode, size_t limit)
{
	fr->mode = mode;
	fr->limit = limit;
	fr->pending = 0;
}

/*
 * Replies owed for n bytes just received.  In line mode each '\n' earns one,
 * and so does every `limit` bytes without one, so an endless line cannot
 * starve the client of replies.
 */
size_t
framer_feed(struct framer *fr, const unsigned char *buf, size_t n)
{
	const unsigned char	*p = buf, *end = buf + n, *nl;
	size_t			 replies = 0, run;

	if (n == 0)
		return 0;
	if (fr->mode == ACK_READ)
		return 1;
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		run = (size_t)((nl != NULL ? nl : end) - p);
		/* Full buffers of line without an end each earn one. */
		fr->pending += run;
		replies += fr->pending / fr->limit;
		fr->pending %= fr->limit;
		if (nl == NULL)
			break;
		replies++;
		fr->pending = 0;
		p = nl + 1;
	}
	return replies;
}
