/* SPDX-License-Identifier: ISC */
/*
 * Integration tests of the real build/okd over loopback: the protocol,
 * concurrency, timeouts, reload, drain, reaping, config errors, pidfile.
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "okdtest.h"

#define BASE_CONF	"listen 127.0.0.1:%PORT%\n"

static int
teardown(void **state)
{
	int	r = okd_cleanup(*state);

	free(*state);
	return r;
}

static struct okd_proc *
start(void **state, const char *conf, const char *const *args)
{
	struct okd_proc	*p = calloc(1, sizeof(*p));

	*state = p;
	assert_int_equal(okd_start(p, conf, args), 0);
	return p;
}

static void
test_reply_per_read_and_eof(void **state)
{
	struct okd_proc	*p = start(state, BASE_CONF, NULL);
	char		 buf[4];
	int		 fd, i;

	fd = tcp_connect("127.0.0.1", p->port);
	assert_true(fd >= 0);
	for (i = 0; i < 5; i++)
		assert_int_equal(roundtrip(fd, "ping"), 0);
	/* The reply is exactly two bytes: nothing more follows. */
	assert_int_equal(read_exact(fd, buf, 1, 200), -1);
	shutdown(fd, SHUT_WR);
	assert_int_equal(expect_eof(fd, 3000), 0);
	close(fd);
	assert_int_equal(okd_log_wait(p, "reads=5 reason=eof", 3000), 0);
	assert_int_equal(okd_log_wait(p, "in=20 out=10", 3000), 0);
}

static void
test_line_mode(void **state)
{
	struct okd_proc	*p = start(state, BASE_CONF "ack line\n"
			    "recv-buffer 4\nreply \"OK\\r\\n\"\n", NULL);
	char		 buf[32];
	int		 fd;

	fd = tcp_connect("127.0.0.1", p->port);
	/* Two lines in one segment: two replies. */
	assert_int_equal(send(fd, "a\nb\n", 4, 0), 4);
	assert_int_equal(read_exact(fd, buf, 8, 3000), 0);
	assert_memory_equal(buf, "OK\r\nOK\r\n", 8);
	/* A line cut in two reads: one reply, when it ends. */
	assert_int_equal(send(fd, "c", 1, 0), 1);
	assert_int_equal(read_exact(fd, buf, 1, 200), -1);
	assert_int_equal(send(fd, "\n", 1, 0), 1);
	assert_int_equal(read_exact(fd, buf, 4, 3000), 0);
	/* 9 bytes without a newline and recv-buffer 4: one per full buffer. */
	assert_int_equal(send(fd, "123456789", 9, 0), 9);
	assert_int_equal(read_exact(fd, buf, 8, 3000), 0);
	assert_int_equal(read_exact(fd, buf, 1, 200), -1);
	close(fd);
}

/* 200 clients at once, three rounds each; every one gets exactly its replies. */
static void
test_200_concurrent(void **state)
{
	struct okd_proc	*p = start(state, BASE_CONF "backlog 256\n"
			    "max-per-source 200\n", NULL);
	int		 fd[200], i, round;
	char		 buf[2];

	for (i = 0; i < 200; i++) {
		fd[i] = tcp_connect("127.0.0.1", p->port);
		assert_true(fd[i] >= 0);
	}
	for (round = 0; round < 3; round++) {
		for (i = 0; i < 200; i++)
			assert_int_equal(send(fd[i], "x", 1, 0), 1);
		for (i = 0; i < 200; i++) {
			assert_int_equal(read_exact(fd[i], buf, 2, 10000), 0);
			assert_memory_equal(buf, "OK", 2);
		}
	}
	for (i = 0; i < 200; i++) {
		assert_int_equal(read_exact(fd[i], buf, 1, 0), -1);
		shutdown(fd[i], SHUT_WR);
	}
	for (i = 0; i < 200; i++) {
		assert_int_equal(expect_eof(fd[i], 5000), 0);
		close(fd[i]);
	}
}

