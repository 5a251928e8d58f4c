/* SPDX-License-Identifier: ISC */
/* Reply framing with no I/O: how many replies a run of received bytes earns. */
#ifndef REPLY_H
#define REPLY_H

#include <stddef.h>

enum ack_mode {
	ACK_READ,	/* one reply per read that returns data */
	ACK_LINE	/* one reply per '\n', or per full buffer without one */
};

struct framer {
	enum ack_mode	mode;
	size_t		limit;		/* recv-buffer */
	size_t		pending;	/* bytes of the unterminated line */
};

void	framer_init(struct framer *, enum ack_mode, size_t);
size_t	framer_feed(struct framer *, const unsigned char *, size_t);

#endif
