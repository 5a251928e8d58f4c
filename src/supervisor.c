/*
 * The supervisor: one ppoll loop over the listeners and a signalfd, with
 * signals always blocked but for a moment after a signal woke it, so a
 * signal is never lost between check and sleep.  Handlers only set flags;
 * reaping, reloading and draining happen here.
 */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include <bsd/string.h>
#include <bsd/unistd.h>

#include "acl.h"
#include "altstack.h"
#include "mem.h"
#include "notify.h"
#include "outcome.h"
#include "peer.h"
#include "sandbox.h"
#include "session.h"
#include "supervisor.h"

/* Connections taken off one ready listener before looking at the others. */
#define ACCEPT_BATCH	64
/* After the drain's SIGTERM, how long children get before SIGKILL. */
#define KILL_GRACE_MS	2000
/* STATUS= at most this often. */
#define STATUS_EVERY_MS	1000

/*
 * With sandbox on, a child enters the filter instead of strict mode while
 * recent sessions average more reads than this.  Strict mode costs
 * nothing to enter but turns the child's time stamp counter off, which
 * some hypervisors make cost microseconds at each switch to or from the
 * child, one or two a read; the filter costs about 0.1 ms, once.
 */
#define STRICT_MAX_READS	16

/*
 * Before any session has ended, sessions count as long, and it takes
 * eleven short ones to bring the average under: a long session wrongly
 * boxed in strict mode pays at every read for its whole life
 * (milliseconds over 1000 reads), a short one wrongly given the filter
 * pays 0.1 ms once.  One would not do: the port probe of a script or a
 * health check, which closes without a byte, put the whole first wave of
 * a long-session load in strict mode (at 10,000 round trips a session,
 * 0.94x of forkmin against 0.99x with the sandbox off, 4 s runs).
 */
#define READS_AVG16_START	(STRICT_MAX_READS * 16 * 4)

static const char *const refuse_names[] = {
	[REFUSE_MAX_CHILDREN] = "max-children",
	[REFUSE_PER_SOURCE] = "per-source",
	[REFUSE_RATE] = "rate",
	[REFUSE_ACCESS] = "access",
	[REFUSE_PROXY] = "proxy",
};

const char *
refuse_reason_name(enum refuse_reason r)
{
	return refuse_names[r];
}

/*
 * The signals the supervisor acts on.  They stay blocked and are read from
 * a signalfd: no handler runs, so none is left for a child to undo.
 */
static const int handled[] = { SIGCHLD, SIGHUP, SIGTERM, SIGINT, SIGUSR1 };

/*
 * Blocks the handled signals, and SIGALRM, which only a session's deadline
 * sends, then sets every disposition to what a child needs: the session's
 * (session_signals(), which also turns SIGPIPE off: sends use MSG_NOSIGNAL,
 * and this covers a closed stderr) and the defaults.  A blocked signal is
 * queued for the signalfd whatever its disposition.
 */
static int
install_signals(struct supervisor *sv)
{
	sigset_t	block;
	size_t		i;

	sigemptyset(&block);
	for (i = 0; i < sizeof(handled) / sizeof(handled[0]); i++)
		sigaddset(&block, handled[i]);
	sigaddset(&block, SIGALRM);
	sigprocmask(SIG_BLOCK, &block, NULL);
	sigdelset(&block, SIGALRM);
	if ((sv->sigfd = signalfd(-1, &block, SFD_NONBLOCK | SFD_CLOEXEC)) == -1)
		return -1;
	for (i = 0; i < sizeof(handled) / sizeof(handled[0]); i++)
		signal(handled[i], SIG_DFL);
	session_signals();
	return 0;
}

/* Notes what the signalfd holds; ppoll found it readable, so one read. */
static void
read_signals(struct supervisor *sv)
{
	struct signalfd_siginfo	si[8];
	struct signals		*got = &sv->live->got;
	ssize_t			 n, i;

	n = read(sv->sigfd, si, sizeof(si));
	for (i = 0; i < n / (ssize_t)sizeof(si[0]); i++) {
		switch (si[i].ssi_signo) {
		case SIGCHLD:
			got->chld = 1;
			break;
		case SIGHUP:
			got->hup = 1;
			break;
		case SIGTERM:
		case SIGINT:
			got->term = 1;
			break;
		case SIGUSR1:
			got->usr1 = 1;
			break;
		}
	}
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
		n += sv->live->count.refused[i];
	return n;
}

/* What -d means: debug lines to stderr, whatever the file says, on reload too. */
void
supervisor_debug(struct config *cf)
{
	cf->log_level = LOG_DEBUG;
	cf->log_target = LOG_TARGET_STDERR;
}

