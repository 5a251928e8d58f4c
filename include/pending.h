/* Connections whose PROXY header is still being read, without blocking, under a deadline. */
#ifndef PENDING_H
#define PENDING_H

#include <stddef.h>
#include <sys/socket.h>
#include <time.h>

#include "proxy.h"

struct pending {
	int			fd;
	struct sockaddr_storage	proxy;		/* who sent the header */
	struct timespec		deadline;	/* proxy-timeout */
	size_t			fed;		/* bytes the parser has seen */
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

#endif
