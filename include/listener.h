/* SPDX-License-Identifier: ISC */
/* Listening sockets: bound from the config, or adopted from systemd, and kept in step on reload. */
#ifndef LISTENER_H
#define LISTENER_H

#include <sys/socket.h>

#include "config.h"
#include "parse.h"

struct listener {
	int			fd;
	struct sockaddr_storage	ss;
	socklen_t		sslen;
	int			passed;		/* from systemd: never closed on reload */
	int			proxy;		/* a PROXY header comes first */
	char			addr[ADDR_STRLEN];
	char			name[64];	/* LISTEN_FDNAMES entry */
};

struct listeners {
	struct listener	l[CONFIG_MAX_LISTEN];
	size_t		n;
	int		passed;		/* all came from sd_listen_fds() */
};

int	listeners_adopt(struct listeners *);
int	listeners_open(struct listeners *, const struct config *);
int	listeners_update(struct listeners *, const struct config *);
void	listeners_mark_proxy(struct listeners *, const struct config *);
void	listeners_close(struct listeners *);
int	listeners_low_port(const struct listeners *);

#endif
