/* SPDX-License-Identifier: ISC */
/* How a peer is named in log lines and titles, as log-peer says. */
#ifndef PEER_H
#define PEER_H

#include <stddef.h>
#include <sys/socket.h>

#include "config.h"

/* Room for an address with port, or a prefix with its length. */
#define PEER_STRLEN	(ADDR_STRLEN + 8)

char	*peer_label(const struct sockaddr *, const struct config *, char *,
	    size_t);

#endif
