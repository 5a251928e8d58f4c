/*
 * The supervisor: one ppoll loop over the listeners, with signals blocked
 * except inside ppoll, so a signal is never lost between check and sleep.
 * Handlers only set flags; reaping, reloading and draining happen here.
 */

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bsd/string.h>
#include <bsd/unistd.h>

#include "notify.h"
#include "session.h"
#include "supervisor.h"

/* Connections taken off one ready listener before looking at the others. */
#define ACCEPT_BATCH	64
/* After the drain's SIGTERM, how long children get before SIGKILL. */
#define KILL_GRACE_MS	2000
/* STATUS= at most this often. */
#define STATUS_EVERY_MS	1000

static volatile sig_atomic_t	got_chld, got_hup, got_term, got_usr1;

static const char *const refuse_names[] = {
	[REFUSE_MAX_CHILDREN] = "max-children",
};

const char *
refuse_reason_name(enum refuse_reason r)
{
	return refuse_names[r];
}

static void
on_signal(int sig)
{
	switch (sig) {
	case SIGCHLD:
		got_chld = 1;
		break;
	case SIGHUP:
		got_hup = 1;
		break;
	case SIGTERM:
	case SIGINT:
		got_term = 1;
		break;
	case SIGUSR1:
		got_usr1 = 1;
		break;
	}
}

static const int handled[] = { SIGCHLD, SIGHUP, SIGTERM, SIGINT, SIGUSR1 };

static void
install_signals(sigset_t *old)
{
	struct sigaction	sa;
	sigset_t		block;
	size_t			i;

	sigemptyset(&block);
	for (i = 0; i < sizeof(handled) / sizeof(handled[0]); i++)
		sigaddset(&block, handled[i]);
	sigprocmask(SIG_BLOCK, &block, old);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(handled) / sizeof(handled[0]); i++)
		sigaction(handled[i], &sa, NULL);
	/* Sends use MSG_NOSIGNAL; this covers a closed stderr too. */
	signal(SIGPIPE, SIG_IGN);
	/* The mask ppoll waits with: everything we handle gets through. */
	for (i = 0; i < sizeof(handled) / sizeof(handled[0]); i++)
		sigdelset(old, handled[i]);
}

static int64_t
ms_until(const struct timespec *now, const struct timespec *then)
{
	return (then->tv_sec - now->tv_sec) * 1000 +
	    (then->tv_nsec - now->tv_nsec) / 1000000;
}

static void
add_ms(struct timespec *ts, const struct timespec *from, int64_t ms)
{
	ts->tv_sec = from->tv_sec + ms / 1000;
	ts->tv_nsec = from->tv_nsec + (ms % 1000) * 1000000;
	if (ts->tv_nsec >= 1000000000) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000;
	}
}

static uint64_t
refused_total(const struct supervisor *sv)
{
	uint64_t	n = 0;
	size_t		i;

	for (i = 0; i < REFUSE_NREASONS; i++)
		n += sv->count.refused[i];
	return n;
}

int
supervisor_init(struct supervisor *sv, struct config *cf,
    struct listeners *ls, const char *confpath, char *const *overrides,
    size_t noverrides, int foreground)
{
	memset(sv, 0, sizeof(*sv));
	sv->cf = cf;
	sv->ls = ls;
	sv->confpath = confpath;
	sv->overrides = overrides;
	sv->noverrides = noverrides;
	sv->foreground = foreground;
	sv->pidfile_fd = -1;
	sv->watchdog_ms = notify_watchdog_ms();
	return children_init(&sv->kids, (size_t)cf->max_children);
}

/* In the child: drop the supervisor's state, then serve; never returns. */
static __dead void
child_start(struct supervisor *sv, int fd, const struct sockaddr *peer)
{
	size_t	i;

	for (i = 0; i < sv->ls->n; i++)
		close(sv->ls->l[i].fd);
	if (sv->pidfile_fd != -1)
		close(sv->pidfile_fd);
	for (i = 0; i < sizeof(handled) / sizeof(handled[0]); i++)
		signal(handled[i], SIG_DFL);
	log_child();
	_exit(session_main(fd, peer, sv->cf));
}

