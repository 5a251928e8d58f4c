/* SPDX-License-Identifier: ISC */
/*
 * Integration tests of protection on the real build/okd, with clients
 * bound to distinct loopback sources (127.0.0.2, 127.0.0.3...): per-source
 * limits and prefixes, rate limits that heal, access rules, the refuse
 * message, overload defer, counters, max-session, log-peer, the sandbox.
 */

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "okdtest.h"

static int
teardown(void **state)
{
	int	r = okd_cleanup(*state);

	free(*state);
	return r;
}

static struct okd_proc *
start(void **state, const char *conf)
{
	struct okd_proc	*p = calloc(1, sizeof(*p));

	*state = p;
	assert_int_equal(okd_start(p, conf, NULL), 0);
	return p;
}

static void
test_per_source_limit(void **state)
{
	struct okd_proc	*p = start(state, "listen 127.0.0.1:%PORT%\n"
			    "max-per-source 2\n");
	int		 a, b, c;

	a = okd_served_from(p, "127.0.0.2");
	b = okd_served_from(p, "127.0.0.2");
	assert_true(a >= 0 && b >= 0);
	/* The third from the same source is refused while two live... */
	assert_true(okd_refused_from(p, "127.0.0.2"));
	/* ...and other sources are served. */
	c = okd_served_from(p, "127.0.0.3");
	assert_true(c >= 0);
	assert_int_equal(okd_stat(p, "refused-per-source"), 1);
	assert_int_equal(okd_stat(p, "served"), 3);
	close(a);
	close(b);
	close(c);
}

/* source-prefix 24: 127.0.0.2 and 127.0.0.4 are one source. */
static void
test_source_prefix_groups(void **state)
{
	struct okd_proc	*p = start(state, "listen 127.0.0.1:%PORT%\n"
			    "max-per-source 2\nsource-prefix 24 64\n");
	int		 a, b;

	a = okd_served_from(p, "127.0.0.2");
	b = okd_served_from(p, "127.0.0.4");
	assert_true(a >= 0 && b >= 0);
	assert_true(okd_refused_from(p, "127.0.0.9"));
	/* Another /24 is another source. */
	close(okd_served_from(p, "127.0.1.2"));
	close(a);
	close(b);
}

/* 3 per 2 s: the fourth is refused, others are served, and it heals. */
static void
test_rate_limit_heals(void **state)
{
	struct okd_proc	*p = start(state, "listen 127.0.0.1:%PORT%\n"
			    "rate-limit 3/2s\n");
	long		 end;
	int		 i, fd = -1;

	for (i = 0; i < 3; i++)
		close(okd_served_from(p, "127.0.0.5"));
	assert_true(okd_refused_from(p, "127.0.0.5"));
	fd = okd_served_from(p, "127.0.0.6");
	assert_true(fd >= 0);
	close(fd);
	/* A token returns every 667 ms; bounded wait for it. */
	end = now_ms() + 3000;
	while ((fd = okd_served_from(p, "127.0.0.5")) == -1 && now_ms() < end)
		usleep(100000);
	assert_true(fd >= 0);
	close(fd);
	assert_true(okd_stat(p, "refused-rate") >= 1);
}

/* deny one source: refused with no fork; the rest are served. */
static void
test_deny_source(void **state)
{
	struct okd_proc	*p = start(state, "listen 127.0.0.1:%PORT%\n"
			    "deny 127.0.0.3\n");

	close(okd_served_from(p, "127.0.0.2"));
	assert_true(okd_refused_from(p, "127.0.0.3"));
	assert_true(okd_refused_from(p, "127.0.0.3"));
	close(okd_served_from(p, "127.0.0.4"));
	assert_int_equal(okd_stat(p, "refused-access"), 2);
	/* Two served, two refused: only the served were forked. */
	assert_int_equal(okd_stat(p, "served"), 2);
	assert_int_equal(okd_stat(p, "accepted"), 4);
}