/* The filter is built once, when first needed; a child only loads it. */
static int
prepare_sandbox(struct supervisor *sv, const struct config *cf)
{
	if (cf->sandbox == SANDBOX_USE_OFF || sv->sandbox_ready)
		return 0;
	if (sandbox_prepare() == -1) {
		log_warnx("sandbox: cannot build the seccomp filter");
		return -1;
	}
	sv->sandbox_ready = 1;
	sv->strict = sandbox_strict_possible();
	return 0;
}

/* Room to poll every listener and up to max-children pending headers. */
static int
grow_pollfds(struct supervisor *sv, size_t max_children)
{
	struct pollfd	*p;
	size_t		 cap = CONFIG_MAX_LISTEN + max_children + 1;

	if (cap <= sv->pfdcap)
		return 0;
	/* Written on every wakeup: keep it out of the children. */
	if ((p = mem_private(cap * sizeof(*p))) == NULL)
		return -1;
	mem_release(sv->pfd, sv->pfdcap * sizeof(*p));
	sv->pfd = p;
	sv->pfdcap = cap;
	return 0;
}

int
supervisor_init(struct supervisor *sv, struct config *cf,
    struct listeners *ls, const char *confpath, char *const *overrides,
    size_t noverrides, int foreground)
{
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
	sv->watchdog_ms = notify_watchdog_ms();
	if ((sv->live = mem_private(sizeof(*sv->live))) == NULL) {
		log_warn("supervisor state");
		return -1;
	}
	sv->live->reads_avg16 = READS_AVG16_START;
	if (supervisor_privileges(&sv->pd, cf) == -1)
		return -1;
	if (prepare_sandbox(sv, cf) == -1)
		return -1;
	if (srctable_init(&sv->live->sources, (size_t)cf->max_sources) == -1) {
		log_warn("source table");
		return -1;
	}
	if (outcomes_init(&sv->live->outcomes, CONFIG_MAX_CHILDREN) == -1) {
		log_warn("session outcomes");
		return -1;
	}
	if (grow_pollfds(sv, (size_t)cf->max_children) == -1) {
		log_warn("poll set");
		return -1;
	}
	return children_init(&sv->live->kids, (size_t)cf->max_children);
}

static int64_t
mono_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Creates the default chroot directory when it is missing, root-owned. */
static void
make_chroot_dir(const char *dir)
{
	char	parent[CONFIG_PATH_MAX], *slash;

	if (strcmp(dir, OKD_CHROOT) != 0 || access(dir, F_OK) == 0)
		return;
	strlcpy(parent, dir, sizeof(parent));
	if ((slash = strrchr(parent, '/')) != NULL && slash != parent) {
		*slash = '\0';
		mkdir(parent, 0755);
	}
	if (mkdir(dir, 0755) == 0)
		log_info("created the empty chroot directory %s", dir);
}

/*
 * When root: user and group names to ids and the chroot checked, once per
 * configuration, since a child in a chroot cannot read /etc/passwd.  Not
 * root (systemd's DynamicUser=yes): nothing to drop, pd stays empty.
 */
int
supervisor_privileges(struct privdrop *pd, const struct config *cf)
{
	const char	*err, *root = cf->chroot;

	memset(pd, 0, sizeof(*pd));
	if (geteuid() != 0)
		return 0;
	/* The journal is reached by path: from inside a chroot it is not. */
	if (strcmp(root, "none") != 0 &&
	    log_current_target() == LOG_TARGET_JOURNAL) {
		log_warnx("chroot %s not used: children log to the journal, which "
		    "a chroot cannot reach (log-target syslog or stderr keeps it)",
		    root);
		root = "none";
	}
	make_chroot_dir(root);
	if (privdrop_resolve(pd, cf->user, cf->group, root, &err) == -1) {
		log_errx("user %s, group %s, chroot %s: %s", cf->user, cf->group,
		    root, err);
		return -1;
	}
	return 0;
}

/* The reads of an ended session, into an average over about eight. */
static void
note_reads(struct supervisor_live *live, uint64_t reads)
{
	/* The child wrote it: bounded before it is scaled. */
	if (reads > 1000000)
		reads = 1000000;
	live->reads_avg16 = live->reads_avg16 - live->reads_avg16 / 8 +
	    reads * 2;
}

/*
 * Whether a child may enter strict mode at all: not when the
 * configuration names the filter, this process already has a filter, or
 * the child logs every read (debug), which strict mode forbids.
 */
static int
strict_allowed(const struct supervisor *sv)
{
	return sv->strict && !log_enabled(LOG_DEBUG) &&
	    sv->cf->sandbox != SANDBOX_USE_FILTER;
}

