/* SPDX-License-Identifier: ISC */
/*
 * Helpers for integration tests: start build/okd with a config of the
 * test's, know it is ready from its READY=1 on a NOTIFY_SOCKET of ours,
 * and talk to it over loopback with every wait bounded.
 */

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "okdtest.h"

long
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
nap_ms(long ms)
{
	struct timespec	ts = { ms / 1000, (ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* A port the kernel just gave out and took back: free for a moment. */
int
okdtest_port(void)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);
	int			fd, port;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) == -1) {
		close(fd);
		return -1;
	}
	port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

void
okd_write_conf(struct okd_proc *p, const char *text)
{
	(void)write_whole(p->conf, text);
}

/*
 * Replaces path with text, readable by all (okd reads it as the user it
 * became): written aside and renamed, so a reader never sees half of it.
 * 0, or -1 with errno.
 */
int
write_whole(const char *path, const char *text)
{
	char	tmp[256];

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >=
	    sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (write_text(tmp, text) == -1)
		return -1;
	return rename(tmp, path);
}

/*
 * Writes text as the whole of path, in place: for files that cannot be
 * replaced, such as a cgroup's.  0, or -1 with errno.
 */
int
write_text(const char *path, const char *text)
{
	size_t	len = strlen(text);
	int	fd, r, saved;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644)) == -1)
		return -1;
	r = write(fd, text, len) == (ssize_t)len ? 0 : -1;
	saved = errno;
	close(fd);
	errno = saved;
	return r;
}

/*
 * Makes a pids cgroup of this process's own, named okd-TAG-PID, under the
 * v1 pids hierarchy or else the v2 one, its path in dir; -1 without one.
 */
int
pids_group(const char *tag, char *dir, size_t len)
{
	struct stat	st;

	if (stat("/sys/fs/cgroup/pids/cgroup.procs", &st) == 0)
		snprintf(dir, len, "/sys/fs/cgroup/pids/okd-%s-%ld", tag,
		    (long)getpid());
	else if (stat("/sys/fs/cgroup/cgroup.subtree_control", &st) == 0)
		snprintf(dir, len, "/sys/fs/cgroup/okd-%s-%ld", tag,
		    (long)getpid());
	else
		return -1;
	if (mkdir(dir, 0755) == -1 && errno != EEXIST)
		return -1;
	return 0;
}

/* Sends SIGHUP and waits for the reload's RELOADING=1 and READY=1; 0 or -1. */
int
okd_reload(struct okd_proc *p)
{
	if (kill(p->pid, SIGHUP) == -1)
		return -1;
	if (okd_wait_notify(p, "RELOADING=1", 5000) == -1)
		return -1;
	return okd_wait_notify(p, "READY=1", 5000);
}

