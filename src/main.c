/*
 * okd: options, configuration check and print, inetd mode, listeners,
 * pidfile and detaching; then the supervisor takes over.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <bsd/libutil.h>
#include <bsd/unistd.h>
#include <systemd/sd-daemon.h>

#include "config.h"
#include "listener.h"
#include "log.h"
#include "session.h"
#include "supervisor.h"

#define MAX_OVERRIDES	64

static struct config	conf;
static struct listeners	listeners;

static __dead void
usage(int status)
{
	fprintf(status == 0 ? stdout : stderr,
	    "usage: okd [-dDhitTV] [-f file] [-o 'keyword value'] ...\n");
	exit(status);
}

/*
 * okd -i: one connection, already accepted: fd 3 from systemd (Accept=yes)
 * or fd 0 from inetd, xinetd or tcpserver.  Never binds, never forks.
 */
static __dead void
serve_inetd(void)
{
	struct sockaddr_storage	ss;
	socklen_t		len = sizeof(ss);
	int			n, fd = STDIN_FILENO;

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
	exit(session_main(fd, (struct sockaddr *)&ss, &conf));
}

static void
open_listeners(void)
{
	int	n;

	if ((n = listeners_adopt(&listeners)) == -1)
		exit(OKD_EXIT_OSERR);
	if (n > 0) {
		log_info("serving %d passed sockets; listen lines are not used", n);
		return;
	}
	if (listeners_open(&listeners, &conf) == -1)
		exit(OKD_EXIT_OSERR);
}

/* Takes the pidfile before detaching, so a second okd fails on the terminal. */
static struct pidfh *
take_pidfile(void)
{
	struct pidfh	*pfh;
	pid_t		 other = 0;

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

int
main(int argc, char *argv[], char *envp[])
{
	struct supervisor	 sv;
	struct pidfh		*pfh = NULL;
	const char		*path = OKD_CONF_PATH;
	char			*ov[MAX_OVERRIDES + 2];
	size_t			 nov = 0;
	int			 ch, debug = 0, fg = 0, inetd = 0, check = 0;
	int			 print = 0, r;

	setproctitle_init(argc, argv, envp);
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
	/* -d is -D with these two, so a reload keeps them. */
	if (debug) {
		ov[nov++] = "log-level debug";
		ov[nov++] = "log-target stderr";
	}
	if (config_load(&conf, path, ov, nov) == -1)
		exit(OKD_EXIT_CONFIG);
	if (check) {
		printf("configuration OK\n");
		exit(0);
	}
	if (print) {
		config_print(stdout, &conf);
		exit(0);
	}
	if (inetd) {
		log_init(conf.log_target, conf.log_level, 0);
		serve_inetd();
	}
	log_init(conf.log_target, conf.log_level, fg);
	open_listeners();
	if (!fg || conf.pidfile_set)
		pfh = take_pidfile();
	if (!fg && daemon(0, 0) == -1) {
		log_warn("daemon");
		pidfile_remove(pfh);
		exit(OKD_EXIT_OSERR);
	}
	if (pfh != NULL && pidfile_write(pfh) == -1)
		log_warn("%s", conf.pidfile);
	if (supervisor_init(&sv, &conf, &listeners, path, ov, nov, fg) == -1)
		fatal("supervisor");
	sv.pidfile_fd = pfh != NULL ? pidfile_fileno(pfh) : -1;
	log_info("okd %s started, pid %ld", OKD_VERSION, (long)getpid());
	r = supervisor_run(&sv);
	if (pfh != NULL)
		pidfile_remove(pfh);
	return r;
}
