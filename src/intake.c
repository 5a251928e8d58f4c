/* SPDX-License-Identifier: ISC */
/*
 * An accepted connection's way in: a PROXY header awaited first where the
 * listener wants one, then admit.c's verdict carried out: refused, served
 * (forked by the supervisor), or served after the biggest group's oldest
 * session is told to end.
 */

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bsd/string.h>

#include "admit.h"
#include "clock.h"
#include "intake.h"
#include "peer.h"

/*
 * Turns a connection away without forking: counted, the refuse-message
 * tried once, and a log line at most once a second per reason.  via is the
 * proxy that passed it on, detail a reason from the PROXY parser; both may
 * be NULL.
 */
void
intake_refuse(struct supervisor *sv, int fd, const struct sockaddr *peer,
    const struct sockaddr *via, enum refuse_reason why, const char *detail)
{
	struct timespec	now;
	unsigned long	held;
	char		addr[PEER_STRLEN], proxy[ADDR_STRLEN + 8] = "";

	sv->live->count.refused[why]++;
	sv->live->status.changed = 1;
	/* Best effort: never wait on a client we are turning away. */
	if (sv->cf->refuse_len > 0)
		(void)send(fd, sv->cf->refuse_msg, sv->cf->refuse_len,
		    MSG_DONTWAIT | MSG_NOSIGNAL);
	close(fd);
	mono_now(&now);
	if (!log_limit(&sv->rl_refuse[why], &now, &held))
		return;
	if (via != NULL) {
		strlcpy(proxy, " proxy=", sizeof(proxy));
		format_address(via, proxy + 7, sizeof(proxy) - 7);
	}
	log_warnx("refuse peer=%s%s reason=%s%s%s%s active=%zu suppressed=%lu",
	    peer_label(peer, sv->cf, addr, sizeof(addr)), proxy,
	    refuse_reason_name(why), detail != NULL ? " error=\"" : "",
	    detail != NULL ? detail : "", detail != NULL ? "\"" : "",
	    sv->live->kids.count, held);
}

/*
 * The live children of the biggest source group, and that group's oldest
 * child not yet told to end (NULL when there is none).  A walk over the
 * children, made only at max-children.
 */
static struct child *
biggest_group(struct supervisor *sv, uint32_t *most)
{
	struct child		*kid, *oldest = NULL;
	const struct srcent	*e;
	size_t			 pos = 0;

	*most = 0;
	while ((kid = children_next(&sv->live->kids, &pos)) != NULL) {
		if (kid->evicting ||
		    (e = srctable_find(&sv->live->sources, &kid->key)) == NULL)
			continue;
		/* To the nanosecond: sessions start less than 1 ms apart. */
		if (e->live > *most || (e->live == *most && oldest != NULL &&
		    srckey_equal(&kid->key, &oldest->key) &&
		    mono_before(&kid->start, &oldest->start))) {
			*most = e->live;
			oldest = kid;
		}
	}
	return oldest;
}

/* Ends the session of kid to make room for a smaller group (fair-share). */
static void
evict(struct supervisor *sv, struct child *kid)
{
	struct timespec	now;
	unsigned long	held;

	kill(kid->pid, SIGTERM);
	kid->evicting = 1;
	sv->live->evicting++;
	sv->live->count.evicted++;
	mono_now(&now);
	if (log_limit(&sv->rl_evict, &now, &held))
		log_notice("evict pid=%ld reason=fair-share active=%zu "
		    "suppressed=%lu", (long)kid->pid, sv->live->kids.count,
		    held);
}

/* A failed fork: the client is refused, and the listeners rest a moment. */
static void
fork_failed(struct supervisor *sv, int fd, const struct sockaddr *sa,
    const struct sockaddr *via)
{
	struct timespec	now;

	sv->live->count.fork_failures++;
	mono_now(&now);
	mono_add_ms(&sv->backoff_until, &now, FORK_BACKOFF_MS);
	intake_refuse(sv, fd, sa, via, REFUSE_FORK, strerror(errno));
}

/*
 * Carries out the gate's verdict on one accepted connection (admit.c):
 * refuse, serve, or end the biggest group's oldest session and serve.
 */