static void
refuse(struct supervisor *sv, int fd, const struct sockaddr *peer,
    enum refuse_reason why)
{
	struct timespec	now;
	unsigned long	held;
	char		addr[ADDR_STRLEN];

	sv->count.refused[why]++;
	close(fd);
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!log_limit(&sv->rl_refuse[why], &now, &held))
		return;
	log_warnx("refuse peer=%s reason=%s active=%zu suppressed=%lu",
	    format_address(peer, addr, sizeof(addr)), refuse_reason_name(why),
	    sv->kids.count, held);
}

static void
log_accept(const struct supervisor *sv, const struct sockaddr *peer, pid_t pid)
{
	char	addr[ADDR_STRLEN], spid[16], active[24];
	struct log_field f[] = {
		{ "peer", addr }, { "pid", spid }, { "active", active },
	};

	format_address(peer, addr, sizeof(addr));
	snprintf(spid, sizeof(spid), "%ld", (long)pid);
	snprintf(active, sizeof(active), "%zu", sv->kids.count);
	log_event(LOG_INFO, "accept", f, sizeof(f) / sizeof(f[0]));
}

static void
spawn(struct supervisor *sv, int fd, const struct sockaddr *peer)
{
	struct child	kid;
	unsigned long	held;
	pid_t		pid;

	if ((pid = fork()) == -1) {
		sv->count.fork_failures++;
		close(fd);
		clock_gettime(CLOCK_MONOTONIC, &kid.start);
		if (log_limit(&sv->rl_fork, &kid.start, &held))
			log_warn("fork (%lu more not logged)", held);
		return;
	}
	if (pid == 0)
		child_start(sv, fd, peer);
	close(fd);
	kid.pid = pid;
	clock_gettime(CLOCK_MONOTONIC, &kid.start);
	/* Cannot fail: the table holds max-children and we checked. */
	children_add(&sv->kids, &kid);
	sv->count.served++;
	if (log_enabled(LOG_INFO))
		log_accept(sv, peer, pid);
}

/* accept4 failed: carry on, or rest the listeners when out of resources. */
static int
accept_failed(struct supervisor *sv, int err)
{
	struct timespec	now;
	unsigned long	held;

	switch (err) {
	case EINTR:
	case ECONNABORTED:
	case EPROTO:
		return 0;
	case EAGAIN:
		return -1;
	default:
		/* EMFILE, ENFILE, ENOBUFS, ENOMEM and the unexpected. */
		sv->count.accept_errors++;
		clock_gettime(CLOCK_MONOTONIC, &now);
		add_ms(&sv->backoff_until, &now, ACCEPT_BACKOFF_MS);
		errno = err;
		if (log_limit(&sv->rl_accept, &now, &held))
			log_warn("accept (pausing %dms; %lu more not logged)",
			    ACCEPT_BACKOFF_MS, held);
		return -1;
	}
}

/* Drains a ready listener: accept, refuse or fork, up to a batch. */
void
supervisor_accept(struct supervisor *sv, const struct listener *l)
{
	struct sockaddr_storage	ss;
	socklen_t		len;
	int			fd, i;

	for (i = 0; i < ACCEPT_BATCH; i++) {
		len = sizeof(ss);
		fd = accept4(l->fd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC);
		if (fd == -1) {
			if (accept_failed(sv, errno) == -1)
				return;
			continue;
		}
		sv->count.accepted++;
		if (sv->kids.count >= (size_t)sv->cf->max_children) {
			refuse(sv, fd, (struct sockaddr *)&ss,
			    REFUSE_MAX_CHILDREN);
			continue;
		}
		spawn(sv, fd, (struct sockaddr *)&ss);
	}
}