/* A whitelist: first match decides, and it ends with deny *. */
static void
test_whitelist_order(void **state)
{
	struct okd_proc	*p = start(state, "listen 127.0.0.1:%PORT%\n"
			    "deny 127.0.0.7\nallow 127.0.0.0/29\ndeny *\n");

	close(okd_served_from(p, "127.0.0.2"));
	assert_true(okd_refused_from(p, "127.0.0.7"));
	assert_true(okd_refused_from(p, "127.0.0.8"));
	assert_int_equal(okd_log_wait(p, "reason=access", 3000), 0);
}

static void
test_refuse_message(void **state)
{
	struct okd_proc	*p = start(state, "listen 127.0.0.1:%PORT%\n"
			    "deny *\nrefuse-message \"busy\\r\\n\"\n");
	char		 buf[6];
	int		 fd;

	fd = tcp_connect("127.0.0.1", p->port);
	assert_true(fd >= 0);
	assert_int_equal(read_exact(fd, buf, 6, 3000), 0);
	assert_memory_equal(buf, "busy\r\n", 6);
	assert_int_equal(expect_eof(fd, 3000), 0);
	close(fd);
}

/* overload defer: the excess waits in the backlog, then is served. */
static void
test_overload_defer(void **state)
{
	struct okd_proc	*p = start(state, "listen 127.0.0.1:%PORT%\n"
			    "max-children 1\noverload defer\nbacklog 16\n");
	char		 buf[2];
	int		 a, b;

	a = okd_served_from(p, "127.0.0.2");
	assert_true(a >= 0);
	b = tcp_connect_from("127.0.0.3", "127.0.0.1", p->port);
	assert_true(b >= 0);
	assert_int_equal(send(b, "x", 1, 0), 1);
	/* Held, not refused: no reply and no EOF while a lives. */
	assert_int_equal(read_exact(b, buf, 1, 500), -1);
	close(a);
	assert_int_equal(read_exact(b, buf, 2, 5000), 0);
	assert_memory_equal(buf, "OK", 2);
	close(b);
	assert_int_equal(okd_stat(p, "refused-max-children"), 0);
}

/* overload close (the default): the excess is closed at once. */
static void
test_overload_close(void **state)
{
	struct okd_proc	*p = start(state, "listen 127.0.0.1:%PORT%\n"
			    "max-children 1\n");
	int		 a;

	a = okd_served_from(p, "127.0.0.2");
	assert_true(okd_refused_from(p, "127.0.0.3"));
	assert_int_equal(okd_stat(p, "refused-max-children"), 1);
	close(a);
}

/* max-session cuts off a client that never goes quiet. */
static void
test_max_session(void **state)
{
	struct okd_proc	*p = start(state, "listen 127.0.0.1:%PORT%\n"
			    "max-session 600ms\n");
	long		 t0 = now_ms();
	int		 fd, i;

	fd = tcp_connect("127.0.0.1", p->port);
	for (i = 0; i < 50 && roundtrip(fd, "x") == 0; i++)
		usleep(50000);
	/* Ended by the deadline, long before 50 x 50 ms of chatter. */
	assert_true(i < 50);
	assert_true(now_ms() - t0 >= 500);
	assert_int_equal(okd_log_wait(p, "reason=max-session", 3000), 0);
	close(fd);
}

static void
test_log_peer_prefix(void **state)
{
	struct okd_proc	*p = start(state, "listen 127.0.0.1:%PORT%\n"
			    "log-peer prefix\nsource-prefix 24 64\n");
	char		*log;

	close(okd_served_from(p, "127.0.0.2"));
	assert_int_equal(okd_log_wait(p, "close peer=127.0.0.0/24 ", 3000), 0);
	log = okd_log_read(p);
	assert_null(strstr(log, "127.0.0.2"));
	free(log);
}