/* A client from src that has had its OK: its descriptor, or -1. */
int
okd_served_from(struct okd_proc *p, const char *src)
{
	int	fd = tcp_connect_from(src, "127.0.0.1", p->port);

	if (fd == -1)
		return -1;
	if (roundtrip(fd, "x") == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Whether a client from src is turned away: closed with no reply. */
int
okd_refused_from(struct okd_proc *p, const char *src)
{
	int	fd = tcp_connect_from(src, "127.0.0.1", p->port), r;

	if (fd == -1)
		return 0;
	r = expect_eof(fd, 3000);
	close(fd);
	return r == 0;
}

/* The notify socket's reader: keeps every message, wakes waiters. */
static void *
notify_reader(void *arg)
{
	struct okd_proc	*p = arg;
	char		 buf[4096];
	ssize_t		 n;

	/* Ends when okd_cleanup shuts the socket down: recv returns 0. */
	while ((n = recv(p->notify_fd, buf, sizeof(buf) - 1, 0)) > 0) {
		buf[n] = '\0';
		pthread_mutex_lock(&p->lock);
		if (p->nmsgs < NOTIFY_MAX)
			p->msgs[p->nmsgs++] = strdup(buf);
		pthread_cond_broadcast(&p->cond);
		pthread_mutex_unlock(&p->lock);
	}
	return NULL;
}

static int
notify_open(struct okd_proc *p)
{
	struct sockaddr_un	sun;

	snprintf(p->notify_path, sizeof(p->notify_path), "%s/notify", p->dir);
	p->notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, p->notify_path, strlen(p->notify_path) + 1);
	if (bind(p->notify_fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		return -1;
	/* As systemd's: okd sends from its unprivileged supervisor. */
	if (chmod(p->notify_path, 0666) == -1)
		return -1;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	if (pthread_create(&p->reader, NULL, notify_reader, p) != 0)
		return -1;
	p->reading = 1;
	return 0;
}

/* Writes text with every "%PORT%" replaced by p->port. */
static void
write_with_port(struct okd_proc *p, const char *text)
{
	char		 conf[4096], portstr[16], *at;
	const char	*s;

	snprintf(portstr, sizeof(portstr), "%d", p->port);
	conf[0] = '\0';
	for (s = text; (at = strstr(s, "%PORT%")) != NULL; s = at + 6) {
		strncat(conf, s, (size_t)(at - s));
		strcat(conf, portstr);
	}
	strcat(conf, s);
	okd_write_conf(p, conf);
}

/*
 * Starts build/okd -D -f <conf with text> plus args, stderr to a log file,
 * and waits for READY=1.  "%PORT%" in text becomes a fresh port; should
 * another process take it first (okd says "Address already in use"), a
 * new one is tried, a few times at most.
 */
int
okd_start(struct okd_proc *p, const char *text, const char *const *args)
{
	return okd_start_opts(p, text, args, NULL);
}

/* As okd_start, with the limits and stderr of o (may be NULL). */
int
okd_start_opts(struct okd_proc *p, const char *text, const char *const *args,
    const struct okd_opts *o)
{
	int	try;

	memset(p, 0, sizeof(*p));
	p->pid = -1;
	p->notify_fd = -1;
	if (o != NULL) {
		p->nofile = o->nofile;
		p->err_fd = o->err_fd;
	}
	strcpy(p->dir, "/tmp/okdtest.XXXXXX");
	/* Readable by the user okd becomes, which reloads its file. */
	if (mkdtemp(p->dir) == NULL || chmod(p->dir, 0755) == -1)
		return -1;
	snprintf(p->conf, sizeof(p->conf), "%s/okd.conf", p->dir);
	snprintf(p->log, sizeof(p->log), "%s/okd.log", p->dir);
	if (notify_open(p) == -1)
		return -1;
	for (try = 0; try < 5; try++) {
		p->port = okdtest_port();
		write_with_port(p, text);
		if (okd_spawn(p, args) == -1)
			return -1;
		if (okd_wait_notify(p, "READY=1", 30000) == 0)
			return 0;
		if (p->pid != -1) {
			/* Alive but never ready: never leave it behind. */
			okd_stop(p);
			return -1;
		}
		if (strstr(text, "%PORT%") == NULL ||
		    okd_log_count(p, "Address already in use") == 0)
			return -1;
		if (truncate(p->log, 0) == -1)
			return -1;
	}
	return -1;
}

/*
 * Forks and execs build/okd -D -f conf args..., stderr to the log.
 * OKD_WRAPPER (e.g. "valgrind --trace-children=yes") goes in front.
 */
int
okd_spawn(struct okd_proc *p, const char *const *args)
{
	const char	*argv[96];
	const char	*bin = getenv("OKD_BIN") ? getenv("OKD_BIN") : "build/okd";
	static char	 wrap[1024];
	char		*w, *save = NULL;
	struct rlimit	 rl;
	size_t		 n = 0;
	int		 fd;

	if (getenv("OKD_WRAPPER") != NULL) {
		snprintf(wrap, sizeof(wrap), "%s", getenv("OKD_WRAPPER"));
		for (w = strtok_r(wrap, " ", &save); w != NULL && n < 30;
		    w = strtok_r(NULL, " ", &save))
			argv[n++] = w;
	}
	argv[n++] = bin;
	argv[n++] = "-D";
	argv[n++] = "-f";
	argv[n++] = p->conf;
	argv[n++] = "-o";
	argv[n++] = "log-target stderr";
	for (; args != NULL && *args != NULL && n < 94; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	if ((p->pid = fork()) == -1)
		return -1;
	if (p->pid == 0) {
		fd = p->err_fd > STDERR_FILENO ? p->err_fd :
		    open(p->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		dup2(fd, STDERR_FILENO);
		/* Inherited, and kept by the supervisor after it drops root. */
		if (p->nofile > 0) {
			rl.rlim_cur = rl.rlim_max = (rlim_t)p->nofile;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
		fd = open("/dev/null", O_RDONLY);
		dup2(fd, STDIN_FILENO);
		setenv("NOTIFY_SOCKET", p->notify_path, 1);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	return 0;
}

/*
 * Waits for a notify message containing want, newer than the last one
 * matched; -1 on time-out, or at once if okd exits.  Messages are matched
 * in order, so READY=1 after RELOADING=1 is the READY=1 of that reload.
 */
int
okd_wait_notify(struct okd_proc *p, const char *want, int timeout_ms)
{
	struct timespec	dl;
	long		end = now_ms() + timeout_ms;
	int		found = -1;

	pthread_mutex_lock(&p->lock);
	while (found == -1 && now_ms() < end) {
		for (; p->seen < p->nmsgs; p->seen++) {
			if (strstr(p->msgs[p->seen], want) != NULL) {
				p->seen++;
				found = 0;
				break;
			}
		}
		if (found == 0)
			break;
		/* Wake every 100 ms to notice an okd that died. */
		if (p->pid > 0 && waitpid(p->pid, NULL, WNOHANG) == p->pid) {
			p->pid = -1;
			break;
		}
		clock_gettime(CLOCK_REALTIME, &dl);
		dl.tv_nsec += 100 * 1000000L;
		if (dl.tv_nsec >= 1000000000L) {
			dl.tv_sec++;
			dl.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&p->cond, &p->lock, &dl);
	}
	pthread_mutex_unlock(&p->lock);
	return found;
}

/* How many notify messages so far contain want. */
int
okd_notify_count(struct okd_proc *p, const char *want)
{
	size_t	i;
	int	n = 0;

	pthread_mutex_lock(&p->lock);
	for (i = 0; i < p->nmsgs; i++)
		if (strstr(p->msgs[i], want) != NULL)
			n++;
	pthread_mutex_unlock(&p->lock);
	return n;
}

/* Waits for pid to exit, at most timeout_ms; its wait status or -1. */
int
okd_wait_exit(pid_t pid, int timeout_ms)
{
	long	end = now_ms() + timeout_ms;
	int	st;

	while (now_ms() < end) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return st;
		nap_ms(5);
	}
	return -1;
}

/* SIGTERM and wait; returns the wait status, or -1 if it would not stop. */
int
okd_stop(struct okd_proc *p)
{
	int	st;

	if (p->pid <= 0)
		return -1;
	kill(p->pid, SIGTERM);
	st = okd_wait_exit(p->pid, 15000);
	if (st == -1) {
		kill(p->pid, SIGKILL);
		okd_wait_exit(p->pid, 5000);
	}
	p->pid = -1;
	return st;
}

/* The whole log so far, NUL-terminated; the caller frees it. */
char *
okd_log_read(struct okd_proc *p)
{
	FILE	*fp;
	char	*buf;
	long	 n;

	if ((fp = fopen(p->log, "r")) == NULL)
		return strdup("");
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	buf = calloc(1, (size_t)n + 1);
	if (fread(buf, 1, (size_t)n, fp) != (size_t)n)
		buf[0] = '\0';
	fclose(fp);
	return buf;
}

int
okd_log_count(struct okd_proc *p, const char *needle)
{
	char	*log = okd_log_read(p), *s;
	int	 n = 0;

	for (s = log; (s = strstr(s, needle)) != NULL; s++)
		n++;
	free(log);
	return n;
}

/* Waits until the log holds needle; the log has no event to wait on. */
int
okd_log_wait(struct okd_proc *p, const char *needle, int timeout_ms)
{
	long	end = now_ms() + timeout_ms;

	while (now_ms() < end) {
		if (okd_log_count(p, needle) > 0)
			return 0;
		nap_ms(10);
	}
	return -1;
}

/* The value of key in the newest SIGUSR1 stats line. */
long
okd_stat(struct okd_proc *p, const char *key)
{
	char	*log, *line, *at, pat[64];
	long	 v = -1;
	int	 before = okd_log_count(p, "stats active=");
	long	 end = now_ms() + 3000;

	kill(p->pid, SIGUSR1);
	while (okd_log_count(p, "stats active=") == before && now_ms() < end)
		usleep(10000);
	log = okd_log_read(p);
	line = log;
	while ((at = strstr(line + 1, "stats active=")) != NULL)
		line = at;
	snprintf(pat, sizeof(pat), " %s=", key);
	if ((at = strstr(line, pat)) != NULL)
		v = strtol(at + strlen(pat), NULL, 10);
	free(log);
	return v;
}

/*
 * What must never appear in okd's log: a sanitizer report (from the
 * supervisor, or the start of one from a child), a child killed by the
 * sandbox or by a signal.
 */
static const char *const alarms[] = {
	"AddressSanitizer", "LeakSanitizer", "runtime error:",
	"sandbox violation", "killed by signal",
};

/* Stops okd and removes its files; -1 if its log holds an alarm. */
int
okd_cleanup(struct okd_proc *p)
{
	char	cmd[128], *log;
	size_t	i;
	int	bad = 0;

	if (p->pid > 0)
		okd_stop(p);
	if (p->notify_fd != -1)
		shutdown(p->notify_fd, SHUT_RDWR);
	if (p->reading)
		pthread_join(p->reader, NULL);
	if (p->notify_fd != -1)
		close(p->notify_fd);
	for (i = 0; i < p->nmsgs; i++)
		free(p->msgs[i]);
	if (p->log[0] != '\0') {
		log = okd_log_read(p);
		for (i = 0; i < sizeof(alarms) / sizeof(alarms[0]); i++) {
			if (strstr(log, alarms[i]) != NULL) {
				fprintf(stderr, "okd log %s holds \"%s\":\n%s\n",
				    p->log, alarms[i], log);
				bad = -1;
			}
		}
		free(log);
	}
	if (getenv("OKDTEST_KEEP") == NULL && p->dir[0] != '\0') {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", p->dir);
		if (bad == 0 && system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", p->dir);
	}
	return bad;
}

int
tcp_connect_from(const char *src, const char *ip, int port)
{
	struct sockaddr_in	sin;
	int			fd;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (src != NULL) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		inet_pton(AF_INET, src, &sin.sin_addr);
		if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
			close(fd);
			return -1;
		}
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, ip, &sin.sin_addr);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

int
tcp_connect(const char *ip, int port)
{
	return tcp_connect_from(NULL, ip, port);
}

/* Reads exactly n bytes within timeout_ms; 0, or -1 on EOF/error/time-out. */
int
read_exact(int fd, void *buf, size_t n, int timeout_ms)
{
	struct pollfd	 pfd = { fd, POLLIN, 0 };
	long		 end = now_ms() + timeout_ms;
	size_t		 got = 0;
	ssize_t		 r;
	int		 left;

	while (got < n) {
		left = (int)(end - now_ms());
		if (left <= 0 || poll(&pfd, 1, left) <= 0)
			return -1;
		r = recv(fd, (char *)buf + got, n - got, 0);
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

/* 0 when the peer closes (EOF or reset) within timeout_ms with no byte. */
int
expect_eof(int fd, int timeout_ms)
{
	struct pollfd	pfd = { fd, POLLIN, 0 };
	char		c;

	if (poll(&pfd, 1, timeout_ms) <= 0)
		return -1;
	return recv(fd, &c, 1, 0) <= 0 ? 0 : -1;
}

/* Sends msg and expects exactly "OK"; 0 on success. */
int
roundtrip(int fd, const char *msg)
{
	char	buf[2];

	if (send(fd, msg, strlen(msg), MSG_NOSIGNAL) != (ssize_t)strlen(msg))
		return -1;
	if (read_exact(fd, buf, 2, 5000) == -1)
		return -1;
	return memcmp(buf, "OK", 2) == 0 ? 0 : -1;
}

/* 1 if /proc/pid/maps names a file containing name, 0 if not, -1 on error. */
int
maps_has(pid_t pid, const char *name)
{
	char	 path[64], line[512];
	FILE	*fp;
	int	 found = 0;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	while (!found && fgets(line, sizeof(line), fp) != NULL)
		found = strstr(line, name) != NULL;
	fclose(fp);
	return found;
}

/* Children of ppid, from /proc; *zombies gets how many are zombies. */
int
count_children(pid_t ppid, int *zombies)
{
	DIR		*d;
	struct dirent	*e;
	char		 path[300], buf[512], *p, state;
	int		 n = 0, fd;
	long		 pp;
	ssize_t		 r;

	*zombies = 0;
	if ((d = opendir("/proc")) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		if ((fd = open(path, O_RDONLY)) == -1)
			continue;
		r = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (r <= 0)
			continue;
		buf[r] = '\0';
		/* After the last ')': " S ppid ..." */
		if ((p = strrchr(buf, ')')) == NULL ||
		    sscanf(p + 1, " %c %ld", &state, &pp) != 2)
			continue;
		if (pp != ppid)
			continue;
		n++;
		if (state == 'Z')
			(*zombies)++;
	}
	closedir(d);
	return n;
}

/*
 * Runs fn in a forked child whose stderr is a fresh unlinked file and
 * _exit()s with its result; what it wrote goes to out, NUL-terminated.
 * Returns the child's wait status, or -1.
 */
int
run_with_stderr(int (*fn)(void), char *out, size_t outsz)
{
	char	 path[] = "/tmp/okd-test-err-XXXXXX";
	ssize_t	 n;
	pid_t	 pid;
	int	 fd, st = -1;

	if (outsz == 0 || (fd = mkstemp(path)) == -1)
		return -1;
	(void)unlink(path);
	if ((pid = fork()) == 0) {
		if (dup2(fd, STDERR_FILENO) == -1)
			_exit(100);
		_exit(fn());
	}
	if (pid == -1 || waitpid(pid, &st, 0) != pid ||
	    (n = pread(fd, out, outsz - 1, 0)) == -1)
		st = -1;
	else
		out[n] = '\0';
	close(fd);
	return st;
}

/* Runs a shell command, its stdout into out; the exit status or -1. */
int
run_capture(const char *cmd, char *out, size_t outsz, int timeout_ms)
{
	int		 pfd[2], st;
	pid_t		 pid;
	size_t		 got = 0;
	ssize_t		 r;
	long		 end = now_ms() + timeout_ms;
	struct pollfd	 p;

	if (pipe(pfd) == -1)
		return -1;
	if ((pid = fork()) == 0) {
		dup2(pfd[1], STDOUT_FILENO);
		close(pfd[0]);
		close(pfd[1]);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	p.fd = pfd[0];
	p.events = POLLIN;
	while (now_ms() < end && got + 1 < outsz) {
		if (poll(&p, 1, (int)(end - now_ms())) <= 0)
			break;
		if ((r = read(pfd[0], out + got, outsz - 1 - got)) <= 0)
			break;
		got += (size_t)r;
	}
	out[got] = '\0';
	close(pfd[0]);
	if ((st = okd_wait_exit(pid, (int)(end - now_ms()) > 0 ?
	    (int)(end - now_ms()) : 1)) == -1) {
		kill(pid, SIGKILL);
		okd_wait_exit(pid, 2000);
		return -1;
	}
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/*
 * Copies the value of field name ("Uid", "Seccomp", ...) of
 * /proc/pid/status into v, blanks around it trimmed; 0, or -1.
 */
int
proc_status_field(pid_t pid, const char *name, char *v, size_t vlen)
{
	char	 path[64], line[512];
	FILE	*f;
	size_t	 len, nlen = strlen(name);
	int	 found = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, name, nlen) != 0 || line[nlen] != ':')
			continue;
		len = strlen(line);
		while (len > 0 && strchr("\n\t ", line[len - 1]) != NULL)
			line[--len] = '\0';
		snprintf(v, vlen, "%s", line + nlen + 1 +
		    strspn(line + nlen + 1, "\t "));
		found = 0;
	}
	fclose(f);
	return found;
}

/*
 * Fields 3 to n of /proc/PID/stat into v[3] to v[n] (v[0] to v[2] zero),
 * the state (field 3) as its character.  The name may hold spaces: fields
 * are counted after its ')'.  Returns 0, or -1 when pid is gone or shows
 * fewer fields.
 */
int
proc_stat(pid_t pid, unsigned long long *v, int n)
{
	char	 path[64], buf[2048], *s, *tok, *save;
	FILE	*f;
	int	 field = 3;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	s = fgets(buf, sizeof(buf), f) != NULL ? strrchr(buf, ')') : NULL;
	fclose(f);
	if (s == NULL)
		return -1;
	memset(v, 0, sizeof(*v) * (size_t)(n + 1));
	for (tok = strtok_r(s + 1, " \n", &save); tok != NULL && field <= n;
	    tok = strtok_r(NULL, " \n", &save), field++)
		v[field] = field == 3 ? (unsigned char)tok[0] :
		    strtoull(tok, NULL, 10);
	return field > n ? 0 : -1;
}

/* The pid of okd's newest child, from its last accept line; -1 if none. */
pid_t
okd_child_pid(struct okd_proc *p)
{
	char	*log = okd_log_read(p), *at, *last = NULL;
	pid_t	 pid = -1;

	for (at = log; at != NULL && (at = strstr(at, "accept peer=")) != NULL;
	    at++)
		last = at;
	if (last != NULL && (at = strstr(last, " pid=")) != NULL)
		pid = (pid_t)strtol(at + 5, NULL, 10);
	free(log);
	return pid;
}
