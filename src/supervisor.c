/* SPDX-License-Identifier: ISC */
/*
 * The supervisor: one ppoll loop over the listeners, the connections
 * whose PROXY header is awaited and a signalfd.  Signals stay blocked and
 * are read from the signalfd, so none is lost between check and sleep and
 * no handler runs; reaping, reloading and draining happen in the loop.
 * Who is admitted is decided by admit.c; this file carries it out.
 */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bsd/unistd.h>

#include "admit.h"
#include "child.h"
#include "clock.h"
#include "intake.h"
#include "mem.h"
#include "notify.h"
#include "peer.h"
#include "sandbox.h"
#include "session.h"
#include "signals.h"
#include "status.h"
#include "supervisor.h"

/* After the drain's SIGTERM, how long children get before SIGKILL. */
#define KILL_GRACE_MS	2000

/* -d: debug lines to stderr, whatever the file says, on reload too. */
void
supervisor_debug(struct config *cf)
{
	cf->log_level = LOG_DEBUG;
	cf->log_target = LOG_TARGET_STDERR;
}

/* The child filter is built once, when first needed; a child only loads it. */
static int
prepare_sandbox(struct supervisor *sv, const struct config *cf)
{
	if (cf->sandbox == SANDBOX_USE_OFF || sv->sandbox_ready)
		return 0;
	if (sandbox_prepare() == -1) {
		log_warn("sandbox: cannot build the seccomp filter");
		return -1;
	}
	sv->sandbox_ready = 1;
	return 0;
}

/* Room to poll each listener, max-children pending headers and the signalfd. */
static int
grow_pollfds(struct supervisor *sv, size_t max_children)
{
	struct pollfd	*p;
	size_t		 cap = CONFIG_MAX_LISTEN + max_children + 1;

	if (cap <= sv->pfdcap)
		return 0;
	if ((p = mem_private(cap * sizeof(*p))) == NULL)
		return -1;
	mem_release(sv->pfd, sv->pfdcap * sizeof(*p));
	sv->pfd = p;
	sv->pfdcap = cap;
	return 0;
}

/*
 * The children table holds max-children and the evictions under way,
 * which may briefly outnumber it (admit.h).
 */
static size_t
kids_cap(const struct config *cf)
{
	return (size_t)cf->max_children + ADMIT_EVICT_MAX;
}

/*
 * The supervisor's tables, in memory no child inherits (mem.h); the access
 * list goes there too, since sessions never check access.  Returns 0, or
 * -1 logged.
 */
int
supervisor_init(struct supervisor *sv, struct config *cf,
    struct listeners *ls, const char *confpath, char *const *overrides,
    size_t noverrides, int foreground)
{
	const char	*what = NULL;

	memset(sv, 0, sizeof(*sv));
	sv->cf = cf;
	session_load(cf);
	sv->ls = ls;
	sv->confpath = confpath;
	sv->overrides = overrides;
	sv->noverrides = noverrides;
	sv->foreground = foreground;
	sv->pidfile_fd = -1;
	sv->sigfd = -1;
	if (prepare_sandbox(sv, cf) == -1)
		return -1;
	if ((sv->live = mem_private(sizeof(*sv->live))) == NULL)
		what = "supervisor state";
	else if (srctable_init(&sv->live->sources,
	    (size_t)cf->max_sources) == -1)
		what = "source table";
	else if (acl_private(&cf->acl, mem_private, mem_release) == -1)
		what = "access list";
	else if (outcomes_init(&sv->live->outcomes, CONFIG_MAX_CHILDREN +
	    ADMIT_EVICT_MAX) == -1)
		what = "session outcomes";
	else if (grow_pollfds(sv, (size_t)cf->max_children) == -1)
		what = "poll set";
	else if (children_init(&sv->live->kids, kids_cap(cf)) == -1)
		what = "children table";
	if (what != NULL) {
		log_warn("%s", what);
		return -1;
	}
	sv->live->status.watchdog_ms = notify_watchdog_ms();
	return 0;
}

/*
 * In the child: the supervisor's descriptors closed (it holds no others:
 * main() closed what okd inherited), then the box and the session; never
 * returns.
 */
static __dead void
child_start(struct supervisor *sv, int fd, struct outcome *o,
    const char *peer)
{
	size_t	i;

	for (i = 0; i < sv->ls->n; i++)
		close(sv->ls->l[i].fd);
	for (i = 0; i < sv->pend.n; i++)
		close(sv->pend.p[i].fd);
	if (sv->pidfile_fd != -1)
		close(sv->pidfile_fd);
	close(sv->sigfd);
	child_serve(fd, peer, sv->cf, o);
}

/*
 * Forks the child for an admitted connection and counts it.  Returns 0,
 * or -1 with errno set and fd still open: ENOSPC when no outcome slot is
 * free, else fork's.
 */