static void
test_idle_timeout(void **state)
{
	struct okd_proc	*p = start(state, BASE_CONF "idle-timeout 300ms\n", NULL);
	long		 t0;
	int		 fd;

	fd = tcp_connect("127.0.0.1", p->port);
	assert_int_equal(roundtrip(fd, "x"), 0);
	t0 = now_ms();
	assert_int_equal(expect_eof(fd, 5000), 0);
	/* SO_RCVTIMEO fired: not before 300 ms, well before the default 10 s. */
	assert_true(now_ms() - t0 >= 250);
	assert_true(now_ms() - t0 < 3000);
	close(fd);
	assert_int_equal(okd_log_wait(p, "reason=timeout", 3000), 0);
}

/* A client that sends but never reads is cut off by send-timeout. */
static void
test_send_timeout(void **state)
{
	struct okd_proc	*p = start(state, BASE_CONF "send-timeout 300ms\n"
			    "ack line\n", NULL);
	static char	 lines[1 << 20];
	int		 fd, rcv = 4096;
	size_t		 sent = 0;
	ssize_t		 n;
	long		 end;

	memset(lines, '\n', sizeof(lines));
	fd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	close(fd);
	fd = tcp_connect("127.0.0.1", p->port);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	end = now_ms() + 10000;
	/* Each '\n' owes two bytes back; we never read them. */
	while (now_ms() < end && sent < 16 * sizeof(lines)) {
		n = send(fd, lines, sizeof(lines), MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0)
			sent += (size_t)n;
		else if (n == -1 && errno != EAGAIN)
			break;
		if (okd_log_count(p, "reason=timeout") > 0)
			break;
		if (n == -1) {
			struct pollfd pfd = { fd, POLLOUT, 0 };
			poll(&pfd, 1, 100);
		}
	}
	assert_int_equal(okd_log_wait(p, "reason=timeout", 5000), 0);
	close(fd);
}

static const char *
reload_conf(struct okd_proc *p, int port2)
{
	static char	conf[256];

	if (port2 == 0)
		snprintf(conf, sizeof(conf), "listen 127.0.0.1:%d\n", p->port);
	else
		snprintf(conf, sizeof(conf), "listen 127.0.0.1:%d\n"
		    "listen 127.0.0.1:%d\n", p->port, port2);
	return conf;
}

/* Sends a byte on a new connection and reads a reply of strlen(want) bytes. */
static int
reply_is(int port, const char *want)
{
	char	buf[16];
	size_t	n = strlen(want);
	int	fd, r;

	if ((fd = tcp_connect("127.0.0.1", port)) == -1)
		return -1;
	r = send(fd, "x", 1, 0) == 1 && read_exact(fd, buf, n, 3000) == 0 &&
	    memcmp(buf, want, n) == 0 ? 0 : -1;
	close(fd);
	return r;
}

/* Writes dir/name holding a config for port with the given reply. */
static void
write_version(const char *dir, int port, const char *reply)
{
	char	path[256];
	FILE	*fp;

	assert_int_equal(mkdir(dir, 0755), 0);
	snprintf(path, sizeof(path), "%s/okd.conf", dir);
	assert_non_null(fp = fopen(path, "w"));
	fprintf(fp, "listen 127.0.0.1:%d\nreply \"%s\"\n", port, reply);
	fclose(fp);
}

/*
 * The Kubernetes ConfigMap layout: okd.conf -> ..data/okd.conf, ..data ->
 * ..v1, swapped to ..v2 and ..v1 removed.  Each reload opens the path as
 * given, so it follows the new links.
 */
