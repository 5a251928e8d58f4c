/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for child.c: a forked child boxed by child_box() serves a
 * real session and runs under the filter; child_reaped() writes the close
 * line from the shared slot and counts each way a child can end.
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "child.h"
#include "log.h"
#include "okdtest.h"
#include "sandbox.h"
#include "session.h"
#include "unitassert.h"

static struct config	cf;

static int
setup(void **state)
{
	(void)state;
	assert_int_equal(config_parse(&cf, NULL, "none", NULL, 0), 0);
	return 0;
}

/* Valgrind's own calls would trip the filter. */
static int
under_valgrind(void)
{
	const char	*p = getenv("LD_PRELOAD");

	return p != NULL && strstr(p, "vgpreload") != NULL;
}

/* The first number of field name in /proc/pid/status. */
static long
status_field(pid_t pid, const char *name)
{
	char	v[128];

	assert_int_equal(proc_status_field(pid, name, v, sizeof(v)), 0);
	return strtol(v, NULL, 10);
}

/* child_serve(): boxed, the session answers, the slot gets its figures. */
static void
test_serve_boxed(void **state)
{
	struct outcomes	 outs;
	struct outcome	*o;
	uint32_t	 slot;
	char		 buf[8];
	pid_t		 pid;
	int		 sp[2], st;

	(void)state;
	if (under_valgrind())
		skip();
	assert_int_equal(sandbox_prepare(), 0);
	assert_int_equal(outcomes_init(&outs, 4), 0);
	assert_non_null(o = outcomes_take(&outs, "127.0.0.1:9", NULL, &slot));
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	session_signals();
	assert_true((pid = fork()) != -1);
	if (pid == 0) {
		close(sp[0]);
		child_serve(sp[1], "127.0.0.1:9", &cf, o);
	}
	close(sp[1]);
	assert_int_equal(send(sp[0], "ping", 4, 0), 4);
	assert_int_equal(recv(sp[0], buf, 2, MSG_WAITALL), 2);
	assert_memory_equal(buf, "OK", 2);
	assert_int_equal(status_field(pid, "NoNewPrivs"), 1);
	assert_int_equal(status_field(pid, "Seccomp"), 2);
	assert_int_equal(shutdown(sp[0], SHUT_WR), 0);
	assert_int_equal(recv(sp[0], buf, sizeof(buf), 0), 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_int_equal(o->done, 1);
	assert_int_equal(o->st.in, 4);
	assert_int_equal(o->st.replies, 1);
	assert_int_equal(o->st.end, SESSION_EOF);
	close(sp[0]);
	outcomes_free(&outs);
}

/* Reaps a made-up child with wait status st; returns what stderr got. */
static char *
reaped(struct supervisor_live *live, int st, int done, char *buf,
    size_t len)
{
	struct log_limiter	 rl;
	struct child		 kid;
	struct timespec		 now;
	struct outcome		*o;
	ssize_t			 n;
	int			 p[2], saved;

	memset(&rl, 0, sizeof(rl));
	memset(&kid, 0, sizeof(kid));
	kid.pid = 4242;
	assert_non_null(o = outcomes_take(&live->outcomes, "127.0.0.1:7",
	    NULL, &kid.outcome));
	o->done = (uint32_t)done;
	o->st.end = SESSION_RESET;
	clock_gettime(CLOCK_MONOTONIC, &now);
	kid.start = now;
	assert_int_equal(pipe2(p, O_NONBLOCK), 0);
	saved = dup(STDERR_FILENO);
	assert_int_equal(dup2(p[1], STDERR_FILENO), STDERR_FILENO);
	log_init(LOG_TARGET_STDERR, LOG_INFO, 1);
	child_reaped(live, &rl, &kid, st, &now);
	assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	log_init(LOG_TARGET_STDERR, LOG_INFO, 1);
	close(saved);
	n = read(p[0], buf, len - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(p[0]);
	close(p[1]);
	return buf;
}

/* Each end counted once: clean, failed, signalled, filter violation. */
static void
test_reaped_counts(void **state)
{
	struct supervisor_live	live;
	char			buf[2048];

	(void)state;
	memset(&live, 0, sizeof(live));
	assert_int_equal(outcomes_init(&live.outcomes, 8), 0);
	assert_non_null(strstr(reaped(&live, 0, 1, buf, sizeof(buf)),
	    "close peer=127.0.0.1:7 pid=4242"));
	assert_non_null(strstr(buf, "reason=reset"));
	assert_int_equal(live.count.failed + live.count.signaled, 0);
	assert_non_null(strstr(reaped(&live, 1 << 8, 0, buf, sizeof(buf)),
	    "exited with status 1"));
	assert_null(strstr(buf, "close peer="));
	assert_int_equal(live.count.failed, 1);
	assert_non_null(strstr(reaped(&live, SIGKILL, 0, buf, sizeof(buf)),
	    "killed by signal 9"));
	assert_int_equal(live.count.signaled, 1);
	assert_int_equal(live.count.violations, 0);
	assert_non_null(strstr(reaped(&live, SIGSYS, 0, buf, sizeof(buf)),
	    "sandbox violation"));
	assert_int_equal(live.count.signaled, 2);
	assert_int_equal(live.count.violations, 1);
	/* Every slot was handed back. */
	assert_int_equal(live.outcomes.nfree, live.outcomes.used);
	outcomes_free(&live.outcomes);
}

/* Three accept lines, the last below the level set. */
static int
write_accepted(void)
{
	log_init(LOG_TARGET_STDERR, LOG_INFO, 1);
	child_accepted("127.0.0.1:5", NULL, 42, 3);
	child_accepted("127.0.0.2:6", "127.0.0.9:7", 43, 4);
	log_setlevel(LOG_NOTICE);
	child_accepted("127.0.0.3:8", NULL, 44, 5);
	return 0;
}

/* The accept line: peer, the child's pid, live children, and a proxy if any. */
static void
test_accepted_line(void **state)
{
	char	 buf[512];
	int	 st;

	(void)state;
	st = run_with_stderr(write_accepted, buf, sizeof(buf));
	assert_true(st != -1);
	assert_exit0(st);
	assert_non_null(strstr(buf,
	    "]: accept peer=127.0.0.1:5 pid=42 active=3\n"));
	assert_non_null(strstr(buf,
	    "]: accept peer=127.0.0.2:6 pid=43 active=4 proxy=127.0.0.9:7\n"));
	assert_null(strstr(buf, "127.0.0.3"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_serve_boxed, setup),
		cmocka_unit_test_setup(test_reaped_counts, setup),
		cmocka_unit_test(test_accepted_line),
	};

	return cmocka_run_group_tests_name("child", tests, NULL, NULL);
}