/* Collects every exited child; none is left a zombie after a pass. */
void
supervisor_reap(struct supervisor *sv)
{
	struct child	kid;
	struct timespec	now;
	unsigned long	held;
	pid_t		pid;
	int		st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		if (children_remove(&sv->kids, pid, &kid) == -1)
			continue;
		if (WIFSIGNALED(st))
			sv->count.signaled++;
		else if (WIFEXITED(st) && WEXITSTATUS(st) != 0)
			sv->count.failed++;
		else
			continue;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (!log_limit(&sv->rl_child, &now, &held))
			continue;
		if (WIFSIGNALED(st))
			log_warnx("child pid=%ld killed by signal %d (%s); "
			    "%lu more not logged", (long)pid, WTERMSIG(st),
			    strsignal(WTERMSIG(st)), held);
		else
			log_warnx("child pid=%ld exited with status %d; "
			    "%lu more not logged", (long)pid, WEXITSTATUS(st),
			    held);
	}
}

/*
 * Re-reads the configuration.  An invalid file or a listener that cannot be
 * opened leaves everything as it was; live children are never touched.
 */
static void
reload(struct supervisor *sv)
{
	struct config	*next;
	size_t		 cap;

	notify_reloading();
	log_info("reloading %s", sv->confpath);
	if ((next = malloc(sizeof(*next))) == NULL) {
		log_warn("reload");
		notify_ready();
		return;
	}
	if (config_load(next, sv->confpath, sv->overrides,
	    sv->noverrides) == -1) {
		log_warnx("reload failed: keeping the running configuration");
		goto done;
	}
	cap = (size_t)next->max_children;
	if (cap > sv->kids.cap && children_resize(&sv->kids, cap) == -1) {
		log_warn("reload failed: keeping the running configuration");
		goto done;
	}
	if (listeners_update(sv->ls, next) == -1) {
		log_warnx("reload failed: keeping the running configuration");
		goto done;
	}
	*sv->cf = *next;
	if (cap < sv->kids.cap)
		children_resize(&sv->kids, cap);
	log_init(sv->cf->log_target, sv->cf->log_level, sv->foreground);
	sv->count.reloads++;
	log_info("reloaded: %zu listeners, max-children %d", sv->ls->n,
	    sv->cf->max_children);
done:
	free(next);
	notify_ready();
}

static void
report(const struct supervisor *sv)
{
	log_notice("stats active=%zu accepted=%llu served=%llu refused=%llu "
	    "refused-max-children=%llu fork-failures=%llu accept-errors=%llu "
	    "signaled=%llu failed=%llu reloads=%llu",
	    sv->kids.count, (unsigned long long)sv->count.accepted,
	    (unsigned long long)sv->count.served,
	    (unsigned long long)refused_total(sv),
	    (unsigned long long)sv->count.refused[REFUSE_MAX_CHILDREN],
	    (unsigned long long)sv->count.fork_failures,
	    (unsigned long long)sv->count.accept_errors,
	    (unsigned long long)sv->count.signaled,
	    (unsigned long long)sv->count.failed,
	    (unsigned long long)sv->count.reloads);
}

static void
drain_begin(struct supervisor *sv, const struct timespec *now)
{
	sv->draining = 1;
	listeners_close(sv->ls);
	notify_stopping();
	log_info("draining: %zu active, grace %lldms", sv->kids.count,
	    (long long)sv->cf->shutdown_grace_ms);
	add_ms(&sv->drain_deadline, now, sv->cf->shutdown_grace_ms);
	if (sv->kids.count > 0)
		notify_extend((uint64_t)(sv->cf->shutdown_grace_ms +
		    KILL_GRACE_MS + 1000) * 1000);
}

/* Past the grace, SIGTERM the rest; past that, SIGKILL.  Returns 1 when done. */
static int
drain_step(struct supervisor *sv, const struct timespec *now)
{
	if (sv->kids.count == 0)
		return 1;
	if (ms_until(now, &sv->drain_deadline) > 0)
		return 0;
	if (!sv->killed) {
		log_info("grace over: stopping %zu children", sv->kids.count);
		children_kill(&sv->kids, SIGTERM);
		add_ms(&sv->drain_deadline, now, KILL_GRACE_MS);
		sv->killed = 1;
	} else if (sv->killed == 1) {
		log_warnx("killing %zu children", sv->kids.count);
		children_kill(&sv->kids, SIGKILL);
		add_ms(&sv->drain_deadline, now, KILL_GRACE_MS);
		sv->killed = 2;
	}
	return 0;
}