static void
test_reload_follows_swapped_links(void **state)
{
	struct okd_proc	*p = calloc(1, sizeof(*p));
	char		 top[] = "/tmp/okd-cm-XXXXXX", v[256], link[256];
	char		 conf[256];
	const char	*args[] = { "-f", conf, NULL };
	int		 port = okdtest_port();

	*state = p;
	assert_non_null(mkdtemp(top));
	/* okd reloads as the user it became. */
	assert_int_equal(chmod(top, 0755), 0);
	snprintf(v, sizeof(v), "%s/..v1", top);
	write_version(v, port, "ONE");
	snprintf(link, sizeof(link), "%s/..data", top);
	assert_int_equal(symlink("..v1", link), 0);
	snprintf(conf, sizeof(conf), "%s/okd.conf", top);
	assert_int_equal(symlink("..data/okd.conf", conf), 0);
	assert_int_equal(okd_start(p, BASE_CONF, args), 0);
	assert_int_equal(reply_is(port, "ONE"), 0);

	snprintf(v, sizeof(v), "%s/..v2", top);
	write_version(v, port, "TWO");
	snprintf(v, sizeof(v), "%s/..data_tmp", top);
	assert_int_equal(symlink("..v2", v), 0);
	assert_int_equal(rename(v, link), 0);
	snprintf(v, sizeof(v), "rm -r %s/..v1", top);
	assert_int_equal(system(v), 0);
	assert_int_equal(okd_reload(p), 0);
	assert_int_equal(okd_log_count(p, "reload failed"), 0);
	assert_int_equal(reply_is(port, "TWO"), 0);
	snprintf(v, sizeof(v), "rm -r %s", top);
	assert_int_equal(system(v), 0);
}

/*
 * SIGHUP adds and removes a listener; the unchanged address never refuses
 * a connect, and a live session survives every reload.
 */
static void
test_reload_listen_set(void **state)
{
	struct okd_proc	*p = start(state, BASE_CONF "backlog 64\n", NULL);
	int		 live, fd, port2 = okdtest_port(), i;

	live = tcp_connect("127.0.0.1", p->port);
	assert_int_equal(roundtrip(live, "before"), 0);
	assert_true(tcp_connect("127.0.0.1", port2) == -1);

	okd_write_conf(p, reload_conf(p, port2));
	assert_int_equal(okd_reload(p), 0);
	fd = tcp_connect("127.0.0.1", port2);
	assert_true(fd >= 0);
	assert_int_equal(roundtrip(fd, "new"), 0);
	close(fd);
	assert_int_equal(roundtrip(live, "during"), 0);

	/* Connects to the kept address while reloads come and go. */
	for (i = 0; i < 100; i++) {
		if (i % 10 == 0)
			kill(p->pid, SIGHUP);
		fd = tcp_connect("127.0.0.1", p->port);
		assert_true(fd >= 0);
		assert_int_equal(roundtrip(fd, "x"), 0);
		close(fd);
	}
	okd_write_conf(p, reload_conf(p, 0));
	assert_int_equal(okd_reload(p), 0);
	assert_int_equal(okd_log_wait(p, "closing 127.0.0.1", 3000), 0);
	assert_true(tcp_connect("127.0.0.1", port2) == -1);
	assert_int_equal(roundtrip(live, "after"), 0);

	/* A broken file keeps the running configuration. */
	okd_write_conf(p, "listn 1\n");
	assert_int_equal(okd_reload(p), 0);
	assert_int_equal(okd_log_wait(p, "keeping the running", 3000), 0);
	fd = tcp_connect("127.0.0.1", p->port);
	assert_int_equal(roundtrip(fd, "still"), 0);
	close(fd);
	assert_int_equal(roundtrip(live, "end"), 0);
	close(live);
}