static void
test_log_peer_none(void **state)
{
	struct okd_proc	*p = start(state, "listen 127.0.0.1:%PORT%\n"
			    "log-peer none\n");
	char		*log;

	close(okd_served_from(p, "127.0.0.2"));
	assert_int_equal(okd_log_wait(p, "close peer=- ", 3000), 0);
	log = okd_log_read(p);
	assert_null(strstr(log, "127.0.0.2"));
	free(log);
}

/*
 * A new session, one round trip in, left open in *fd; returns its child's
 * pid once the accept line is logged.
 */
static pid_t
new_child(struct okd_proc *p, int *fd)
{
	int	before = okd_log_count(p, "accept peer=");
	long	end = now_ms() + 3000;
	pid_t	kid;

	*fd = tcp_connect("127.0.0.1", p->port);
	assert_true(*fd >= 0);
	assert_int_equal(roundtrip(*fd, "x"), 0);
	while (okd_log_count(p, "accept peer=") == before && now_ms() < end)
		usleep(10000);
	kid = okd_child_pid(p);
	assert_true(kid > 0);
	return kid;
}

/* As root, sandbox strict: the child runs as nobody, with no new privileges, under the seccomp filter. */
static void
test_child_sandboxed(void **state)
{
	struct okd_proc	*p;
	char		 v[128];
	pid_t		 kid;
	int		 fd;

	if (geteuid() != 0) {
		printf("skip: not root, privileges are not dropped\n");
		skip();
	}
	p = start(state, "listen 127.0.0.1:%PORT%\nsandbox strict\n");
	fd = okd_served_from(p, "127.0.0.2");
	assert_true(fd >= 0);
	assert_int_equal(okd_log_wait(p, "accept peer=", 3000), 0);
	kid = okd_child_pid(p);
	assert_true(kid > 0);
	assert_int_equal(proc_status_field(kid, "Uid", v, sizeof(v)), 0);
	assert_string_equal(v, "65534\t65534\t65534\t65534");
	assert_int_equal(proc_status_field(kid, "Gid", v, sizeof(v)), 0);
	assert_string_equal(v, "65534\t65534\t65534\t65534");
	assert_int_equal(proc_status_field(kid, "NoNewPrivs", v, sizeof(v)), 0);
	assert_string_equal(v, "1");
	/* strict is kept for old files and means the filter (2) too. */
	assert_int_equal(proc_status_field(kid, "Seccomp", v, sizeof(v)), 0);
	assert_string_equal(v, "2");
	/* Still serving from inside the box. */
	assert_int_equal(roundtrip(fd, "again"), 0);
	close(fd);
	assert_int_equal(okd_log_wait(p, "reason=eof", 3000), 0);
	assert_int_equal(okd_stat(p, "violations"), 0);
}

/* sandbox filter: the child loads the filter (Seccomp 2) even where strict mode is possible, and still serves. */
static void
test_child_sandbox_filter(void **state)
{
	struct okd_proc	*p = start(state, "listen 127.0.0.1:%PORT%\n"
			    "sandbox filter\n");
	char		 v[128];
	pid_t		 kid;
	int		 fd;

	assert_int_equal(okd_log_wait(p, "sandbox seccomp filter", 3000), 0);
	kid = new_child(p, &fd);
	assert_int_equal(proc_status_field(kid, "Seccomp", v, sizeof(v)), 0);
	assert_string_equal(v, "2");
	assert_int_equal(roundtrip(fd, "y"), 0);
	close(fd);
	assert_int_equal(okd_log_wait(p, "reads=2 reason=eof", 3000), 0);
	assert_int_equal(okd_stat(p, "violations"), 0);
}

/* Ends a session and waits for its close line. */
static void
end_session(struct okd_proc *p, int fd)
{
	int	before = okd_log_count(p, "reason=eof");
	long	end = now_ms() + 5000;

	shutdown(fd, SHUT_WR);
	assert_int_equal(expect_eof(fd, 3000), 0);
	close(fd);
	while (okd_log_count(p, "reason=eof") == before && now_ms() < end)
		usleep(10000);
	assert_int_equal(okd_log_count(p, "reason=eof"), before + 1);
}