/* The box a child enters: with sandbox on, by session length as above. */
static enum sandbox_mode
child_sandbox(const struct supervisor *sv)
{
	if (!strict_allowed(sv))
		return SANDBOX_FILTER;
	if (sv->cf->sandbox == SANDBOX_USE_ON &&
	    sv->live->reads_avg16 > STRICT_MAX_READS * 16)
		return SANDBOX_FILTER;
	return SANDBOX_STRICT;
}

/* The calls a child's session makes: strict mode leaves only the plain. */
static enum session_calls
child_calls(const struct supervisor *sv, enum sandbox_mode box)
{
	if (box == SANDBOX_STRICT && sv->cf->sandbox != SANDBOX_USE_OFF)
		return SESSION_CALLS_PLAIN;
	return SESSION_CALLS_SOCKET;
}

/* For the startup line: how children are boxed in. */
const char *
supervisor_sandbox_name(const struct supervisor *sv)
{
	if (sv->cf->sandbox == SANDBOX_USE_OFF)
		return "off";
	if (!strict_allowed(sv))
		return "seccomp filter";
	if (sv->cf->sandbox == SANDBOX_USE_ON)
		return "seccomp strict mode for short sessions, the filter "
		    "for long ones and at first";
	return "seccomp strict mode";
}

/*
 * What a child starts from: a copy made on the process stack, since the
 * supervisor's own stack and private memory are not the child's
 * (altstack.c, mem.c); so the sandbox is chosen before the fork.
 */
struct child_args {
	struct supervisor	*sv;
	struct outcome		*o;		/* the figures, for the close line */
	int			 fd;
	enum sandbox_mode	 box;
	char			 peer[PEER_STRLEN];
};

_Static_assert(sizeof(struct child_args) <= ALTSTACK_ARG_MAX,
    "altstack_fork hands a child at most ALTSTACK_ARG_MAX bytes");

/*
 * In the child: drop the supervisor's state and privileges, get the
 * session ready, enter the sandbox, and only then read a byte; never
 * returns.
 */
static __dead void
child_start(const struct child_args *a)
{
	struct supervisor	*sv = a->sv;
	const char		*err, *peer = a->peer;
	struct outcome		*o = a->o;
	struct session_stats	 st;
	int			 fd = a->fd;
	size_t			 i;

	for (i = 0; i < sv->ls->n; i++)
		close(sv->ls->l[i].fd);
	for (i = 0; i < sv->pend.n; i++)
		close(sv->pend.p[i].fd);
	if (sv->pidfile_fd != -1)
		close(sv->pidfile_fd);
	close(sv->sigfd);
	/* Logging needs nothing redone: lines ask getpid(), syslog's and the
	 * journal's sockets are shared. */
	if (privdrop_apply(&sv->pd, &err) == -1) {
		log_errx("session peer=%s: dropping privileges: %s", peer, err);
		_exit(OKD_EXIT_FAILURE);
	}
	session_prepare(fd, peer, sv->cf);
	/*
	 * The dispositions are inherited (install_signals()).  SIGINT stays
	 * blocked: ^C on a terminal reaches the whole group, the supervisor
	 * drains and the sessions carry on.
	 */
	session_unblock(SIGINT);
	/* With the sandbox off the limits are best effort (valgrind refuses). */
	if ((sandbox_limits(0) == -1 && sv->cf->sandbox != SANDBOX_USE_OFF) ||
	    (sv->cf->sandbox != SANDBOX_USE_OFF &&
	    sandbox_enter(a->box) == -1)) {
		log_warn("session peer=%s: sandbox", peer);
		_exit(OKD_EXIT_FAILURE);
	}
	/*
	 * Counted on the stack, copied to the shared slot once: a page table
	 * page more touched at every read cost a long session about 1% in
	 * this VM (a forkmin variant touching one or two more).
	 */
	session_run(fd, sv->cf, child_calls(sv, a->box), &st);
	o->st = st;
	o->done = 1;
	sandbox_exit(st.end == SESSION_ERROR ? OKD_EXIT_FAILURE : OKD_EXIT_OK);
}

static void
child_entry(void *p)
{
	child_start(p);
}

/*
 * Turns a connection away without forking: counted, the refuse-message
 * tried once, and a log line at most once a second per reason.  via is the
 * proxy that passed it on, detail a reason from the PROXY parser; both may
 * be NULL.
 */