/* SIGTERM: listeners close at once, live sessions finish, exit 0. */
static void
test_sigterm_drains(void **state)
{
	struct okd_proc	*p = start(state, BASE_CONF "shutdown-grace 5s\n", NULL);
	int		 live, st;

	live = tcp_connect("127.0.0.1", p->port);
	assert_int_equal(roundtrip(live, "x"), 0);
	kill(p->pid, SIGTERM);
	assert_int_equal(okd_wait_notify(p, "STOPPING=1", 5000), 0);
	assert_true(tcp_connect("127.0.0.1", p->port) == -1);
	/* Still served inside the grace. */
	assert_int_equal(roundtrip(live, "y"), 0);
	close(live);
	st = okd_wait_exit(p->pid, 5000);
	p->pid = -1;
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* Past shutdown-grace, sessions are stopped and log reason=shutdown. */
static void
test_sigterm_grace_expires(void **state)
{
	struct okd_proc	*p = start(state, BASE_CONF "shutdown-grace 200ms\n",
			    NULL);
	int		 live, st;

	live = tcp_connect("127.0.0.1", p->port);
	assert_int_equal(roundtrip(live, "x"), 0);
	kill(p->pid, SIGTERM);
	assert_int_equal(expect_eof(live, 5000), 0);
	close(live);
	st = okd_wait_exit(p->pid, 5000);
	p->pid = -1;
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_int_equal(okd_log_wait(p, "reason=shutdown", 1000), 0);
}

/* 2,000 short connections leave no zombie and no stray child. */
static void
test_no_zombies(void **state)
{
	struct okd_proc	*p = start(state, BASE_CONF "backlog 128\n"
			    "log-level warning\n", NULL);
	int		 fd, i, n, z = 0;
	long		 end;

	for (i = 0; i < 2000; i++) {
		fd = tcp_connect("127.0.0.1", p->port);
		assert_true(fd >= 0);
		assert_int_equal(roundtrip(fd, "x"), 0);
		close(fd);
	}
	/* Reaping follows SIGCHLD: wait, bounded, for the last exits. */
	end = now_ms() + 5000;
	do {
		n = count_children(p->pid, &z);
	} while (n > 0 && now_ms() < end && usleep(10000) == 0);
	assert_int_equal(n, 0);
	assert_int_equal(z, 0);
	kill(p->pid, SIGUSR1);
	assert_int_equal(okd_log_wait(p, "served=2000", 3000), 0);
	assert_int_equal(okd_log_wait(p, "stats active=0", 3000), 0);
}

#if defined(__SANITIZE_ADDRESS__)
#define ASAN_BUILD	1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ASAN_BUILD	1
#endif
#endif
#ifndef ASAN_BUILD
#define ASAN_BUILD	0
#endif
static const int	asan_build = ASAN_BUILD;

#define SNAP_PAGES	65536
#define HELD_FORKS	100

/* The physical page behind each present page of a process's memory. */
struct snapshot {
	size_t		 n;
	uintptr_t	 addr[SNAP_PAGES];
	uint64_t	 pfn[SNAP_PAGES];
	uintptr_t	 arg_start, env_end;	/* the title's memory */
	uintptr_t	 stack_lo, stack_hi;
};

/* /proc/PID/stat's arg_start and env_end (fields 48 and 51). */
static int
title_area(pid_t pid, struct snapshot *sn)
{
	unsigned long long	v[52];

	if (proc_stat(pid, v, 51) == -1)
		return -1;
	sn->arg_start = (uintptr_t)v[48];
	sn->env_end = (uintptr_t)v[51];
	return 0;
}

/*
 * The pages of pid's private writable mappings that a child inherits
 * (MADV_DONTFORK ones left out), with their physical pages.  Returns -1
 * when the kernel shows no physical page numbers (not root).
 */
static int
snapshot(pid_t pid, struct snapshot *sn)
{
	char			 path[64], line[512], perms[8], name[256];
	unsigned long		 lo = 0, hi = 0, l, h, a, rss = 0;
	uint64_t		 e[512];
	ssize_t			 got;
	FILE			*f;
	int			 pm, take = 0, known = 0, i;

	memset(sn, 0, sizeof(*sn));
	if (title_area(pid, sn) == -1)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/pagemap", (int)pid);
	if ((pm = open(path, O_RDONLY)) == -1) {
		fclose(f);
		return -1;
	}
	/* A mapping's pages are read at its VmFlags line, its last. */
	while (fgets(line, sizeof(line), f) != NULL) {
		name[0] = '\0';
		/* A field line may start with a hex digit: parse aside. */
		if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %255s", &l, &h,
		    perms, name) >= 3) {
			lo = l;
			hi = h;
			take = perms[1] == 'w' && perms[3] == 'p';
			if (strcmp(name, "[stack]") == 0) {
				sn->stack_lo = lo;
				sn->stack_hi = hi;
			}
			continue;
		}
		if (sscanf(line, "Rss: %lu kB", &rss) == 1)
			continue;
		if (strncmp(line, "VmFlags:", 8) != 0 || !take || rss == 0 ||
		    strstr(line, " dd") != NULL)
			continue;
		/* Read 512 entries at a time: most of a big table is absent. */
		for (a = lo; a < hi && sn->n < SNAP_PAGES; a += 512 * 4096) {
			got = pread(pm, e, sizeof(e), (off_t)(a / 4096 * 8));
			for (i = 0; got > 0 && i < got / 8 &&
			    a + (unsigned long)i * 4096 < hi &&
			    sn->n < SNAP_PAGES; i++) {
				if (!(e[i] >> 63))
					continue;
				sn->addr[sn->n] = a + (unsigned long)i * 4096;
				sn->pfn[sn->n] = e[i] & ((1ULL << 55) - 1);
				known |= sn->pfn[sn->n] != 0;
				sn->n++;
			}
		}
	}
	close(pm);
	fclose(f);
	return known ? 0 : -1;
}

