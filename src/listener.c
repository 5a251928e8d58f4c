/* SPDX-License-Identifier: ISC */
/*
 * Listening sockets: adopted from the service manager when it passes them,
 * otherwise bound from the listen lines, and kept in step on reload so an
 * unchanged address never loses its socket.  Like every system-facing
 * module it does not log: a failure returns -1 with errno set and a
 * listener_fault worded for the caller's line.
 */

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bsd/string.h>
#include <systemd/sd-daemon.h>

#include "listener.h"

/* Words the failure of call on the listen line text; errno is kept. */
static int
fault(struct listener_fault *f, const char *text, const char *call)
{
	int	saved = errno;

	if (call != NULL)
		(void)snprintf(f->msg, sizeof(f->msg), "listen %s: %s: %s", text,
		    call, strerror(saved));
	else
		(void)snprintf(f->msg, sizeof(f->msg), "listen %s: %s", text,
		    strerror(saved));
	errno = saved;
	return -1;
}

/* Closes fd without letting close(2) change the errno being reported. */
static void
close_keep_errno(int fd)
{
	int	saved = errno;

	(void)close(fd);
	errno = saved;
}

/* A bound, listening, non-blocking socket for one listen line. */
static int
listener_bind(struct listener *l, const struct listen_conf *lc,
    const struct config *cf, struct listener_fault *f)
{
	int	fd, on = 1;

	memset(l, 0, sizeof(*l));
	l->fd = -1;
	fd = socket(lc->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1)
		return fault(f, lc->text, "socket");
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1)
		goto fail;
	/* Several okd on one port; the kernel spreads connections. */
	if (cf->reuse_port &&
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) == -1)
		goto fail;
	/* Without V6ONLY, [::] would also take IPv4 and collide with *. */
	if (lc->ss.ss_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) == -1)
		goto fail;
	if (bind(fd, (const struct sockaddr *)&lc->ss, lc->sslen) == -1) {
		(void)fault(f, lc->text, "bind");
		close_keep_errno(fd);
		return -1;
	}
	if (listen(fd, cf->backlog) == -1)
		goto fail;
	l->fd = fd;
	l->ss = lc->ss;
	l->sslen = lc->sslen;
	l->proxy = lc->proxy;
	l->fresh = 1;
	format_address((struct sockaddr *)&l->ss, l->addr, sizeof(l->addr));
	return 0;
fail:
	(void)fault(f, lc->text, NULL);
	close_keep_errno(fd);
	return -1;
}

/*
 * Takes the sockets systemd passed (Accept=no).  Returns how many, 0 when
 * none were passed, -1 (errno set, *f worded) when LISTEN_FDS is wrong,
 * too many were passed or one is not a listening TCP socket.
 */
int
listeners_adopt(struct listeners *ls, struct listener_fault *f)
{
	char		**names = NULL;
	struct listener	 *l;
	int		  n, i, fd, r = 0, saved;

	memset(ls, 0, sizeof(*ls));
	n = sd_listen_fds_with_names(1, &names);
	if (n <= 0) {
		if (n < 0) {
			(void)snprintf(f->msg, sizeof(f->msg), "LISTEN_FDS: %s",
			    strerror(-n));
			errno = -n;
		}
		return n < 0 ? -1 : 0;
	}
	if (n > CONFIG_MAX_LISTEN) {
		(void)snprintf(f->msg, sizeof(f->msg), "%d sockets passed, at "
		    "most %d are served", n, CONFIG_MAX_LISTEN);
		errno = EMFILE;
		r = -1;
	}
	for (i = 0; i < n && r == 0; i++) {
		fd = SD_LISTEN_FDS_START + i;
		if (sd_is_socket_inet(fd, 0, SOCK_STREAM, 1, 0) <= 0) {
			(void)snprintf(f->msg, sizeof(f->msg), "fd %d passed by "
			    "the service manager is not a listening TCP socket",
			    fd);
			errno = ENOTSOCK;
			r = -1;
			break;
		}
		l = &ls->l[ls->n++];
		l->fd = fd;
		l->passed = 1;
		l->sslen = sizeof(l->ss);
		getsockname(fd, (struct sockaddr *)&l->ss, &l->sslen);
		format_address((struct sockaddr *)&l->ss, l->addr,
		    sizeof(l->addr));
		strlcpy(l->name, names != NULL && names[i] != NULL ? names[i] :
		    "unknown", sizeof(l->name));
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		fcntl(fd, F_SETFD, FD_CLOEXEC);
		l->fresh = 1;
	}
	saved = errno;
	for (i = 0; names != NULL && i < n; i++)
		free(names[i]);
	free(names);
	errno = saved;
	ls->passed = 1;
	return r == 0 ? (int)ls->n : -1;
}

