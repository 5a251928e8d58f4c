/* SPDX-License-Identifier: ISC */
/*
 * okd: options, configuration check and print, inetd mode, listeners,
 * pidfile and detaching; then the supervisor takes over.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bsd/libutil.h>
#include <bsd/unistd.h>
#include <systemd/sd-daemon.h>

#include "config.h"
#include "listener.h"
#include "log.h"
#include "peer.h"
#include "child.h"
#include "privdrop.h"
#include "sandbox.h"
#include "session.h"
#include "supervisor.h"

#define MAX_OVERRIDES	64

/* Static, not on main's stack, so the per-connection frames sit high. */
static struct config	 conf;
static struct listeners	 listeners;
static struct supervisor sv;
static char		*ov[MAX_OVERRIDES];
static char		 confpath[PATH_MAX];

/* path made absolute against the working directory, links left as they are. */
static int
absolute_path(const char *path, char *buf, size_t len)
{
	char	cwd[PATH_MAX];
	int	n;

	if (path[0] == '/')
		n = snprintf(buf, len, "%s", path);
	else if (getcwd(cwd, sizeof(cwd)) == NULL)
		return -1;
	else
		n = snprintf(buf, len, "%s/%s", cwd, path);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

static __dead void
usage(int status)
{
	fprintf(status == 0 ? stdout : stderr,
	    "usage: okd [-dDhitTV] [-f file] [-o 'keyword value'] ...\n");
	exit(status);
}

/* As root, the user and group to become: unknown names are config errors. */
static void
resolve_ids(struct privdrop *pd)
{
	const char	*err;

	if (privdrop_resolve(pd, conf.user, conf.group, &err) == -1) {
		log_errx("user %s, group %s: %s", conf.user, conf.group, err);
		exit(OKD_EXIT_CONFIG);
	}
}

/*
 * okd -i: one connection, already accepted: fd 3 from systemd (Accept=yes)
 * or fd 0 from inetd, xinetd or tcpserver.  Never binds, never forks; root
 * is given up first, then the same box as a forked child's.
 */
static __dead void
serve_inetd(void)
{
	struct sockaddr_storage	 ss;
	struct privdrop		 pd;
	struct session_stats	 st;
	struct timespec		 start, end;
	socklen_t		 len = sizeof(ss);
	const char		*err;
	char			 peer[PEER_STRLEN];
	int			 n, fd = STDIN_FILENO;

	if ((n = sd_listen_fds(1)) > 1) {
		log_errx("-i: %d sockets passed, expected one connection", n);
		exit(OKD_EXIT_OSERR);
	}
	if (n == 1)
		fd = SD_LISTEN_FDS_START;
	if (getpeername(fd, (struct sockaddr *)&ss, &len) == -1) {
		log_errx("-i: fd %d is not a connected socket: %s", fd,
		    strerror(errno));
		exit(OKD_EXIT_OSERR);
	}
	resolve_ids(&pd);
	if (conf.sandbox != SANDBOX_USE_OFF && sandbox_prepare() == -1) {
		log_warn("-i: cannot build the seccomp filter");
		exit(OKD_EXIT_OSERR);
	}
	if (privdrop_apply(&pd, &err) == -1) {
		log_errx("-i: dropping root: %s", err);
		exit(OKD_EXIT_OSERR);
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	peer_label((struct sockaddr *)&ss, &conf, peer, sizeof(peer));
	session_signals();
	if (child_box(fd, peer, &conf) == -1) {
		log_warn("-i: sandbox");
		exit(OKD_EXIT_OSERR);
	}
	log_startup(0);
	session_run(fd, &conf, &st);
	close(fd);
	clock_gettime(CLOCK_MONOTONIC, &end);
	session_log_close(peer, NULL, getpid(), &start, &end, &st);
	exit(st.end == SESSION_ERROR ? OKD_EXIT_FAILURE : OKD_EXIT_OK);
}

/*
 * Closes every descriptor okd inherited beyond stdin, stdout, stderr and
 * the sockets systemd passed, so that no child can hold one: a launching
 * shell or service manager may leave any number open.
 */
static void
close_inherited(void)
{
	int	n;

	if ((n = sd_listen_fds(0)) < 0)
		n = 0;
	(void)close_range((unsigned int)(SD_LISTEN_FDS_START + n), ~0U, 0);
}

/* The listeners systemd passed, else those the listen lines name; logs each. */
static int
open_listeners(void)
{
	struct listener_fault	 f;
	int			 n;

	if ((n = listeners_adopt(&listeners, &f)) == -1) {
		log_errx("%s", f.msg);
		return -1;
	}
	if (n > 0) {
		supervisor_log_listeners(&listeners);
		log_info("serving %d passed sockets; listen lines only mark "
		    "proxy-protocol", n);
		listeners_mark_proxy(&listeners, &conf);
		return 0;
	}
	if (listeners_open(&listeners, &conf, &f) == -1) {
		log_warnx("%s", f.msg);
		return -1;
	}
	supervisor_log_listeners(&listeners);
	return 0;
}

/* Takes the pidfile before detaching, so a second okd fails on the terminal. */
static struct pidfh *
take_pidfile(void)
{
	struct pidfh	*pfh;
	struct stat	 st;
	pid_t		 other = 0;

	/*
	 * Never written through a link: a link someone planted would have
	 * root truncate the file it names.  libbsd's pidfile_open follows
	 * links, so this check leaves a race with whoever may write the
	 * pidfile's directory, which must therefore be root's (as /run is).
	 */
	if (lstat(conf.pidfile, &st) == 0 && S_ISLNK(st.st_mode)) {
		log_errx("%s: is a symbolic link; not following it",
		    conf.pidfile);
		exit(OKD_EXIT_CANTCREAT);
	}
	if ((pfh = pidfile_open(conf.pidfile, 0644, &other)) != NULL)
		return pfh;
	if (errno == EEXIST) {
		log_errx("already running as pid %ld (%s)", (long)other,
		    conf.pidfile);
		exit(OKD_EXIT_RUNNING);
	}
	log_errx("%s: %s", conf.pidfile, strerror(errno));
	exit(OKD_EXIT_CANTCREAT);
}

/*
 * Forks into the background.  The parent exits 0 only once the child says
 * it is serving (its pidfile written), so a script or a Type=forking unit
 * may rely on both; the child gets the pipe's write end.
 */
static int
detach(void)
{
	int	p[2], fd;
	char	c;
	pid_t	pid;

	if (pipe2(p, O_CLOEXEC) == -1 || (pid = fork()) == -1)
		return -1;
	if (pid > 0) {
		close(p[1]);
		_exit(read(p[0], &c, 1) == 1 ? OKD_EXIT_OK : OKD_EXIT_OSERR);
	}
	close(p[0]);
	if (setsid() == -1 || chdir("/") == -1)
		return -1;
	if ((fd = open("/dev/null", O_RDWR)) != -1) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
		log_stderr_replaced();
	}
	return p[1];
}

/*
 * At exit the pidfile goes.  An okd that gave up root may not be allowed
 * to remove it from a directory such as /run: it is emptied instead, and
 * the next okd takes it over, as nobody holds its lock any more.
 */
static void
pidfile_release(struct pidfh *pfh)
{
	if (pfh == NULL)
		return;
	if (geteuid() != 0 && ftruncate(pidfile_fileno(pfh), 0) == -1)
		log_warn("%s: emptying", conf.pidfile);
	(void)pidfile_remove(pfh);
}

/* Who serves, and in which box; written once at start. */
static void
startup_line(const struct privdrop *pd)
{
	const char	*box = conf.sandbox == SANDBOX_USE_OFF ? "off" :
	    "seccomp filters";

	if (pd->setids)
		log_info("serving as %s:%s (uid %ld, gid %ld)%s; sandbox %s",
		    conf.user, conf.group, (long)pd->uid, (long)pd->gid,
		    pd->keep_bind ? ", keeping CAP_NET_BIND_SERVICE" : "", box);
	else
		log_info("not root: serving as uid %ld; sandbox %s",
		    (long)geteuid(), box);
}

int
main(int argc, char *argv[], char *envp[])
{
	struct pidfh		*pfh = NULL;
	struct privdrop		 pd;
	const char		*path = NULL;	/* the default file, if any */
	size_t			 nov = 0;
	int			 ch, debug = 0, fg = 0, inetd = 0, check = 0;
	int			 print = 0, r, ready = -1;

	close_inherited();
	setproctitle_init(argc, argv, envp);
	/* Before the filter: syslog(3) reads /etc/localtime once. */
	tzset();
	log_init(LOG_TARGET_STDERR, LOG_INFO, 1);
	while ((ch = getopt(argc, argv, "dDf:hio:tTV")) != -1) {
		switch (ch) {
		case 'd':
			debug = fg = 1;
			break;
		case 'D':
			fg = 1;
			break;
		case 'f':
			path = optarg;
			break;
		case 'h':
			usage(0);
		case 'i':
			inetd = 1;
			break;
		case 'o':
			if (nov == MAX_OVERRIDES) {
				log_errx("-o: at most %d", MAX_OVERRIDES);
				exit(OKD_EXIT_USAGE);
			}
			ov[nov++] = optarg;
			break;
		case 't':
			check = 1;
			break;
		case 'T':
			print = 1;
			break;
		case 'V':
			printf("okd %s\n", OKD_VERSION);
			exit(0);
		default:
			usage(OKD_EXIT_USAGE);
		}
	}
	if (optind != argc)
		usage(OKD_EXIT_USAGE);
	/*
	 * A reload after detaching starts from "/": keep the path absolute,
	 * but not resolved, so each reload follows the links anew (a
	 * Kubernetes ConfigMap swaps okd.conf -> ..data/okd.conf by
	 * renaming ..data to a new directory).  Without -f, the default
	 * file is read when it exists, for -i and -D alike.
	 */
	if (path != NULL) {
		if (absolute_path(path, confpath, sizeof(confpath)) == -1) {
			log_errx("%s: path too long", path);
			exit(OKD_EXIT_CONFIG);
		}
		path = confpath;
	}
	if (config_load(&conf, path, ov, nov) == -1)
		exit(OKD_EXIT_CONFIG);
	if (debug)
		supervisor_debug(&conf);
	if (check) {
		resolve_ids(&pd);
		printf("configuration OK\n");
		exit(0);
	}
	if (print) {
		config_print(stdout, &conf);
		/* Stream errors stick: one check covers every fprintf. */
		if (fflush(stdout) == EOF || ferror(stdout))
			fatal("standard output");
		exit(0);
	}
	if (inetd) {
		/* Never onto a client's socket: log.c skips a socket stderr. */
		log_startup(1);
		log_init(conf.log_target, conf.log_level, 0);
		serve_inetd();
	}
	/* Until serving, a failure also says why on stderr (log_startup). */
	log_startup(1);
	log_init(conf.log_target, conf.log_level, fg);
	resolve_ids(&pd);
	/* The pidfile first: a second okd names the first, not a busy port. */
	if (!fg || conf.pidfile_set)
		pfh = take_pidfile();
	if (open_listeners() == -1) {
		pidfile_remove(pfh);
		exit(OKD_EXIT_OSERR);
	}
	if (!fg && (ready = detach()) == -1) {
		log_warn("detach");
		pidfile_remove(pfh);
		exit(OKD_EXIT_OSERR);
	}
	if (pfh != NULL && pidfile_write(pfh) == -1)
		log_warn("%s", conf.pidfile);
	if (ready != -1) {
		if (write(ready, "", 1) != 1)
			log_warn("detach");
		close(ready);
	}
	log_always("okd %s starting, pid %ld", OKD_VERSION, (long)getpid());
	/* Privileges were checked above: what fails here is the system. */
	if (supervisor_init(&sv, &conf, &listeners, path, ov, nov, fg) == -1)
		exit(OKD_EXIT_OSERR);
	sv.debug = debug;
	sv.pidfile_fd = pfh != NULL ? pidfile_fileno(pfh) : -1;
	sv.pd = pd;
	sv.pd.keep_bind = pd.setids && listeners_low_port(&listeners);
	startup_line(&sv.pd);
	log_startup(0);
	r = supervisor_run(&sv);
	pidfile_release(pfh);
	config_free(&conf);
	return r;
}