/* The call stack: the stack mapping below the title's memory. */
static int
in_call_stack(const struct snapshot *sn, uintptr_t a)
{
	return a >= sn->stack_lo && a < sn->stack_hi &&
	    a + 4096 <= (sn->arg_start & ~(uintptr_t)4095);
}

/* The page at a holds some of the title's memory (argv and environ). */
static int
in_title(const struct snapshot *sn, uintptr_t a)
{
	return a + 4096 > sn->arg_start && a < sn->env_end;
}

/*
 * Between two forks the supervisor writes no page its children share but
 * its call stack and its thread's own block (errno, and what the kernel
 * keeps there for restartable sequences: two pages).  A page it writes
 * after a fork is copied for it, and the old copy stays with that child
 * alone yet filed under the supervisor, so every reverse-map walk of it
 * visits every child alive: the cost behind a ramp that slows as children
 * grow.  Counted by physical page: over
 * 100 held sessions (after 100 more that warmed its tables), a page
 * whose physical page changed was written.  In particular the title's
 * memory is left alone: a child writes its own title.
 */
static void
test_forks_copy_only_the_stack(void **state)
{
	static struct snapshot	 before, after;
	struct okd_proc		*p = start(state, BASE_CONF "backlog 128\n"
				    "max-per-source 300\n", NULL);
	int			 fd[2 * HELD_FORKS], i, copied = 0;
	size_t			 j, k;
	char			 buf[2];

	/* The sanitizer's shadow memory is written on every call. */
	if (asan_build) {
		print_message("skipped: AddressSanitizer build\n");
		skip();
	}
	for (i = 0; i < 2 * HELD_FORKS; i++) {
		if (i == HELD_FORKS && snapshot(p->pid, &before) == -1) {
			print_message("skipped: no physical page numbers\n");
			skip();
		}
		fd[i] = tcp_connect("127.0.0.1", p->port);
		assert_true(fd[i] >= 0);
		assert_int_equal(send(fd[i], "x", 1, 0), 1);
		assert_int_equal(read_exact(fd[i], buf, 2, 10000), 0);
	}
	assert_int_equal(snapshot(p->pid, &after), 0);
	for (j = 0, k = 0; j < before.n; j++) {
		while (k < after.n && after.addr[k] < before.addr[j])
			k++;
		if (k == after.n || after.addr[k] != before.addr[j] ||
		    after.pfn[k] == before.pfn[j] ||
		    in_call_stack(&before, before.addr[j]))
			continue;
		print_message("supervisor wrote %#lx%s\n",
		    (unsigned long)before.addr[j],
		    in_title(&before, before.addr[j]) ? " (the title)" : "");
		assert_false(in_title(&before, before.addr[j]));
		copied++;
	}
	assert_true(copied <= 2);
	for (i = 0; i < 2 * HELD_FORKS; i++)
		close(fd[i]);
}