/* Binds every listen line; all or none: -1 (errno, *f) closes what was bound. */
int
listeners_open(struct listeners *ls, const struct config *cf,
    struct listener_fault *f)
{
	size_t	i;
	int	saved;

	memset(ls, 0, sizeof(*ls));
	for (i = 0; i < cf->nlisten; i++) {
		if (listener_bind(&ls->l[i], &cf->listen[i], cf, f) == -1) {
			saved = errno;
			listeners_close(ls);
			errno = saved;
			return -1;
		}
		ls->n++;
	}
	return 0;
}

static int
same_address(const struct sockaddr_storage *a, socklen_t alen,
    const struct sockaddr_storage *b, socklen_t blen)
{
	return alen == blen && memcmp(a, b, alen) == 0;
}

static struct listener *
find_listener(struct listeners *ls, const struct sockaddr_storage *ss,
    socklen_t sslen)
{
	size_t	i;

	for (i = 0; i < ls->n; i++)
		if (same_address(&ls->l[i].ss, ls->l[i].sslen, ss, sslen))
			return &ls->l[i];
	return NULL;
}

/*
 * A passed socket expects PROXY headers when a listen line with its
 * address says proxy-protocol: systemd's units cannot say it.
 */
void
listeners_mark_proxy(struct listeners *ls, const struct config *cf)
{
	struct listener	*l;
	size_t		 i, j;

	for (i = 0; i < ls->n; i++) {
		l = &ls->l[i];
		l->proxy = 0;
		for (j = 0; j < cf->nlisten; j++)
			if (cf->listen[j].proxy && same_address(&l->ss,
			    l->sslen, &cf->listen[j].ss, cf->listen[j].sslen))
				l->proxy = 1;
	}
}

/*
 * Matches the listeners to a new config: an unchanged address keeps its
 * socket (so no connect is refused during a reload), new ones are bound,
 * dropped ones closed (their addresses left in ls->closed).  All or
 * nothing: on a bind failure (-1, errno, *f) the old set stays as it was.
 * Passed sockets are the service manager's and stay.
 */
int
listeners_update(struct listeners *ls, const struct config *cf,
    struct listener_fault *f)
{
	struct listeners	 next;
	struct listener		*old;
	int			 kept[CONFIG_MAX_LISTEN] = { 0 };
	size_t			 i;

	if (ls->passed) {
		for (i = 0; i < ls->n; i++)
			ls->l[i].fresh = 0;
		ls->nclosed = 0;
		listeners_mark_proxy(ls, cf);
		return 0;
	}
	memset(&next, 0, sizeof(next));
	for (i = 0; i < cf->nlisten; i++) {
		old = find_listener(ls, &cf->listen[i].ss, cf->listen[i].sslen);
		if (old != NULL) {
			next.l[i] = *old;
			next.l[i].proxy = cf->listen[i].proxy;
			next.l[i].fresh = 0;
			kept[i] = 1;
			/* listen() again only changes the backlog. */
			listen(old->fd, cf->backlog);
		} else if (listener_bind(&next.l[i], &cf->listen[i], cf,
		    f) == -1) {
			while (i-- > 0)
				if (!kept[i])
					close_keep_errno(next.l[i].fd);
			return -1;
		}
		next.n++;
	}
	for (i = 0; i < ls->n; i++) {
		if (find_listener(&next, &ls->l[i].ss, ls->l[i].sslen) == NULL) {
			strlcpy(next.closed[next.nclosed++], ls->l[i].addr,
			    sizeof(next.closed[0]));
			close(ls->l[i].fd);
		}
	}
	*ls = next;
	return 0;
}

void
listeners_close(struct listeners *ls)
{
	size_t	i;

	for (i = 0; i < ls->n; i++)
		if (ls->l[i].fd != -1)
			close(ls->l[i].fd);
	ls->n = 0;
}

/* Whether a listener's port is below 1024, which only privilege may bind. */
int
listeners_low_port(const struct listeners *ls)
{
	const struct sockaddr_in	*sin;
	const struct sockaddr_in6	*sin6;
	size_t				 i;

	for (i = 0; i < ls->n; i++) {
		sin = (const struct sockaddr_in *)&ls->l[i].ss;
		sin6 = (const struct sockaddr_in6 *)&ls->l[i].ss;
		if (ls->l[i].ss.ss_family == AF_INET &&
		    ntohs(sin->sin_port) < 1024)
			return 1;
		if (ls->l[i].ss.ss_family == AF_INET6 &&
		    ntohs(sin6->sin6_port) < 1024)
			return 1;
	}
	return 0;
}