int
supervisor_spawn(struct supervisor *sv, int fd, const struct sockaddr *sa,
    const struct sockaddr *via, struct srcent *src, int health)
{
	struct outcomes		*outs = &sv->live->outcomes;
	struct outcome		*o;
	struct child		 kid;
	char			 peer[PEER_STRLEN], proxy[ADDR_STRLEN];
	pid_t			 pid;
	int			 saved;

	memset(&kid, 0, sizeof(kid));
	peer_label(sa, sv->cf, peer, sizeof(peer));
	if (via != NULL)
		format_address(via, proxy, sizeof(proxy));
	/* Cannot fail: live children never outnumber the outcome slots. */
	o = outcomes_take(outs, peer, via != NULL ? proxy : NULL, &kid.outcome);
	if (o == NULL) {
		errno = ENOSPC;
		return -1;
	}
	if ((pid = fork()) == 0)
		child_start(sv, fd, o, peer);
	if (pid == -1) {
		saved = errno;
		outcomes_give(outs, kid.outcome);
		errno = saved;
		return -1;
	}
	close(fd);
	kid.pid = pid;
	kid.key = src->key;
	kid.health = (uint8_t)health;
	mono_now(&kid.start);
	/* Cannot fail: the table holds max-children and the evictions. */
	children_add(&sv->live->kids, &kid);
	srctable_hold(&sv->live->sources, src);
	sv->live->count.served++;
	sv->live->status.changed = 1;
	if (health)
		sv->live->count.health_checks++;
	else if (log_enabled(LOG_INFO))
		child_accepted(peer, via != NULL ? proxy : NULL, pid,
		    sv->live->kids.count);
	return 0;
}

/* Collects every exited child; none is left a zombie after a pass. */
void
supervisor_reap(struct supervisor *sv)
{
	struct child	kid;
	struct timespec	now;
	pid_t		pid;
	int		st;

	mono_now(&now);
	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		if (children_remove(&sv->live->kids, pid, &kid) == -1)
			continue;
		if (kid.evicting)
			sv->live->evicting--;
		srctable_release(&sv->live->sources, &kid.key);
		child_reaped(sv->live, &sv->rl_child, &kid, st, &now);
	}
}

/*
 * What the last listeners_adopt, listeners_open or listeners_update
 * opened and closed, one line each: at start and at each reload.
 */
void
supervisor_log_listeners(const struct listeners *ls)
{
	const struct listener	*l;
	size_t			 i;

	for (i = 0; i < ls->n; i++) {
		l = &ls->l[i];
		if (!l->fresh)
			continue;
		if (l->passed)
			log_info("listening on %s (fd %d, name %s, passed by "
			    "the service manager)", l->addr, l->fd, l->name);
		else
			log_info("listening on %s%s", l->addr, l->proxy ?
			    " (PROXY protocol)" : "");
	}
	for (i = 0; i < ls->nclosed; i++)
		log_info("closing %s", ls->closed[i]);
}

/*
 * Everything a new configuration needs before it may replace the running
 * one, none of it visible yet.  NULL when next can be applied, else why
 * not (the step's own line, if any, is logged already).
 */
static const char *
reload_prepare(struct supervisor *sv, struct config *next,
    struct srctable *sources)
{
	struct listener_fault	f;
	size_t			cap;

	if (config_load(next, sv->confpath, sv->overrides,
	    sv->noverrides) == -1)
		return "the configuration has errors";
	if (acl_private(&next->acl, mem_private, mem_release) == -1)
		return "no memory for the access list";
	if (sv->debug)
		supervisor_debug(next);
	/* Root is given up for good at start: the ids cannot change. */
	if (sv->pd.setids && (strcmp(next->user, sv->cf->user) != 0 ||
	    strcmp(next->group, sv->cf->group) != 0))
		return "user and group change only when okd restarts";
	if (prepare_sandbox(sv, next) == -1)
		return "cannot build the seccomp filter";
	cap = kids_cap(next);
	if ((cap > sv->live->kids.cap &&
	    children_resize(&sv->live->kids, cap) == -1) ||
	    grow_pollfds(sv, (size_t)next->max_children) == -1)
		return "out of memory for the larger tables";
	if (next->max_sources != sv->cf->max_sources &&
	    (srctable_init(sources, (size_t)next->max_sources) == -1 ||
	    srctable_copy(sources, &sv->live->sources) == -1))
		return "the source table cannot be resized";
	if (listeners_update(sv->ls, next, &f) == -1) {
		log_warnx("%s", f.msg);
		return "a listener cannot be opened";
	}
	supervisor_log_listeners(sv->ls);
	return NULL;
}

/*
 * Re-reads the configuration.  An invalid file or a listener that cannot
 * be opened leaves everything as it was; live children are never touched.
 */