/* n sessions of reads round trips each, one after another, each closed. */
static void
sessions(struct okd_proc *p, int n, int reads)
{
	int	i, k, fd;

	for (i = 0; i < n; i++) {
		fd = tcp_connect("127.0.0.1", p->port);
		assert_true(fd >= 0);
		for (k = 0; k < reads; k++)
			assert_int_equal(roundtrip(fd, "x"), 0);
		end_session(p, fd);
	}
}

/* The Seccomp field of a new child, which is left connected in *fd. */
static void
new_child_seccomp(struct okd_proc *p, int *fd, char *v, size_t vsz)
{
	assert_int_equal(proc_status_field(new_child(p, fd), "Seccomp", v, vsz), 0);
}

/*
 * The box is chosen from the configuration alone, never from traffic:
 * with sandbox on every child has the filter, before any session ended,
 * after short sessions and after long ones.
 */
static void
test_box_ignores_traffic(void **state)
{
	struct okd_proc	*p = start(state, "listen 127.0.0.1:%PORT%\n");
	char		 v[16];
	int		 fd;

	new_child_seccomp(p, &fd, v, sizeof(v));
	assert_string_equal(v, "2");
	end_session(p, fd);
	sessions(p, 12, 0);
	new_child_seccomp(p, &fd, v, sizeof(v));
	assert_string_equal(v, "2");
	end_session(p, fd);
	sessions(p, 8, 40);
	new_child_seccomp(p, &fd, v, sizeof(v));
	assert_string_equal(v, "2");
	end_session(p, fd);
	assert_int_equal(okd_stat(p, "violations"), 0);
}

/* The signal mask of the given line (SigCgt, SigIgn, SigBlk) of pid. */
static unsigned long long
signal_mask(pid_t pid, const char *line)
{
	char	v[64];

	assert_int_equal(proc_status_field(pid, line, v, sizeof(v)), 0);
	return strtoull(v, NULL, 16);
}

static unsigned long long
sigbit(int sig)
{
	return 1ULL << (sig - 1);
}

/*
 * A child inherits what its session needs: HUP, USR1, CHLD and INT at
 * their defaults, PIPE ignored, TERM and ALRM the session's own handler,
 * and only INT blocked (^C drains the supervisor, sessions carry on).
 * Only okd's signals are looked at: sanitizer builds catch SIGSEGV and
 * the like.
 */
static void
test_child_signal_dispositions(void **state)
{
	struct okd_proc		*p = start(state, "listen 127.0.0.1:%PORT%\n");
	unsigned long long	 cgt, ign, mine;
	pid_t			 kid;
	int			 fd;

	kid = new_child(p, &fd);
	mine = sigbit(SIGHUP) | sigbit(SIGINT) | sigbit(SIGUSR1) |
	    sigbit(SIGCHLD) | sigbit(SIGTERM) | sigbit(SIGPIPE) |
	    sigbit(SIGALRM);
	cgt = signal_mask(kid, "SigCgt") & mine;
	ign = signal_mask(kid, "SigIgn") & mine;
	assert_int_equal(cgt, sigbit(SIGTERM) | sigbit(SIGALRM));
	assert_int_equal(ign, sigbit(SIGPIPE) | sigbit(SIGHUP) |
	    sigbit(SIGUSR1));
	assert_int_equal(signal_mask(kid, "SigBlk") & mine, sigbit(SIGINT));
	assert_int_equal(roundtrip(fd, "y"), 0);
	close(fd);
	assert_int_equal(okd_log_wait(p, "reason=eof", 3000), 0);
}

/*
 * Signals meant for the supervisor, sent to a child as pkill, a hangup or
 * systemctl kill would: SIGHUP, SIGUSR1 and SIGINT leave the session
 * serving; SIGTERM ends it as documented, reason shutdown.
 */