/* max-children: the one too many is accepted and closed, and counted. */
static void
test_max_children(void **state)
{
	struct okd_proc	*p = start(state, BASE_CONF "max-children 2\n", NULL);
	int		 a, b, c, i;

	a = tcp_connect("127.0.0.1", p->port);
	b = tcp_connect("127.0.0.1", p->port);
	assert_int_equal(roundtrip(a, "x"), 0);
	assert_int_equal(roundtrip(b, "x"), 0);
	c = tcp_connect("127.0.0.1", p->port);
	assert_true(c >= 0);
	assert_int_equal(expect_eof(c, 3000), 0);
	close(c);
	kill(p->pid, SIGUSR1);
	assert_int_equal(okd_log_wait(p, "refused-max-children=1", 3000), 0);
	assert_int_equal(okd_log_wait(p, "reason=max-children", 3000), 0);
	/*
	 * A slot frees up once the supervisor has reaped the child; until
	 * then the refusal is right, so retry, bounded.
	 */
	close(a);
	for (i = 0; i < 100; i++) {
		c = tcp_connect("127.0.0.1", p->port);
		if (roundtrip(c, "x") == 0)
			break;
		close(c);
		usleep(20000);
	}
	assert_true(i < 100);
	close(c);
	close(b);
}

static void
test_bad_config_exits_78(void **state)
{
	char	 out[4096], cmd[512];
	char	 path[] = "/tmp/okdtest-bad.XXXXXX";
	int	 fd, rc;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "listen 127.0.0.1:1\nlistn 2\nbacklog 0\n",
	    37), 37);
	close(fd);
	snprintf(cmd, sizeof(cmd), "${OKD_BIN:-build/okd} -D -f %s 2>&1", path);
	rc = run_capture(cmd, out, sizeof(out), 5000);
	assert_int_equal(rc, 78);
	snprintf(cmd, sizeof(cmd), "%s:2: unknown keyword \"listn\"", path);
	assert_non_null(strstr(out, cmd));
	snprintf(cmd, sizeof(cmd), "%s:3: backlog:", path);
	assert_non_null(strstr(out, cmd));
	snprintf(cmd, sizeof(cmd), "${OKD_BIN:-build/okd} -t -f %s", path);
	assert_int_equal(run_capture(cmd, out, sizeof(out), 5000), 78);
	unlink(path);
}

/*
 * Found by clang-tidy (cert-err33-c on config_print's fprintf): -T into a
 * full disk must fail, not exit 0 with the configuration lost.
 */
static void
test_print_write_error(void **state)
{
	char	out[1024];

	(void)state;
	if (access("/dev/full", W_OK) == -1) {
		print_message("skipped: no writable /dev/full\n");
		skip();
	}
	assert_int_equal(run_capture("${OKD_BIN:-build/okd} -T -f conf/okd.conf "
	    "2>&1 >/dev/full", out, sizeof(out), 5000), 1);
	assert_non_null(strstr(out, "standard output"));
}

static void
test_bad_flag_exits_64(void **state)
{
	char	out[1024];

	(void)state;
	assert_int_equal(run_capture("${OKD_BIN:-build/okd} -Q 2>&1", out,
	    sizeof(out), 5000), 64);
	assert_non_null(strstr(out, "usage: okd"));
	assert_int_equal(run_capture("${OKD_BIN:-build/okd} extra 2>&1", out,
	    sizeof(out), 5000), 64);
}