static void
reload(struct supervisor *sv)
{
	struct config	*next;
	struct srctable	 sources;
	const char	*why;

	notify_reloading();
	log_info("reloading %s", sv->confpath != NULL ? sv->confpath :
	    OKD_CONF_PATH);
	memset(&sources, 0, sizeof(sources));
	if ((next = calloc(1, sizeof(*next))) == NULL)
		why = "out of memory";
	else
		why = reload_prepare(sv, next, &sources);
	if (why != NULL) {
		log_warnx("reload failed: %s; keeping the running "
		    "configuration", why);
		srctable_free(&sources);
		if (next != NULL)
			config_free(next);
		free(next);
		notify_ready();
		return;
	}
	if (sources.ent != NULL) {
		srctable_free(&sv->live->sources);
		sv->live->sources = sources;
	}
	/* Ownership moves with the struct: the old one's memory goes first. */
	config_free(sv->cf);
	*sv->cf = *next;
	free(next);
	session_load(sv->cf);
	if (kids_cap(sv->cf) < sv->live->kids.cap)
		children_resize(&sv->live->kids, kids_cap(sv->cf));
	log_init(sv->cf->log_target, sv->cf->log_level, sv->foreground);
	sv->live->count.reloads++;
	log_info("reloaded: %zu listeners, max-children %d", sv->ls->n,
	    sv->cf->max_children);
	notify_ready();
}

static void
report(const struct supervisor *sv)
{
	struct status_now	now;

	now.active = sv->live->kids.count;
	now.pending = sv->pend.n;
	now.sources = sv->live->sources.used;
	now.log_dropped = log_dropped();
	status_report(&sv->live->count, &now);
}

static void
drain_begin(struct supervisor *sv, const struct timespec *now)
{
	sv->draining = 1;
	listeners_close(sv->ls);
	/* Not yet sessions: they were never told anything, close them. */
	while (sv->pend.n > 0) {
		close(sv->pend.p[sv->pend.n - 1].fd);
		pendings_remove(&sv->pend, sv->pend.n - 1);
	}
	notify_stopping();
	log_info("draining: %zu active, grace %lldms", sv->live->kids.count,
	    (long long)sv->cf->shutdown_grace_ms);
	mono_add_ms(&sv->drain_deadline, now, sv->cf->shutdown_grace_ms);
	if (sv->live->kids.count > 0)
		notify_extend((uint64_t)(sv->cf->shutdown_grace_ms +
		    KILL_GRACE_MS + 1000) * 1000);
}

/*
 * Past the grace, SIGTERM the rest; past that, SIGKILL; then only wait.
 * Returns 1 when done.
 */
static int
drain_step(struct supervisor *sv, const struct timespec *now)
{
	size_t	n = sv->live->kids.count;

	if (n == 0)
		return 1;
	if (sv->killed == 2 || mono_until_ms(now, &sv->drain_deadline) > 0)
		return 0;
	if (sv->killed == 0)
		log_info("grace over: stopping %zu children", n);
	else
		log_warnx("killing %zu children", n);
	children_kill(&sv->live->kids, sv->killed == 0 ? SIGTERM : SIGKILL);
	mono_add_ms(&sv->drain_deadline, now, KILL_GRACE_MS);
	sv->killed++;
	return 0;
}

/* The listeners to poll now: none while resting, draining or deferring. */
size_t
supervisor_pollset(const struct supervisor *sv, struct pollfd *pfd,
    const struct timespec *now)
{
	size_t	i;

	if (sv->draining || mono_until_ms(now, &sv->backoff_until) > 0)
		return 0;
	if (sv->cf->overload == OVERLOAD_DEFER &&
	    sv->live->kids.count >= (size_t)sv->cf->max_children)
		return 0;
	for (i = 0; i < sv->ls->n; i++) {
		pfd[i].fd = sv->ls->l[i].fd;
		pfd[i].events = POLLIN;
		pfd[i].revents = 0;
	}
	return sv->ls->n;
}

/* The earlier of two waits in ms, -1 meaning none. */
static int64_t
sooner(int64_t a, int64_t b)
{
	if (a == -1)
		return b;
	if (b == -1)
		return a;
	return a < b ? a : b;
}

/* How long ppoll may sleep: until the next deadline of any kind. */
static int64_t
next_wakeup(const struct supervisor *sv, const struct timespec *now)
{
	int64_t	ms = -1;

	if (mono_until_ms(now, &sv->backoff_until) > 0)
		ms = mono_until_ms(now, &sv->backoff_until);
	if (sv->draining && sv->killed < 2)
		ms = sooner(ms, mono_until_ms(now, &sv->drain_deadline));
	ms = sooner(ms, status_next_ms(&sv->live->status, now));
	ms = sooner(ms, pendings_next_ms(&sv->pend, now));
	return ms < -1 ? 0 : ms;
}

