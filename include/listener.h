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
	int			fresh;		/* opened by the last call: for the caller's log line */
};

struct listeners {
	struct listener	l[CONFIG_MAX_LISTEN];
	size_t		n;
	int		passed;		/* all came from sd_listen_fds() */
	/* Addresses the last listeners_update closed, for the caller's log line. */
	char		closed[CONFIG_MAX_LISTEN][ADDR_STRLEN];
	size_t		nclosed;
};

/*
 * What a failing call could not do, worded as okd logs it, errno's text
 * included: this module never logs, its caller decides how loud to be.
 */
struct listener_fault {
	char	msg[ADDR_STRLEN + 128];
};

int	listeners_adopt(struct listeners *, struct listener_fault *);
int	listeners_open(struct listeners *, const struct config *,
	    struct listener_fault *);
int	listeners_update(struct listeners *, const struct config *,
	    struct listener_fault *);
void	listeners_mark_proxy(struct listeners *, const struct config *);
void	listeners_close(struct listeners *);
int	listeners_low_port(const struct listeners *);

#endif
