/* SPDX-License-Identifier: ISC */
/* Connections whose PROXY header is still being read, without blocking, under a deadline. */
#ifndef PENDING_H
#define PENDING_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>

#include "proxy.h"

struct pending {
	int			fd;
	struct sockaddr_storage	proxy;		/* who sent the header */
	struct timespec		deadline;	/* proxy-timeout */
	struct proxy_parser	parser;
};

struct pendings {
	struct pending	*p;		/* allocated on first use */
	size_t		 n;
	size_t		 cap;
};

int	pendings_add(struct pendings *, size_t, int, const struct sockaddr *,
	    socklen_t, const struct timespec *);
void	pendings_remove(struct pendings *, size_t);
int	pending_read(struct pending *);
void	pendings_free(struct pendings *);
size_t	pendings_pollset(const struct pendings *, struct pollfd *);
int64_t	pendings_next_ms(const struct pendings *, const struct timespec *);
int	pendings_ready(struct pendings *, size_t, int *,
	    struct sockaddr_storage *, struct sockaddr_storage *,
	    const char **);
int	pendings_take_expired(struct pendings *, const struct timespec *,
	    int *, struct sockaddr_storage *);

#endif