static void
handle_signals(struct supervisor *sv, const struct timespec *now)
{
	struct signals	*got = &sv->live->got;

	if (got->chld) {
		got->chld = 0;
		supervisor_reap(sv);
		sv->live->status.changed = 1;
	}
	if (got->term) {
		got->term = 0;
		if (!sv->draining)
			drain_begin(sv, now);
	}
	if (got->hup) {
		got->hup = 0;
		if (!sv->draining)
			reload(sv);
	}
	if (got->usr1) {
		got->usr1 = 0;
		report(sv);
	}
}

/* ppoll itself failed: say so at most once a second, then rest. */
static void
poll_failed(struct supervisor *sv)
{
	struct timespec	now, rest = { 0, POLL_BACKOFF_MS * 1000000L };
	unsigned long	held;
	int		err = errno;

	mono_now(&now);
	if (log_limit(&sv->rl_poll, &now, &held))
		log_warnx("ppoll: %s (resting %dms; %lu more not logged)",
		    strerror(err), POLL_BACKOFF_MS, held);
	(void)nanosleep(&rest, NULL);
}

/* Waits for the next event: returns how many descriptors are ready, or 0. */
static int
wait_events(struct supervisor *sv, size_t *nlisten, size_t *npend,
    const struct timespec *now)
{
	struct pollfd	*pfd = sv->pfd;
	struct timespec	 ts;
	size_t		 n, np;
	int64_t		 ms;
	int		 r;

	n = supervisor_pollset(sv, pfd, now);
	np = pendings_pollset(&sv->pend, pfd + n);
	pfd[n + np].fd = sv->sigfd;
	pfd[n + np].events = POLLIN;
	pfd[n + np].revents = 0;
	ms = next_wakeup(sv, now);
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000;
	*nlisten = n;
	*npend = np;
	if ((r = ppoll(pfd, n + np + 1, ms == -1 ? NULL : &ts, NULL)) == -1) {
		if (errno != EINTR)
			poll_failed(sv);
		return 0;
	}
	if (r > 0 && pfd[n + np].revents != 0)
		signals_read(sv->sigfd, &sv->live->got);
	return r;
}

/*
 * Before the first accept: root given up for good (sv->pd, resolved at
 * start), then the supervisor's own filter.  Returns 0, or -1 logged.
 */
static int
confine(struct supervisor *sv)
{
	const char	*err;

	if (privdrop_apply(&sv->pd, &err) == -1) {
		log_errx("dropping root for %s:%s: %s", sv->cf->user,
		    sv->cf->group, err);
		return -1;
	}
	if (sv->cf->sandbox != SANDBOX_USE_OFF && sandbox_supervisor() == -1) {
		log_warn("sandbox: cannot load the supervisor's filter");
		return -1;
	}
	return 0;
}

/* Runs until a drain completes; returns the exit status. */
int
supervisor_run(struct supervisor *sv)
{
	struct timespec	now;
	size_t		n, np, i;

	if ((sv->sigfd = signals_open()) == -1) {
		log_warn("signalfd");
		return OKD_EXIT_OSERR;
	}
	if (confine(sv) == -1)
		return OKD_EXIT_OSERR;
	notify_ready();
	for (;;) {
		mono_now(&now);
		handle_signals(sv, &now);
		if (sv->draining && drain_step(sv, &now))
			break;
		status_watchdog(&sv->live->status, &now);
		status_show(&sv->live->status, &sv->live->count,
		    sv->live->kids.count, &now);
		intake_expire(sv, &now);
		if (wait_events(sv, &n, &np, &now) <= 0 ||
		    signals_pending(&sv->live->got))
			continue;
		/* Backwards: handling entry i may move the last one into it. */
		for (i = np; i-- > 0;)
			if (sv->pfd[n + i].revents != 0)
				intake_header(sv, i);
		for (i = 0; i < n; i++)
			if (sv->pfd[i].revents & (POLLIN | POLLERR | POLLHUP))
				intake_accept(sv, &sv->ls->l[i]);
	}
	log_info("stopped: served %llu",
	    (unsigned long long)sv->live->count.served);
	supervisor_free(sv);
	return OKD_EXIT_OK;
}

/* Everything supervisor_init and the loop allocated. */
void
supervisor_free(struct supervisor *sv)
{
	if (sv->live != NULL) {
		children_free(&sv->live->kids);
		srctable_free(&sv->live->sources);
		outcomes_free(&sv->live->outcomes);
		mem_release(sv->live, sizeof(*sv->live));
		sv->live = NULL;
	}
	pendings_free(&sv->pend);
	mem_release(sv->pfd, sv->pfdcap * sizeof(*sv->pfd));
	sv->pfd = NULL;
	sv->pfdcap = 0;
	if (sv->sigfd != -1)
		close(sv->sigfd);
	sv->sigfd = -1;
}
