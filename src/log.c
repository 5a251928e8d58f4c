/* SPDX-License-Identifier: ISC */
/*
 * The one logging module.  Lines go to stderr, syslog or the journal; events
 * are a verb and key=value pairs, which the journal also gets as fields.
 */

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <bsd/stdlib.h>
#include <bsd/string.h>
#include <bsd/vis.h>

#include "log.h"

#define LOG_LINE_MAX	1024
#define LOG_FIELDS_MAX	16

static enum log_target	log_to = LOG_TARGET_STDERR;
static int		log_level = LOG_INFO;

/*
 * Where stderr lines go, so that a write never waits: a descriptor of the
 * same pipe or terminal opened non-blocking (its own open file, so the
 * flags of the one okd was given, which others share, stay as they were),
 * or stderr itself, sent to with MSG_DONTWAIT when it is a socket.
 */
static int		err_fd = STDERR_FILENO;
static int		err_sock;
static int		err_bare;	/* the journal's stream adds its own prefix */
static dev_t		err_dev;	/* what fd 2 was when err_fd was made */
static ino_t		err_ino;
static int		err_known;	/* err_dev and err_ino are set */
static uint64_t		dropped;	/* lines a full sink lost */
static uint64_t		dropped_told;	/* of those, already reported */
static int		startup;	/* start-up: errors also go to stderr */

/*
 * syslog(3) and sd_journal_sendv(3) send on a blocking datagram socket (and
 * the journal's is opened lazily, which a child's seccomp box forbids), so a
 * stalled reader would stall the supervisor: okd sends the datagrams itself
 * on a socket opened at log_init, with MSG_DONTWAIT, dropping and counting.
 */
static int		sink_fd = -1;
#define SYSLOG_PATH	"/dev/log"
#define JOURNAL_PATH	"/run/systemd/journal/socket"

static int	stderr_is_journal(void);

/* Opens the non-blocking way to stderr, once; notes whether it is the journal's. */
static void
stderr_prepare(void)
{
	struct stat	st;
	int		fd;

	if (fstat(STDERR_FILENO, &st) == -1)
		return;
	/* Still the same stderr: what was found out about it holds. */
	if (err_known && st.st_dev == err_dev && st.st_ino == err_ino)
		return;
	err_known = 1;
	err_bare = stderr_is_journal();
	if (err_fd != STDERR_FILENO)
		(void)close(err_fd);
	err_fd = STDERR_FILENO;
	err_sock = 0;
	err_dev = st.st_dev;
	err_ino = st.st_ino;
	if (S_ISSOCK(st.st_mode)) {
		err_sock = 1;
		return;
	}
	if (!S_ISFIFO(st.st_mode) && !S_ISCHR(st.st_mode))
		return;
	/* /proc/self/fd opens the object itself: a new open file description. */
	if ((fd = open("/proc/self/fd/2", O_WRONLY | O_NONBLOCK | O_CLOEXEC |
	    O_NOCTTY)) != -1)
		err_fd = fd;
}

/*
 * okd replaces its stderr only when it detaches; learning what the new one
 * is there, not on every line, keeps an fstat(2) out of each line.
 */
void
log_stderr_replaced(void)
{
	stderr_prepare();
}

uint64_t
log_dropped(void)
{
	return dropped;
}

/* One write that never waits; 0, or -1 when the sink is full or gone. */
static int
write_nowait(const char *buf, size_t len)
{
	ssize_t	n;

	if (err_sock)
		n = send(STDERR_FILENO, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	else
		n = write(err_fd, buf, len);
	return n == (ssize_t)len ? 0 : -1;
}

/*
 * The journal is the target when systemd says our stderr is its stream:
 * JOURNAL_STREAM holds "device:inode" of that stream.
 */
static int
stderr_is_journal(void)
{
	const char		*e;
	struct stat		 st;
	unsigned long long	 dev, ino;

	if ((e = getenv("JOURNAL_STREAM")) == NULL)
		return 0;
	/*
	 * A number too big for sscanf only fails the dev/ino comparison
	 * below, which is the answer for a stream that is not ours.
	 */
	if (sscanf(e, "%llu:%llu", &dev, &ino) != 2)	/* NOLINT(cert-err34-c) */
		return 0;
	if (fstat(STDERR_FILENO, &st) == -1)
		return 0;
	return st.st_dev == dev && st.st_ino == ino;
}

/* A datagram socket connected to path; -1 when there is none to connect to. */
static int
sink_open(const char *path)
{
	struct sockaddr_un	sun;
	int			fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path))
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		(void)close(fd);
		return -1;
	}
	return fd;
}

/* One datagram that never waits; 0, or -1 (counted) when it cannot go now. */
static int
sink_send(const char *buf, size_t len)
{
	if (sink_fd == -1 ||
	    send(sink_fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL) == -1) {
		dropped++;
		return -1;
	}
	return 0;
}

/* What "auto" means here: journal, then a terminal, else syslog. */
enum log_target
log_target_resolve(enum log_target t, int foreground)
{
	if (t != LOG_TARGET_AUTO)
		return t;
	if (stderr_is_journal())
		return LOG_TARGET_JOURNAL;
	if (foreground && isatty(STDERR_FILENO))
		return LOG_TARGET_STDERR;
	return LOG_TARGET_SYSLOG;
}