static void
test_control_signals_spare_sessions(void **state)
{
	struct okd_proc	*p = start(state, "listen 127.0.0.1:%PORT%\n");
	const int	 spared[] = { SIGHUP, SIGUSR1, SIGINT };
	size_t		 i;
	pid_t		 kid;
	int		 fd;

	kid = new_child(p, &fd);
	for (i = 0; i < sizeof(spared) / sizeof(spared[0]); i++) {
		assert_int_equal(kill(kid, spared[i]), 0);
		assert_int_equal(roundtrip(fd, "still"), 0);
	}
	assert_int_equal(kill(kid, SIGTERM), 0);
	assert_int_equal(expect_eof(fd, 3000), 0);
	close(fd);
	assert_int_equal(okd_log_wait(p, "reason=shutdown", 3000), 0);
	assert_int_equal(okd_stat(p, "signaled"), 0);
}

/* How many of pid's descriptors link to a name starting with prefix. */
static int
fds_named(pid_t pid, const char *prefix)
{
	char		 dir[64], path[320], link[128];
	struct dirent	*de;
	DIR		*d;
	ssize_t		 n;
	int		 count = 0;

	snprintf(dir, sizeof(dir), "/proc/%ld/fd", (long)pid);
	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		if (strncmp(link, prefix, strlen(prefix)) == 0)
			count++;
	}
	closedir(d);
	return count;
}

/*
 * The supervisor waits on a signalfd and the listeners; a child holds
 * neither, only its connection (the tests log to stderr, not a socket).
 */
static void
test_child_descriptors(void **state)
{
	struct okd_proc	*p = start(state, "listen 127.0.0.1:%PORT%\n");
	pid_t		 kid;
	int		 fd;

	kid = new_child(p, &fd);
	assert_int_equal(fds_named(p->pid, "anon_inode:[signalfd]"), 1);
	assert_int_equal(fds_named(p->pid, "socket:"), 1);
	assert_int_equal(fds_named(kid, "anon_inode:[signalfd]"), 0);
	assert_int_equal(fds_named(kid, "socket:"), 1);
	assert_int_equal(roundtrip(fd, "y"), 0);
	close(fd);
	assert_int_equal(okd_log_wait(p, "reason=eof", 3000), 0);
}

static void
test_bad_user_is_config_error(void **state)
{
	char	out[2048];

	(void)state;
	if (geteuid() != 0) {
		printf("skip: users are only resolved as root\n");
		skip();
	}
	assert_int_equal(run_capture("${OKD_BIN:-build/okd} -t -f /dev/null "
	    "-o 'user no-such-user-okd' 2>&1", out, sizeof(out), 5000), 78);
	assert_non_null(strstr(out, "unknown user"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_per_source_limit, teardown),
		cmocka_unit_test_teardown(test_source_prefix_groups, teardown),
		cmocka_unit_test_teardown(test_rate_limit_heals, teardown),
		cmocka_unit_test_teardown(test_deny_source, teardown),
		cmocka_unit_test_teardown(test_whitelist_order, teardown),
		cmocka_unit_test_teardown(test_refuse_message, teardown),
		cmocka_unit_test_teardown(test_overload_defer, teardown),
		cmocka_unit_test_teardown(test_overload_close, teardown),
		cmocka_unit_test_teardown(test_max_session, teardown),
		cmocka_unit_test_teardown(test_log_peer_prefix, teardown),
		cmocka_unit_test_teardown(test_log_peer_none, teardown),
		cmocka_unit_test_teardown(test_child_sandboxed, teardown),
		cmocka_unit_test_teardown(test_child_signal_dispositions,
		    teardown),
		cmocka_unit_test_teardown(test_control_signals_spare_sessions,
		    teardown),
		cmocka_unit_test_teardown(test_child_sandbox_filter, teardown),
		cmocka_unit_test_teardown(test_child_descriptors, teardown),
		cmocka_unit_test_teardown(test_box_ignores_traffic, teardown),
		cmocka_unit_test(test_bad_user_is_config_error),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("integ_protect", tests, NULL, NULL);
}