static void
admit(struct supervisor *sv, int fd, const struct sockaddr *sa,
    const struct sockaddr *via)
{
	const struct config	*cf = sv->cf;
	struct supervisor_live	*live = sv->live;
	struct admit_state	 st;
	struct admit_verdict	 v;
	struct srckey		 key;
	struct srcent		*src;
	struct child		*oldest = NULL;

	memset(&st, 0, sizeof(st));
	cidr_group(sa, cf->prefix4, cf->prefix6, &key);
	st.now_ms = mono_ms();
	/* NULL only when every entry has live children. */
	if ((src = srctable_get(&live->sources, &key, &cf->rate,
	    st.now_ms)) != NULL) {
		st.known = 1;
		st.group_live = src->live;
		st.bucket = src->bucket;
	}
	st.evicting = live->evicting;
	st.live = live->kids.count - live->evicting;
	st.groups = live->sources.live;
	if (st.live >= (size_t)cf->max_children)
		oldest = biggest_group(sv, &st.biggest);
	admit_decide(cf, sa, &st, &v);
	if (v.action == ADMIT_REFUSE) {
		intake_refuse(sv, fd, sa, via, v.reason, NULL);
		return;
	}
	/* The gate serves only a known group: src is set. */
	if (src == NULL) {
		intake_refuse(sv, fd, sa, via, REFUSE_PER_SOURCE, NULL);
		return;
	}
	src->bucket = v.bucket;
	if (v.action == ADMIT_EVICT && oldest != NULL)
		evict(sv, oldest);
	if (supervisor_spawn(sv, fd, sa, via, src, v.health) == 0)
		return;
	if (errno == ENOSPC)
		intake_refuse(sv, fd, sa, via, REFUSE_MAX_CHILDREN, NULL);
	else
		fork_failed(sv, fd, sa, via);
}

/*
 * A connection to a proxy-protocol listener, if the gate lets it wait:
 * its header is then read in the loop, never waited for.
 */
static void
await_header(struct supervisor *sv, int fd, const struct sockaddr *sa,
    socklen_t len)
{
	enum refuse_reason	why;
	struct timespec		now, dl;

	if (admit_header(sv->cf, sa, sv->live->kids.count + sv->pend.n,
	    &why) == -1) {
		intake_refuse(sv, fd, sa, NULL, why, why == REFUSE_PROXY ?
		    "not in proxy-from" : NULL);
		return;
	}
	mono_now(&now);
	mono_add_ms(&dl, &now, sv->cf->proxy_timeout_ms);
	if (pendings_add(&sv->pend, (size_t)sv->cf->max_children, fd, sa, len,
	    &dl) == -1)
		intake_refuse(sv, fd, sa, NULL, REFUSE_MAX_CHILDREN, NULL);
}

/* The header of pending connection i has news: wait, admit or refuse. */
void
intake_header(struct supervisor *sv, size_t i)
{
	struct sockaddr_storage	 real, via;
	const char		*detail;
	int			 fd, r;

	r = pendings_ready(&sv->pend, i, &fd, &real, &via, &detail);
	if (r == PROXY_DONE)
		admit(sv, fd, (struct sockaddr *)&real, (struct sockaddr *)&via);
	else if (r != PROXY_MORE)
		intake_refuse(sv, fd, (struct sockaddr *)&via, NULL, REFUSE_PROXY,
		    detail);
}

/* Pending headers past proxy-timeout are refused. */
void
intake_expire(struct supervisor *sv, const struct timespec *now)
{
	struct sockaddr_storage	via;
	int			fd;

	while (pendings_take_expired(&sv->pend, now, &fd, &via) == 0)
		intake_refuse(sv, fd, (struct sockaddr *)&via, NULL, REFUSE_PROXY,
		    "header timeout");
}

/*
 * accept4 failed, as sshd handles it: a connection that went away, a
 * signal or an empty queue is ignored; out of descriptors or memory rests
 * the listeners and says so, rate-limited.
 */
static void
accept_failed(struct supervisor *sv, int err)
{
	struct timespec	now;
	unsigned long	held;

	switch (err) {
	case EINTR:
	case ECONNABORTED:
	case EPROTO:
	case EAGAIN:
		return;
	default:
		sv->live->count.accept_errors++;
		mono_now(&now);
		mono_add_ms(&sv->backoff_until, &now, ACCEPT_BACKOFF_MS);
		if (log_limit(&sv->rl_accept, &now, &held))
			log_warnx("accept: %s (pausing %dms; %lu more not "
			    "logged)", strerror(err), ACCEPT_BACKOFF_MS, held);
	}
}

/*
 * Takes one connection from a ready listener, as sshd does, then waits
 * for its header, refuses it or forks.  One per wakeup, not a batch run
 * until the queue is empty: the accept that finds it empty fails, and
 * writing errno copies a page the last child still shares (see
 * child_box()); and signals and reaping get a turn between any two.
 */
void
intake_accept(struct supervisor *sv, const struct listener *l)
{
	struct sockaddr_storage	ss;
	socklen_t		len = sizeof(ss);
	int			fd;

	fd = accept4(l->fd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC |
	    (l->proxy ? SOCK_NONBLOCK : 0));
	if (fd == -1) {
		accept_failed(sv, errno);
		return;
	}
	sv->live->count.accepted++;
	if (l->proxy)
		await_header(sv, fd, (struct sockaddr *)&ss, len);
	else
		admit(sv, fd, (struct sockaddr *)&ss, NULL);
}