/* The title always; STATUS= when it changed, at most once a second. */
static void
show_load(struct supervisor *sv, const struct timespec *now)
{
	char	buf[sizeof(sv->status)];

	snprintf(buf, sizeof(buf), "%zu active, %llu served, %llu refused",
	    sv->kids.count, (unsigned long long)sv->count.served,
	    (unsigned long long)refused_total(sv));
	if (strcmp(buf, sv->title) != 0) {
		strlcpy(sv->title, buf, sizeof(sv->title));
		setproctitle("%s", buf);
	}
	if (strcmp(buf, sv->status) != 0 &&
	    ms_until(&sv->status_at, now) >= STATUS_EVERY_MS) {
		strlcpy(sv->status, buf, sizeof(sv->status));
		notify_status(buf);
		sv->status_at = *now;
	}
}

/* The listeners to poll now: none while resting or draining. */
size_t
supervisor_pollset(const struct supervisor *sv, struct pollfd *pfd,
    const struct timespec *now)
{
	size_t	i;

	if (sv->draining || ms_until(now, &sv->backoff_until) > 0)
		return 0;
	for (i = 0; i < sv->ls->n; i++) {
		pfd[i].fd = sv->ls->l[i].fd;
		pfd[i].events = POLLIN;
		pfd[i].revents = 0;
	}
	return sv->ls->n;
}

/* How long ppoll may sleep: until the next deadline of any kind. */
static int64_t
next_wakeup(const struct supervisor *sv, const struct timespec *now)
{
	int64_t	ms = -1, t;

	if (ms_until(now, &sv->backoff_until) > 0)
		ms = ms_until(now, &sv->backoff_until);
	if (sv->draining && sv->killed < 2) {
		t = ms_until(now, &sv->drain_deadline);
		ms = ms == -1 || t < ms ? t : ms;
	}
	if (strcmp(sv->title, sv->status) != 0) {
		t = STATUS_EVERY_MS - ms_until(&sv->status_at, now);
		ms = ms == -1 || t < ms ? t : ms;
	}
	if (sv->watchdog_ms > 0) {
		t = sv->watchdog_ms - ms_until(&sv->watchdog_at, now);
		ms = ms == -1 || t < ms ? t : ms;
	}
	return ms < -1 ? 0 : ms;
}

static void
watchdog(struct supervisor *sv, const struct timespec *now)
{
	if (sv->watchdog_ms == 0 ||
	    ms_until(&sv->watchdog_at, now) < sv->watchdog_ms)
		return;
	notify_watchdog();
	sv->watchdog_at = *now;
}

static void
handle_signals(struct supervisor *sv, const struct timespec *now)
{
	if (got_chld) {
		got_chld = 0;
		supervisor_reap(sv);
	}
	if (got_term) {
		got_term = 0;
		if (!sv->draining)
			drain_begin(sv, now);
	}
	if (got_hup) {
		got_hup = 0;
		if (!sv->draining)
			reload(sv);
	}
	if (got_usr1) {
		got_usr1 = 0;
		report(sv);
	}
}

/* Runs until a drain completes; returns the exit status. */
int
supervisor_run(struct supervisor *sv)
{
	struct pollfd	pfd[CONFIG_MAX_LISTEN];
	struct timespec	now, ts;
	sigset_t	waitmask;
	size_t		n, i;
	int64_t		ms;

	install_signals(&waitmask);
	notify_ready();
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		handle_signals(sv, &now);
		if (sv->draining && drain_step(sv, &now))
			break;
		watchdog(sv, &now);
		show_load(sv, &now);
		n = supervisor_pollset(sv, pfd, &now);
		ms = next_wakeup(sv, &now);
		ts.tv_sec = ms / 1000;
		ts.tv_nsec = (ms % 1000) * 1000000;
		if (ppoll(pfd, n, ms == -1 ? NULL : &ts, &waitmask) <= 0)
			continue;
		for (i = 0; i < n; i++)
			if (pfd[i].revents & (POLLIN | POLLERR | POLLHUP))
				supervisor_accept(sv, &sv->ls->l[i]);
	}
	log_info("stopped: served %llu", (unsigned long long)sv->count.served);
	children_free(&sv->kids);
	return OKD_EXIT_OK;
}