static void
refuse(struct supervisor *sv, int fd, const struct sockaddr *peer,
    const struct sockaddr *via, enum refuse_reason why, const char *detail)
{
	struct timespec	now;
	unsigned long	held;
	char		addr[PEER_STRLEN], proxy[ADDR_STRLEN + 8] = "";

	sv->live->count.refused[why]++;
	/* Best effort: never wait on a client we are turning away. */
	if (sv->cf->refuse_len > 0)
		(void)send(fd, sv->cf->refuse_msg, sv->cf->refuse_len,
		    MSG_DONTWAIT | MSG_NOSIGNAL);
	close(fd);
	clock_gettime(CLOCK_MONOTONIC, &now);
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

static void
log_accept(const struct supervisor *sv, const char *peer, const char *via,
    pid_t pid)
{
	char	spid[16], active[24];
	struct log_field f[] = {
		{ "peer", peer }, { "pid", spid }, { "active", active },
		{ "proxy", via },
	};

	snprintf(spid, sizeof(spid), "%ld", (long)pid);
	snprintf(active, sizeof(active), "%zu", sv->live->kids.count);
	log_event(LOG_INFO, "accept", f, sizeof(f) / sizeof(f[0]) -
	    (via == NULL));
}

static void
spawn(struct supervisor *sv, int fd, const struct sockaddr *sa,
    const struct sockaddr *via, struct srcent *src, const struct srckey *key)
{
	struct outcomes		*outs = &sv->live->outcomes;
	struct outcome		*o;
	struct child		 kid;
	struct child_args	 args;
	unsigned long		 held;
	char			 peer[PEER_STRLEN], proxy[ADDR_STRLEN];
	pid_t			 pid;

	peer_label(sa, sv->cf, peer, sizeof(peer));
	if (via != NULL)
		format_address(via, proxy, sizeof(proxy));
	/* Cannot fail: live children never outnumber the largest max-children. */
	o = outcomes_take(outs, peer, via != NULL ? proxy : NULL, &kid.outcome);
	if (o == NULL) {
		refuse(sv, fd, sa, via, REFUSE_MAX_CHILDREN, NULL);
		return;
	}
	/*
	 * The child's title is set here and inherited: formatting it in the
	 * child would cost the child about seven page faults of libc's
	 * printf code, this costs the supervisor one (README, Performance).
	 */
	setproctitle("session %s", peer);
	args.sv = sv;
	args.fd = fd;
	args.o = o;
	args.box = child_sandbox(sv);
	strlcpy(args.peer, peer, sizeof(args.peer));
	pid = altstack_fork(child_entry, &args, sizeof(args));
	if (pid != 0)
		setproctitle("%s", sv->status);
	if (pid == -1) {
		sv->live->count.fork_failures++;
		outcomes_give(outs, kid.outcome);
		close(fd);
		clock_gettime(CLOCK_MONOTONIC, &kid.start);
		if (log_limit(&sv->rl_fork, &kid.start, &held))
			log_warn("fork (%lu more not logged)", held);
		return;
	}
	close(fd);
	kid.pid = pid;
	kid.key = *key;
	clock_gettime(CLOCK_MONOTONIC, &kid.start);
	/* Cannot fail: the table holds max-children and we checked. */
	children_add(&sv->live->kids, &kid);
	srctable_hold(&sv->live->sources, src);
	sv->live->count.served++;
	if (log_enabled(LOG_INFO))
		log_accept(sv, peer, via != NULL ? proxy : NULL, pid);
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
		sv->live->count.accept_errors++;
		clock_gettime(CLOCK_MONOTONIC, &now);
		add_ms(&sv->backoff_until, &now, ACCEPT_BACKOFF_MS);
		errno = err;
		if (log_limit(&sv->rl_accept, &now, &held))
			log_warn("accept (pausing %dms; %lu more not logged)",
			    ACCEPT_BACKOFF_MS, held);
		return -1;
	}
}

/*
 * Decides on one accepted connection before any fork: access rules, the
 * global limit, the per-source limit, then the source's rate.
 */
static void
admit(struct supervisor *sv, int fd, const struct sockaddr *sa,
    const struct sockaddr *via)
{
	const struct config	*cf = sv->cf;
	struct srckey		 key;
	struct srcent		*src;
	int64_t			 now;

	if (cf->acl.n > 0 && acl_check(&cf->acl, sa) == ACL_DENY) {
		refuse(sv, fd, sa, via, REFUSE_ACCESS, NULL);
		return;
	}
	if (sv->live->kids.count >= (size_t)cf->max_children) {
		refuse(sv, fd, sa, via, REFUSE_MAX_CHILDREN, NULL);
		return;
	}
	cidr_group(sa, cf->prefix4, cf->prefix6, &key);
	now = mono_ms();
	/* NULL only if every entry had live children: max-sources >= max-children rules it out. */
	src = srctable_get(&sv->live->sources, &key, &cf->rate, now);
	if (src == NULL || src->live >= (uint32_t)cf->max_per_source) {
		refuse(sv, fd, sa, via, REFUSE_PER_SOURCE, NULL);
		return;
	}
	if (cf->rate.n > 0 && !bucket_take(&src->bucket, &cf->rate, now)) {
		refuse(sv, fd, sa, via, REFUSE_RATE, NULL);
		return;
	}
	spawn(sv, fd, sa, via, src, &key);
}