/* A second okd on the same pidfile refuses to start and names the first. */
static void
test_pidfile_second_instance(void **state)
{
	struct okd_proc	*p;
	char		 conf[256], out[2048], cmd[512], pid[32];
	struct stat	 st;

	p = calloc(1, sizeof(*p));
	*state = p;
	snprintf(conf, sizeof(conf), "listen 127.0.0.1:%%PORT%%\npidfile /tmp/okdtest-%d.pid\n",
	    (int)getpid());
	assert_int_equal(okd_start(p, conf, NULL), 0);
	snprintf(cmd, sizeof(cmd), "${OKD_BIN:-build/okd} -D -f %s "
	    "-o 'listen 127.0.0.1:%d' -o 'log-target stderr' 2>&1", p->conf,
	    okdtest_port());
	assert_int_equal(run_capture(cmd, out, sizeof(out), 5000), 69);
	snprintf(pid, sizeof(pid), "pid %d", (int)p->pid);
	assert_non_null(strstr(out, pid));
	assert_int_equal(okd_stop(p), 0);
	snprintf(cmd, sizeof(cmd), "/tmp/okdtest-%d.pid", (int)getpid());
	/*
	 * Removed on a clean exit; started as root, okd is nobody by then,
	 * which may not remove root's file from /tmp: the file is emptied.
	 */
	if (geteuid() == 0) {
		assert_int_equal(stat(cmd, &st), 0);
		assert_int_equal(st.st_size, 0);
		assert_int_equal(unlink(cmd), 0);
	} else
		assert_int_equal(access(cmd, F_OK), -1);
}

/* A pidfile that is a symbolic link is refused, and what it names untouched. */
static void
test_pidfile_symlink_refused(void **state)
{
	char	target[64], link[64], cmd[512], out[2048], buf[16];
	FILE	*fp;

	(void)state;
	snprintf(target, sizeof(target), "/tmp/okdtest-%d.target", (int)getpid());
	snprintf(link, sizeof(link), "/tmp/okdtest-%d.link", (int)getpid());
	assert_non_null(fp = fopen(target, "w"));
	fputs("precious\n", fp);
	fclose(fp);
	unlink(link);
	assert_int_equal(symlink(target, link), 0);
	snprintf(cmd, sizeof(cmd), "${OKD_BIN:-build/okd} -D -f /dev/null "
	    "-o 'listen 127.0.0.1:%d' -o 'pidfile %s' -o 'log-target stderr' "
	    "2>&1", okdtest_port(), link);
	assert_int_equal(run_capture(cmd, out, sizeof(out), 5000), 73);
	assert_non_null(strstr(out, "is a symbolic link"));
	assert_non_null(fp = fopen(target, "r"));
	assert_non_null(fgets(buf, sizeof(buf), fp));
	fclose(fp);
	assert_string_equal(buf, "precious\n");
	unlink(link);
	unlink(target);
}

/* Without -D okd detaches, writes its pidfile, and serves. */
static void
test_detach(void **state)
{
	char	out[256], cmd[512], pidfile[64];
	FILE	*fp;
	long	 pid = 0;
	int	 port = okdtest_port(), fd;

	(void)state;
	snprintf(pidfile, sizeof(pidfile), "/tmp/okdtest-d%d.pid", (int)getpid());
	snprintf(cmd, sizeof(cmd), "${OKD_BIN:-build/okd} -f /dev/null "
	    "-o 'listen 127.0.0.1:%d' -o 'pidfile %s' -o 'log-target syslog'",
	    port, pidfile);
	assert_int_equal(run_capture(cmd, out, sizeof(out), 5000), 0);
	fp = fopen(pidfile, "r");
	assert_non_null(fp);
	assert_int_equal(fscanf(fp, "%ld", &pid), 1);
	fclose(fp);
	assert_true(pid > 1);
	assert_int_equal(kill((pid_t)pid, 0), 0);
	fd = tcp_connect("127.0.0.1", port);
	assert_int_equal(roundtrip(fd, "x"), 0);
	close(fd);
	kill((pid_t)pid, SIGTERM);
}

