/* SPDX-License-Identifier: ISC */
/*
 * PROXY headers read by the supervisor, non-blocking, so that every limit
 * applies to the real client before a fork.  Bytes are peeked and only the
 * header is consumed: the client's own bytes stay in the socket for the
 * child, and the supervisor never takes one.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "pending.h"

/*
 * Adds a connection; the table grows up to cap (max-children), and is
 * only allocated once a proxy listener is used.
 */
int
pendings_add(struct pendings *ps, size_t cap, int fd,
    const struct sockaddr *proxy, socklen_t len, const struct timespec *dl)
{
	struct pending	*p, *np;
	size_t		 ncap;

	if (ps->n == cap) {
		errno = ENOSPC;
		return -1;
	}
	if (ps->n == ps->cap) {
		ncap = ps->cap == 0 ? 16 : ps->cap * 2;
		if (ncap > cap)
			ncap = cap;
		if ((np = reallocarray(ps->p, ncap, sizeof(*np))) == NULL)
			return -1;
		ps->p = np;
		ps->cap = ncap;
	}
	p = &ps->p[ps->n++];
	p->fd = fd;
	memset(&p->proxy, 0, sizeof(p->proxy));
	memcpy(&p->proxy, proxy, len);
	p->deadline = *dl;
	proxy_init(&p->parser);
	return 0;
}

/* Removes entry i (its fd is the caller's); order is not kept. */
void
pendings_remove(struct pendings *ps, size_t i)
{
	if (i != --ps->n)
		memcpy(&ps->p[i], &ps->p[ps->n], sizeof(ps->p[i]));
}

/*
 * Feeds what arrived: PROXY_MORE, PROXY_DONE (the whole header consumed
 * from the socket, nothing more), or a PROXY_E* error.  Bytes are peeked,
 * and exactly those the parser took are then read off, so the client's
 * own bytes after the header stay for the child, and a partial header
 * leaves the socket quiet until more arrives: a socket still holding
 * bytes would poll readable at once, forever.  EOF or a reset before the
 * end of the header is malformed, and seen as soon as it comes.
 */
int
pending_read(struct pending *p)
{
	unsigned char	buf[PROXY_HDR_MAX + PROXY_V2_FIXED];
	size_t		used;
	ssize_t		n;
	int		r;

	n = recv(p->fd, buf, sizeof(buf), MSG_PEEK);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return PROXY_MORE;
	if (n == -1) {
		p->parser.detail = errno == ECONNRESET ?
		    "reset before the header ended" : "read error";
		return PROXY_EMALFORMED;
	}
	if (n == 0) {
		p->parser.detail = "closed before the header ended";
		return PROXY_EMALFORMED;
	}
	r = proxy_feed(&p->parser, buf, (size_t)n, &used);
	if (r != PROXY_MORE && r != PROXY_DONE)
		return r;
	if (used > 0 && recv(p->fd, buf, used, 0) != (ssize_t)used) {
		p->parser.detail = "header vanished from the socket";
		return PROXY_EMALFORMED;
	}
	return r;
}

void
pendings_free(struct pendings *ps)
{
	free(ps->p);
	memset(ps, 0, sizeof(*ps));
}

/* Puts each pending connection in pfd, asking for input; returns how many. */
size_t
pendings_pollset(const struct pendings *ps, struct pollfd *pfd)
{
	size_t	i;

	for (i = 0; i < ps->n; i++) {
		pfd[i].fd = ps->p[i].fd;
		pfd[i].events = POLLIN;
		pfd[i].revents = 0;
	}
	return ps->n;
}

/* Milliseconds until the first header deadline, -1 when none waits. */
int64_t
pendings_next_ms(const struct pendings *ps, const struct timespec *now)
{
	int64_t	ms = -1, t;
	size_t	i;

	for (i = 0; i < ps->n; i++) {
		t = mono_until_ms(now, &ps->p[i].deadline);
		if (ms == -1 || t < ms)
			ms = t < 0 ? 0 : t;
	}
	return ms;
}

/*
 * Reads what arrived for entry i.  PROXY_MORE: still waiting.  Otherwise
 * the entry is removed and its connection handed back in *fd, the proxy's
 * address in *via; with PROXY_DONE the real client's in *real (the socket
 * blocking again, as a child reads it), else a reason in *detail.
 */
int
pendings_ready(struct pendings *ps, size_t i, int *fd,
    struct sockaddr_storage *real, struct sockaddr_storage *via,
    const char **detail)
{
	struct pending	*p = &ps->p[i];
	int		 r;

	if ((r = pending_read(p)) == PROXY_MORE)
		return r;
	*fd = p->fd;
	*via = p->proxy;
	*real = p->parser.result.local ? p->proxy : p->parser.result.src;
	*detail = p->parser.detail != NULL ? p->parser.detail :
	    proxy_strerror(r);
	pendings_remove(ps, i);
	if (r == PROXY_DONE)
		(void)fcntl(*fd, F_SETFL, fcntl(*fd, F_GETFL) & ~O_NONBLOCK);
	return r;
}

/* Takes an entry past its deadline off: 0 with its *fd and *via, -1 if none. */
int
pendings_take_expired(struct pendings *ps, const struct timespec *now,
    int *fd, struct sockaddr_storage *via)
{
	size_t	i;

	for (i = 0; i < ps->n; i++) {
		if (mono_until_ms(now, &ps->p[i].deadline) > 0)
			continue;
		*fd = ps->p[i].fd;
		*via = ps->p[i].proxy;
		pendings_remove(ps, i);
		return 0;
	}
	return -1;
}