static int
proxy_allowed(const struct config *cf, const struct sockaddr *sa)
{
	size_t	i;

	for (i = 0; i < cf->nproxy_from; i++)
		if (cidr_match(&cf->proxy_from[i], sa))
			return 1;
	return 0;
}

/*
 * A connection to a proxy listener: only from proxy-from, and only while
 * children and pending headers together stay under max-children.  Its
 * header is then read in the loop, never waited for.
 */
static void
await_header(struct supervisor *sv, int fd, const struct sockaddr *sa,
    socklen_t len)
{
	const struct config	*cf = sv->cf;
	struct timespec		 now, dl;

	if (!proxy_allowed(cf, sa)) {
		refuse(sv, fd, sa, NULL, REFUSE_PROXY, "not in proxy-from");
		return;
	}
	if (sv->live->kids.count + sv->pend.n >= (size_t)cf->max_children) {
		refuse(sv, fd, sa, NULL, REFUSE_MAX_CHILDREN, NULL);
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	add_ms(&dl, &now, cf->proxy_timeout_ms);
	if (pendings_add(&sv->pend, (size_t)cf->max_children, fd, sa, len,
	    &dl) == -1)
		refuse(sv, fd, sa, NULL, REFUSE_MAX_CHILDREN, NULL);
}

/* The header of pending connection i has news: wait, admit or refuse. */
void
supervisor_proxy(struct supervisor *sv, size_t i)
{
	struct pending		*p = &sv->pend.p[i];
	struct sockaddr_storage	 real, via;
	int			 fd = p->fd, r;
	const char		*detail;

	if ((r = pending_read(p)) == PROXY_MORE)
		return;
	via = p->proxy;
	real = p->parser.result.local ? p->proxy : p->parser.result.src;
	detail = p->parser.detail != NULL ? p->parser.detail :
	    proxy_strerror(r);
	pendings_remove(&sv->pend, i);
	if (r != PROXY_DONE) {
		refuse(sv, fd, (struct sockaddr *)&via, NULL, REFUSE_PROXY,
		    detail);
		return;
	}
	/* The child reads with timeouts on a blocking socket. */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	admit(sv, fd, (struct sockaddr *)&real, (struct sockaddr *)&via);
}

/* Pending headers past proxy-timeout are refused. */
void
supervisor_expire(struct supervisor *sv, const struct timespec *now)
{
	struct sockaddr_storage	via;
	size_t			i;
	int			fd;

	for (i = sv->pend.n; i-- > 0;) {
		if (ms_until(now, &sv->pend.p[i].deadline) > 0)
			continue;
		fd = sv->pend.p[i].fd;
		via = sv->pend.p[i].proxy;
		pendings_remove(&sv->pend, i);
		refuse(sv, fd, (struct sockaddr *)&via, NULL, REFUSE_PROXY,
		    "header timeout");
	}
}

/*
 * How many more connections wait in fd's accept queue, up to a batch: the
 * accepts after the first take those and stop, rather than end on EAGAIN,
 * whose errno is a write to a page the last child shares.
 */
static int
queued(int fd)
{
	struct tcp_info	ti;
	socklen_t	len = sizeof(ti);

	/* On a listener the kernel gives the queue's length here. */
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == -1 ||
	    len < offsetof(struct tcp_info, tcpi_unacked) +
	    sizeof(ti.tcpi_unacked))
		return ACCEPT_BATCH - 1;
	return ti.tcpi_unacked < ACCEPT_BATCH - 1 ? (int)ti.tcpi_unacked :
	    ACCEPT_BATCH - 1;
}

/* Drains a ready listener: accept, then refuse or fork, up to a batch. */
void
supervisor_accept(struct supervisor *sv, const struct listener *l)
{
	struct sockaddr_storage	ss;
	socklen_t		len;
	int			fd, i, n = ACCEPT_BATCH;

	for (i = 0; i < n; i++) {
		/* After the first, only as many as the queue holds. */
		if (i == 1 && (n = 1 + queued(l->fd)) == 1)
			return;
		len = sizeof(ss);
		fd = accept4(l->fd, (struct sockaddr *)&ss, &len, SOCK_CLOEXEC |
		    (l->proxy ? SOCK_NONBLOCK : 0));
		if (fd == -1) {
			if (accept_failed(sv, errno) == -1)
				return;
			continue;
		}
		sv->live->count.accepted++;
		if (l->proxy)
			await_header(sv, fd, (struct sockaddr *)&ss, len);
		else
			admit(sv, fd, (struct sockaddr *)&ss, NULL);
		/* overload defer: leave the rest in the kernel's backlog. */
		if (sv->cf->overload == OVERLOAD_DEFER &&
		    sv->live->kids.count >= (size_t)sv->cf->max_children)
			return;
	}
}