enum log_target
log_current_target(void)
{
	return log_to;
}

void
log_init(enum log_target t, int level, int foreground)
{
	if (sink_fd != -1) {
		(void)close(sink_fd);
		sink_fd = -1;
	}
	log_to = log_target_resolve(t, foreground);
	log_level = level;
	stderr_prepare();
	/* Time zone read now: a sandboxed child cannot open it later. */
	tzset();
	if (log_to == LOG_TARGET_SYSLOG)
		sink_fd = sink_open(SYSLOG_PATH);
	else if (log_to == LOG_TARGET_JOURNAL)
		sink_fd = sink_open(JOURNAL_PATH);
}

int
log_fd(void)
{
	return sink_fd;
}

void
log_startup(int on)
{
	startup = on;
}

void
log_setlevel(int level)
{
	log_level = level;
}

int
log_enabled(int level)
{
	return level <= log_level;
}

/* Appends "KEY=value\n" to b, a newline in the value made a space; returns the new length. */
static size_t
jfield(char *b, size_t sz, size_t off, const char *key, const char *val,
    int upper)
{
	size_t	start = off;
	char	c;

	for (; *key != '\0' && off + 1 < sz; key++) {
		c = *key;
		if (upper && c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		b[off++] = c;
	}
	if (off + 1 < sz)
		b[off++] = '=';
	for (; *val != '\0' && off + 1 < sz; val++) {
		c = *val;
		if (c == '\n')
			c = ' ';
		b[off++] = c;
	}
	if (off + 1 >= sz)
		return start;	/* no room: the field is left out whole */
	b[off++] = '\n';
	return off;
}

/*
 * The journal gets each pair as its own OKD_KEY=value field, in its native
 * protocol.  Kept out of log_emit (noinline) so the common stderr path stays
 * shallow: every stack page the supervisor writes costs each live child a copy.
 */
static __attribute__((noinline)) void
emit_journal(int level, const char *msg, const struct log_field *f,
    size_t n)
{
	char	b[LOG_LINE_MAX * 3];
	char	key[64], pri[4];
	size_t	i, off = 0;

	(void)snprintf(pri, sizeof(pri), "%d", level & 7);
	off = jfield(b, sizeof(b), off, "PRIORITY", pri, 0);
	off = jfield(b, sizeof(b), off, "SYSLOG_IDENTIFIER", getprogname(), 0);
	for (i = 0; i < n && i < LOG_FIELDS_MAX; i++) {
		(void)snprintf(key, sizeof(key), "OKD_%s", f[i].key);
		off = jfield(b, sizeof(b), off, key, f[i].value, 1);
	}
	/* MESSAGE last: it may be long and must not steal a field's room. */
	off = jfield(b, sizeof(b), off, "MESSAGE", msg, 0);
	(void)sink_send(b, off);
}

/* One syslog datagram: "<pri>Mmm dd hh:mm:ss okd[pid]: msg". */
static void
emit_syslog(int level, const char *msg)
{
	char		b[LOG_LINE_MAX + 96], ts[32];
	struct tm	tm;
	time_t		now = time(NULL);
	int		len;

	if (localtime_r(&now, &tm) == NULL ||
	    strftime(ts, sizeof(ts), "%b %e %H:%M:%S", &tm) == 0)
		ts[0] = '\0';
	len = snprintf(b, sizeof(b), "<%d>%s %s[%ld]: %s", LOG_DAEMON | (level & 7),
	    ts, getprogname(), (long)getpid(), msg);
	if (len < 0)
		return;
	(void)sink_send(b, (size_t)len >= sizeof(b) ? sizeof(b) - 1 : (size_t)len);
}

/* Lines a full socket sink lost are told of once it takes lines again. */
static int
sink_tell_dropped(void)
{
	char		note[128];
	uint64_t	before;

	if (dropped <= dropped_told)
		return 0;
	(void)snprintf(note, sizeof(note), "%llu log lines dropped: the log "
	    "sink did not keep up", (unsigned long long)(dropped - dropped_told));
	before = dropped;
	if (log_to == LOG_TARGET_JOURNAL)
		emit_journal(LOG_WARNING, note, NULL, 0);
	else
		emit_syslog(LOG_WARNING, note);
	if (dropped != before)
		return -1;
	dropped_told = dropped;
	return 0;
}

/* One line to stderr in one write(2): no stdio buffers, no locks. */
static void
emit_stderr(const char *msg)
{
	char	line[LOG_LINE_MAX + 64];
	int	len;

	/* Asked each time: a child writes no page to learn its new pid. */
	if (err_bare)
		len = snprintf(line, sizeof(line), "%s\n", msg);
	else
		len = snprintf(line, sizeof(line), "%s[%ld]: %s\n",
		    getprogname(), (long)getpid(), msg);
	if (len < 0)
		return;
	if ((size_t)len >= sizeof(line)) {
		len = sizeof(line) - 1;
		line[len - 1] = '\n';
	}
	/* Lines lost to a full sink are told of once it takes lines again. */
	if (dropped > dropped_told) {
		char	note[128];
		int	n;

		n = snprintf(note, sizeof(note), "%s[%ld]: %llu log lines "
		    "dropped: the log sink did not keep up\n", getprogname(),
		    (long)getpid(), (unsigned long long)(dropped - dropped_told));
		if (n < 0 || write_nowait(note, (size_t)n) == -1) {
			dropped++;
			return;
		}
		dropped_told = dropped;
	}
	/* A failing stderr has nowhere to report its failure: count it. */
	if (write_nowait(line, (size_t)len) == -1)
		dropped++;
}

static void
log_emit(int level, const char *msg, const struct log_field *f, size_t n)
{
	int	saved = errno;

	switch (log_to) {
	case LOG_TARGET_SYSLOG:
		if (sink_tell_dropped() == 0)
			emit_syslog(level, msg);
		else
			dropped++;
		break;
	case LOG_TARGET_JOURNAL:
		if (sink_tell_dropped() == 0)
			emit_journal(level, msg, f, n);
		else
			dropped++;
		break;
	default:
		emit_stderr(msg);
		break;
	}
	/* At start-up a failure also says why where the operator looks. */
	if (startup && log_to != LOG_TARGET_STDERR && level <= LOG_WARNING) {
		if (!err_sock)
			emit_stderr(msg);
	}
	/* Only if changed: errno's page, written after a fork, is copied. */
	if (errno != saved)
		errno = saved;
}

static void
log_vmsg(int level, const char *fmt, va_list ap)
{
	char	msg[LOG_LINE_MAX];

	if (!log_enabled(level))
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	log_emit(level, msg, NULL, 0);
}

/* "verb k=v k=v": one line for people, the same pairs as fields for the journal. */
void
log_event(int level, const char *verb, const struct log_field *f, size_t n)
{
	char	msg[LOG_LINE_MAX];
	size_t	len, i;

	if (!log_enabled(level))
		return;
	len = strlcpy(msg, verb, sizeof(msg));
	for (i = 0; i < n && len < sizeof(msg); i++) {
		int r = snprintf(msg + len, sizeof(msg) - len, " %s=%s",
		    f[i].key, f[i].value);
		if (r < 0)
			break;
		len += (size_t)r;
	}
	log_emit(level, msg, f, n);
}

void
log_debug(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vmsg(LOG_DEBUG, fmt, ap);
	va_end(ap);
}

/* Written whatever log-level says: the answer to an operator's SIGUSR1. */
void
log_always(const char *fmt, ...)
{
	char	msg[LOG_LINE_MAX];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_emit(LOG_NOTICE, msg, NULL, 0);
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vmsg(LOG_INFO, fmt, ap);
	va_end(ap);
}

void
log_notice(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vmsg(LOG_NOTICE, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vmsg(LOG_WARNING, fmt, ap);
	va_end(ap);
}

void
log_errx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vmsg(LOG_ERR, fmt, ap);
	va_end(ap);
}

/* Like log_warnx, with ": strerror(errno)" appended. */
void
log_warn(const char *fmt, ...)
{
	char	msg[LOG_LINE_MAX];
	va_list	ap;
	int	saved = errno;

	if (!log_enabled(LOG_WARNING))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_warnx("%s: %s", msg, strerror(saved));
	errno = saved;
}

void
fatal(const char *fmt, ...)
{
	char	msg[LOG_LINE_MAX];
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_errx("fatal: %s: %s", msg, strerror(saved));
	exit(OKD_EXIT_FAILURE);
}

void
fatalx(const char *fmt, ...)
{
	char	msg[LOG_LINE_MAX];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_errx("fatal: %s", msg);
	exit(OKD_EXIT_FAILURE);
}

/*
 * Returns 1 when a line may be written now (at most one a second) and hands
 * back how many were held back since the last one; 0 counts this one.
 */
int
log_limit(struct log_limiter *rl, const struct timespec *now,
    unsigned long *suppressed)
{
	if (rl->last.tv_sec != 0 && now->tv_sec - rl->last.tv_sec < 1 &&
	    !(now->tv_sec == rl->last.tv_sec + 1 &&
	    now->tv_nsec >= rl->last.tv_nsec)) {
		rl->suppressed++;
		return 0;
	}
	*suppressed = rl->suppressed;
	rl->suppressed = 0;
	rl->last = *now;
	return 1;
}

/*
 * Peer bytes for a log line: at most LOG_PEER_BYTES of them, made printable
 * with strnvisx (strnvis that counts, so a NUL byte shows rather than cuts),
 * so no control byte or quote reaches a terminal or a parser.
 */
size_t
log_escape(char *dst, size_t dstsz, const void *src, size_t len)
{
	size_t	n = len < LOG_PEER_BYTES ? len : LOG_PEER_BYTES;
	int	r;

	if (dstsz == 0)
		return 0;
	r = strnvisx(dst, dstsz, src, n, VIS_CSTYLE | VIS_TAB | VIS_NL |
	    VIS_OCTAL | VIS_DQ);
	return r < 0 ? strlen(dst) : (size_t)r;
}