/* -T prints every keyword; fed back through -t it is accepted unchanged. */
static void
test_print_roundtrip(void **state)
{
	char	 a[8192], b[8192], cmd[512];
	char	 path[] = "/tmp/okdtest-T.XXXXXX";
	int	 fd;

	(void)state;
	assert_int_equal(run_capture("${OKD_BIN:-build/okd} -T -f conf/okd.conf "
	    "-o 'reply \"\\x01OK\\r\\n\\\"\"' -o 'idle-timeout 1500ms' "
	    "-o 'listen [::1]:8001' -o 'listen *:9'", a, sizeof(a), 5000), 0);
	assert_non_null(strstr(a, "reply \"\\x01OK\\r\\n\\\"\"\n"));
	assert_non_null(strstr(a, "idle-timeout 1500ms\n"));
	assert_non_null(strstr(a, "listen [::1]:8001\nlisten *:9\n"));
	fd = mkstemp(path);
	assert_int_equal(write(fd, a, strlen(a)), (ssize_t)strlen(a));
	close(fd);
	snprintf(cmd, sizeof(cmd), "${OKD_BIN:-build/okd} -t -f %s", path);
	assert_int_equal(run_capture(cmd, b, sizeof(b), 5000), 0);
	assert_string_equal(b, "configuration OK\n");
	snprintf(cmd, sizeof(cmd), "${OKD_BIN:-build/okd} -T -f %s", path);
	assert_int_equal(run_capture(cmd, b, sizeof(b), 5000), 0);
	assert_string_equal(a, b);
	unlink(path);
}

/* IPv6 and IPv4 wildcards side by side, thanks to IPV6_V6ONLY. */
static void
test_dual_stack(void **state)
{
	struct okd_proc	*p = start(state, "listen *:%PORT%\nlisten [::]:%PORT%\n",
			    NULL);
	int		 fd;

	fd = tcp_connect("127.0.0.1", p->port);
	assert_int_equal(roundtrip(fd, "v4"), 0);
	close(fd);
	assert_int_equal(okd_log_wait(p, "listening on [::]:", 1000), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_reply_per_read_and_eof, teardown),
		cmocka_unit_test_teardown(test_line_mode, teardown),
		cmocka_unit_test_teardown(test_200_concurrent, teardown),
		cmocka_unit_test_teardown(test_idle_timeout, teardown),
		cmocka_unit_test_teardown(test_send_timeout, teardown),
		cmocka_unit_test_teardown(test_reload_listen_set, teardown),
		cmocka_unit_test_teardown(test_reload_follows_swapped_links,
		    teardown),
		cmocka_unit_test_teardown(test_sigterm_drains, teardown),
		cmocka_unit_test_teardown(test_sigterm_grace_expires, teardown),
		cmocka_unit_test_teardown(test_no_zombies, teardown),
		cmocka_unit_test_teardown(test_forks_copy_only_the_stack,
		    teardown),
		cmocka_unit_test_teardown(test_max_children, teardown),
		cmocka_unit_test(test_bad_config_exits_78),
		cmocka_unit_test(test_bad_flag_exits_64),
		cmocka_unit_test(test_print_write_error),
		cmocka_unit_test_teardown(test_pidfile_second_instance, teardown),
		cmocka_unit_test(test_pidfile_symlink_refused),
		cmocka_unit_test(test_detach),
		cmocka_unit_test(test_print_roundtrip),
		cmocka_unit_test_teardown(test_dual_stack, teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("integ_okd", tests, NULL, NULL);
}