/*
 * The close line of a child that reported its session; the supervisor
 * writes it, the child having neither clock nor log in its box.  The names
 * are the accept line's; the figures are copied out of the shared slot.
 */
static void
log_outcome(const struct supervisor *sv, const struct child *kid,
    const struct timespec *now)
{
	const struct outcomes		*outs = &sv->live->outcomes;
	const struct outcome_origin	*org = &outs->origin[kid->outcome];
	struct session_stats		 st = outs->shared[kid->outcome].st;

	session_log_close(org->peer, org->proxy[0] != '\0' ? org->proxy :
	    NULL, kid->pid, &kid->start, now, &st);
}

/* An exited child, counted; a line if it failed, at most one a second. */
static void
child_ended(struct supervisor *sv, const struct child *kid, int st,
    const struct timespec *now)
{
	const struct outcome	*o = &sv->live->outcomes.shared[kid->outcome];
	unsigned long		 held;
	long			 pid = (long)kid->pid;

	if (o->done) {
		log_outcome(sv, kid, now);
		note_reads(sv->live, o->st.reads);
	}
	outcomes_give(&sv->live->outcomes, kid->outcome);
	if (sandbox_violation(st))
		sv->live->count.violations++;
	if (WIFSIGNALED(st))
		sv->live->count.signaled++;
	else if (WIFEXITED(st) && WEXITSTATUS(st) != 0)
		sv->live->count.failed++;
	else
		return;
	if (!log_limit(&sv->rl_child, now, &held))
		return;
	if (sandbox_violation(st))
		log_warnx("child pid=%ld sandbox violation: a forbidden system "
		    "call (its number is in the kernel's audit log, "
		    "type=1326); %lu more not logged", pid, held);
	else if (WIFSIGNALED(st))
		log_warnx("child pid=%ld killed by signal %d (%s); %lu more "
		    "not logged", pid, WTERMSIG(st), strsignal(WTERMSIG(st)),
		    held);
	else
		log_warnx("child pid=%ld exited with status %d; %lu more not "
		    "logged", pid, WEXITSTATUS(st), held);
}

/* Collects every exited child; none is left a zombie after a pass. */
void
supervisor_reap(struct supervisor *sv)
{
	struct child	kid;
	struct timespec	now;
	pid_t		pid;
	int		st;

	clock_gettime(CLOCK_MONOTONIC, &now);
	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		if (children_remove(&sv->live->kids, pid, &kid) == -1)
			continue;
		srctable_release(&sv->live->sources, &kid.key);
		child_ended(sv, &kid, st, &now);
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
	struct privdrop	 pd;
	struct srctable	 sources;
	size_t		 cap;
	int		 resize;

	notify_reloading();
	log_info("reloading %s", sv->confpath);
	memset(&sources, 0, sizeof(sources));
	if ((next = malloc(sizeof(*next))) == NULL) {
		log_warn("reload");
		notify_ready();
		return;
	}
	/* Each step below logs its own cause; the *_sys ones add errno. */
	if (config_load(next, sv->confpath, sv->overrides,
	    sv->noverrides) == -1)
		goto fail;
	if (sv->debug)
		supervisor_debug(next);
	if (supervisor_privileges(&pd, next) == -1 ||
	    prepare_sandbox(sv, next) == -1)
		goto fail;
	cap = (size_t)next->max_children;
	if ((cap > sv->live->kids.cap &&
	    children_resize(&sv->live->kids, cap) == -1) ||
	    grow_pollfds(sv, cap) == -1)
		goto fail_sys;
	resize = next->max_sources != sv->cf->max_sources;
	if (resize && (srctable_init(&sources, (size_t)next->max_sources) ==
	    -1 || srctable_copy(&sources, &sv->live->sources) == -1))
		goto fail_sys;
	if (listeners_update(sv->ls, next) == -1)
		goto fail;
	if (resize) {
		srctable_free(&sv->live->sources);
		sv->live->sources = sources;
	}
	sv->pd = pd;
	*sv->cf = *next;
	session_load(sv->cf);
	if (cap < sv->live->kids.cap)
		children_resize(&sv->live->kids, cap);
	log_init(sv->cf->log_target, sv->cf->log_level, sv->foreground);
	sv->live->count.reloads++;
	log_info("reloaded: %zu listeners, max-children %d", sv->ls->n,
	    sv->cf->max_children);
	goto done;
fail_sys:
	log_warn("reload failed: keeping the running configuration");
	goto cleanup;
fail:
	log_warnx("reload failed: keeping the running configuration");
cleanup:
	srctable_free(&sources);
done:
	free(next);
	notify_ready();
}

static void
report(const struct supervisor *sv)
{
	log_always("stats active=%zu accepted=%llu served=%llu refused=%llu "
	    "refused-max-children=%llu refused-per-source=%llu "
	    "refused-rate=%llu refused-access=%llu refused-proxy=%llu "
	    "pending=%zu sources=%zu "
	    "fork-failures=%llu accept-errors=%llu "
	    "signaled=%llu violations=%llu failed=%llu reloads=%llu",
	    sv->live->kids.count, (unsigned long long)sv->live->count.accepted,
	    (unsigned long long)sv->live->count.served,
	    (unsigned long long)refused_total(sv),
	    (unsigned long long)sv->live->count.refused[REFUSE_MAX_CHILDREN],
	    (unsigned long long)sv->live->count.refused[REFUSE_PER_SOURCE],
	    (unsigned long long)sv->live->count.refused[REFUSE_RATE],
	    (unsigned long long)sv->live->count.refused[REFUSE_ACCESS],
	    (unsigned long long)sv->live->count.refused[REFUSE_PROXY],
	    sv->pend.n, sv->live->sources.used,
	    (unsigned long long)sv->live->count.fork_failures,
	    (unsigned long long)sv->live->count.accept_errors,
	    (unsigned long long)sv->live->count.signaled,
	    (unsigned long long)sv->live->count.violations,
	    (unsigned long long)sv->live->count.failed,
	    (unsigned long long)sv->live->count.reloads);
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
	add_ms(&sv->drain_deadline, now, sv->cf->shutdown_grace_ms);
	if (sv->live->kids.count > 0)
		notify_extend((uint64_t)(sv->cf->shutdown_grace_ms +
		    KILL_GRACE_MS + 1000) * 1000);
}

/* Past the grace, SIGTERM the rest; past that, SIGKILL.  Returns 1 when done. */
static int
drain_step(struct supervisor *sv, const struct timespec *now)
{
	if (sv->live->kids.count == 0)
		return 1;
	if (ms_until(now, &sv->drain_deadline) > 0)
		return 0;
	if (!sv->killed) {
		log_info("grace over: stopping %zu children", sv->live->kids.count);
		children_kill(&sv->live->kids, SIGTERM);
		add_ms(&sv->drain_deadline, now, KILL_GRACE_MS);
		sv->killed = 1;
	} else if (sv->killed == 1) {
		log_warnx("killing %zu children", sv->live->kids.count);
		children_kill(&sv->live->kids, SIGKILL);
		add_ms(&sv->drain_deadline, now, KILL_GRACE_MS);
		sv->killed = 2;
	}
	return 0;
}

/*
 * The title and STATUS= when the figures changed, at most once a second:
 * the title lives in a stack page, and each write of it after a fork
 * would leave every live child a private copy.
 */
static void
show_load(struct supervisor *sv, const struct timespec *now)
{
	char	buf[sizeof(sv->status)], part[48];
	size_t	i;
	int	first = 1;

	if (ms_until(&sv->status_at, now) < STATUS_EVERY_MS)
		return;
	snprintf(buf, sizeof(buf), "%zu active, %llu served, %llu refused",
	    sv->live->kids.count, (unsigned long long)sv->live->count.served,
	    (unsigned long long)refused_total(sv));
	/* Refusals by reason, those that happened: "(5 per-source, 2 rate)". */
	for (i = 0; i < REFUSE_NREASONS; i++) {
		if (sv->live->count.refused[i] == 0)
			continue;
		snprintf(part, sizeof(part), "%s%llu %s", first ? " (" : ", ",
		    (unsigned long long)sv->live->count.refused[i],
		    refuse_reason_name(i));
		strlcat(buf, part, sizeof(buf));
		first = 0;
	}
	if (!first)
		strlcat(buf, ")", sizeof(buf));
	sv->live->changed = 0;
	if (strcmp(buf, sv->status) == 0)
		return;
	strlcpy(sv->status, buf, sizeof(sv->status));
	setproctitle("%s", buf);
	notify_status(buf);
	sv->status_at = *now;
}

/* The listeners to poll now: none while resting or draining. */
size_t
supervisor_pollset(const struct supervisor *sv, struct pollfd *pfd,
    const struct timespec *now)
{
	size_t	i;

	if (sv->draining || ms_until(now, &sv->backoff_until) > 0)
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

/* How long ppoll may sleep: until the next deadline of any kind. */
static int64_t
next_wakeup(const struct supervisor *sv, const struct timespec *now)
{
	int64_t	ms = -1, t;
	size_t	i;

	if (ms_until(now, &sv->backoff_until) > 0)
		ms = ms_until(now, &sv->backoff_until);
	if (sv->draining && sv->killed < 2) {
		t = ms_until(now, &sv->drain_deadline);
		ms = ms == -1 || t < ms ? t : ms;
	}
	if (sv->live->changed) {
		t = STATUS_EVERY_MS - ms_until(&sv->status_at, now);
		ms = ms == -1 || t < ms ? t : ms;
	}
	if (sv->watchdog_ms > 0) {
		t = sv->watchdog_ms - ms_until(&sv->watchdog_at, now);
		ms = ms == -1 || t < ms ? t : ms;
	}
	for (i = 0; i < sv->pend.n; i++) {
		t = ms_until(now, &sv->pend.p[i].deadline);
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
	if (sv->live->got.chld) {
		sv->live->got.chld = 0;
		supervisor_reap(sv);
		sv->live->changed = 1;
	}
	if (sv->live->got.term) {
		sv->live->got.term = 0;
		if (!sv->draining)
			drain_begin(sv, now);
	}
	if (sv->live->got.hup) {
		sv->live->got.hup = 0;
		if (!sv->draining)
			reload(sv);
	}
	if (sv->live->got.usr1) {
		sv->live->got.usr1 = 0;
		report(sv);
	}
}

/* The loop, on the supervisor's own stack (altstack.c). */
static int
run_loop(void *arg)
{
	struct supervisor	*sv = arg;
	struct pollfd		*pfd;
	struct timespec		 now, ts;
	size_t			 n, np, i;
	int64_t			 ms;

	if (install_signals(sv) == -1) {
		log_warn("signalfd");
		return OKD_EXIT_OSERR;
	}
	notify_ready();
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		handle_signals(sv, &now);
		if (sv->draining && drain_step(sv, &now))
			break;
		watchdog(sv, &now);
		show_load(sv, &now);
		supervisor_expire(sv, &now);
		pfd = sv->pfd;
		n = supervisor_pollset(sv, pfd, &now);
		for (np = 0; np < sv->pend.n; np++) {
			pfd[n + np].fd = sv->pend.p[np].fd;
			pfd[n + np].events = POLLIN;
			pfd[n + np].revents = 0;
		}
		pfd[n + np].fd = sv->sigfd;
		pfd[n + np].events = POLLIN;
		pfd[n + np].revents = 0;
		ms = next_wakeup(sv, &now);
		ts.tv_sec = ms / 1000;
		ts.tv_nsec = (ms % 1000) * 1000000;
		/*
		 * Signals stay blocked in ppoll and wake it through the
		 * signalfd: a handler run inside ppoll would make it fail with
		 * EINTR, and errno's page, written after a fork, is copied
		 * for nothing while the new child lives.
		 */
		if (ppoll(pfd, n + np + 1, ms == -1 ? NULL : &ts, NULL) <= 0)
			continue;
		if (pfd[n + np].revents != 0)
			read_signals(sv);
		/* Signals first: a SIGTERM must not be followed by a batch. */
		if (sv->live->got.chld || sv->live->got.hup ||
		    sv->live->got.term || sv->live->got.usr1)
			continue;
		/* Backwards: handling entry i may move the last one into it. */
		for (i = np; i-- > 0;)
			if (pfd[n + i].revents != 0)
				supervisor_proxy(sv, i);
		for (i = 0; i < n; i++)
			if (pfd[i].revents & (POLLIN | POLLERR | POLLHUP))
				supervisor_accept(sv, &sv->ls->l[i]);
		sv->live->changed = 1;
	}
	log_info("stopped: served %llu", (unsigned long long)sv->live->count.served);
	supervisor_free(sv);
	return OKD_EXIT_OK;
}

/*
 * Runs until a drain completes; returns the exit status.  Forks are made
 * with _Fork, not fork(3): fork also resets glibc's and ld.so's locks in
 * the child (three page faults there), which only a process with more than
 * one thread needs, and runs fork handlers, which okd does not register.
 * okd has one thread.
 */
int
supervisor_run(struct supervisor *sv)
{
	mem_prepare_forks();
	return altstack_run(run_loop, sv);
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
