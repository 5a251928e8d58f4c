/* SPDX-License-Identifier: ISC */
/*
 * PROXY protocol against a real HAProxy on loopback: v1 and v2 reach okd,
 * its logs name the original client, per-source limits count original
 * clients, HAProxy's health check marks okd up, checks from
 * health-check-from are counted and not logged, and a connection without a
 * header is refused.  Also two okd sharing a port with reuse-port.
 */

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

struct rig {
	struct okd_proc	okd;
	pid_t		haproxy;
	int		fe1;		/* frontend: send-proxy (v1) */
	int		fe2;		/* frontend: send-proxy-v2 */
	char		sock[160];	/* HAProxy's stats socket */
};

static int
have_haproxy(void)
{
	char	out[256];

	return run_capture("command -v haproxy", out, sizeof(out), 5000) == 0;
}

/* Waits until port answers a connect: HAProxy has no other signal. */
static int
wait_port(int port, int timeout_ms)
{
	long	end = now_ms() + timeout_ms;
	int	fd;

	while (now_ms() < end) {
		if ((fd = tcp_connect("127.0.0.1", port)) >= 0) {
			close(fd);
			return 0;
		}
		usleep(20000);
	}
	return -1;
}

/*
 * The global, defaults and two frontends every rig's HAProxy has: fe1 to
 * be1, fe2 to backend fe2_to.
 */
static void
haproxy_head(FILE *fp, const struct rig *r, const char *fe2_to)
{
	fprintf(fp,
	    "global\n"
	    "    stats socket %s mode 600 level admin\n"
	    "defaults\n"
	    "    mode tcp\n"
	    "    timeout connect 2s\n"
	    "    timeout client 10s\n"
	    "    timeout server 10s\n"
	    "frontend fe1\n"
	    "    bind 127.0.0.1:%d\n"
	    "    default_backend be1\n"
	    "frontend fe2\n"
	    "    bind 127.0.0.1:%d\n"
	    "    default_backend %s\n",
	    r->sock, r->fe1, r->fe2, fe2_to);
}

/*
 * A backend of okd alone, checked in okd's protocol (send x, expect OK)
 * with the given PROXY version, interval, fall count and source address.
 */
static void
haproxy_backend(FILE *fp, const struct rig *r, const char *name,
    const char *send_proxy, const char *inter, int fall, const char *source)
{
	fprintf(fp,
	    "backend %s\n"
	    "    option tcp-check\n"
	    "    tcp-check send x\n"
	    "    tcp-check expect string OK\n"
	    "    server okd 127.0.0.1:%d %s check check-send-proxy "
	    "inter %s rise 1 fall %d source %s\n",
	    name, r->okd.port, send_proxy, inter, fall, source);
}

/* fe1 sends PROXY v1 to okd, fe2 v2, each backend from its own address. */
static void
write_haproxy_conf(struct rig *r, const char *path)
{
	FILE	*fp = fopen(path, "w");

	assert_non_null(fp);
	haproxy_head(fp, r, "be2");
	haproxy_backend(fp, r, "be1", "send-proxy", "300ms", 1, "127.0.0.10");
	haproxy_backend(fp, r, "be2", "send-proxy-v2", "300ms", 1,
	    "127.0.0.11");
	fclose(fp);
}

/*
 * As conf/haproxy.cfg.example: one backend whose checks come from
 * 127.0.0.12, okd's health-check-from, but every 100 ms.
 */
static void
write_check_conf(struct rig *r, const char *path)
{
	FILE	*fp = fopen(path, "w");

	assert_non_null(fp);
	haproxy_head(fp, r, "be1");
	haproxy_backend(fp, r, "be1", "send-proxy-v2", "100ms", 3,
	    "127.0.0.12");
	fclose(fp);
}

/* okd with okd_conf, then HAProxy with the configuration conf writes. */
static int
rig_up(void **state, const char *okd_conf,
    void (*conf)(struct rig *, const char *))
{
	struct rig	*r;
	char		 cfg[160];

	if (!have_haproxy()) {
		printf("skip: haproxy is not installed\n");
		return -1;
	}
	r = calloc(1, sizeof(*r));
	*state = r;
	r->haproxy = -1;
	if (okd_start(&r->okd, okd_conf, NULL) == -1)
		return -1;
	r->fe1 = okdtest_port();
	r->fe2 = okdtest_port();
	snprintf(r->sock, sizeof(r->sock), "%s/haproxy.sock", r->okd.dir);
	snprintf(cfg, sizeof(cfg), "%s/haproxy.cfg", r->okd.dir);
	conf(r, cfg);
	if ((r->haproxy = fork()) == 0) {
		execlp("haproxy", "haproxy", "-db", "-q", "-f", cfg,
		    (char *)NULL);
		_exit(127);
	}
	if (wait_port(r->fe1, 10000) == -1 || wait_port(r->fe2, 10000) == -1)
		return -1;
	return 0;
}

static int
setup(void **state)
{
	/*
	 * Each backend connects from its own address: health checks carry a
	 * LOCAL header, so they count as the proxy's own source, and two
	 * at once must not trip max-per-source 1.
	 */
	return rig_up(state, "listen 127.0.0.1:%PORT% proxy-protocol\n"
	    "proxy-from 127.0.0.10\nproxy-from 127.0.0.11\n"
	    "max-per-source 1\n", write_haproxy_conf);
}

static int
setup_checks(void **state)
{
	return rig_up(state, "listen 127.0.0.1:%PORT% proxy-protocol\n"
	    "proxy-from 127.0.0.12\nhealth-check-from 127.0.0.12\n"
	    "log-level info\n", write_check_conf);
}

static int
teardown(void **state)
{
	struct rig	*r = *state;
	int		 bad;

	if (r == NULL)
		return 0;
	if (r->haproxy > 0) {
		kill(r->haproxy, SIGTERM);
		if (okd_wait_exit(r->haproxy, 5000) == -1) {
			kill(r->haproxy, SIGKILL);
			okd_wait_exit(r->haproxy, 5000);
		}
	}
	bad = okd_cleanup(&r->okd);
	free(r);
	return bad;
}

/* Through a frontend, from a chosen client source. */
static int
via_haproxy(int fe, const char *src)
{
	int	fd = tcp_connect_from(src, "127.0.0.1", fe);

	if (fd >= 0 && roundtrip(fd, "hello") == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

static void
test_v1_and_v2_reach_okd(void **state)
{
	struct rig	*r = *state;
	int		 fd;

	fd = via_haproxy(r->fe1, "127.0.0.2");
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(okd_log_wait(&r->okd, "close peer=127.0.0.2:", 5000),
	    0);
	fd = via_haproxy(r->fe2, "127.0.0.3");
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(okd_log_wait(&r->okd, "close peer=127.0.0.3:", 5000),
	    0);
	/* The logs name the proxy too. */
	assert_int_equal(okd_log_wait(&r->okd, "proxy=127.0.0.10:", 1000), 0);
}

/* max-per-source 1 counts the clients behind HAProxy, not HAProxy. */
static void
test_per_source_counts_original_clients(void **state)
{
	struct rig	*r = *state;
	int		 a, b, c;
	char		 buf[2];

	a = via_haproxy(r->fe2, "127.0.0.4");
	assert_true(a >= 0);
	/* Same original client: refused, HAProxy closes the client side. */
	b = tcp_connect_from("127.0.0.4", "127.0.0.1", r->fe2);
	assert_true(b >= 0);
	send(b, "x", 1, MSG_NOSIGNAL);
	assert_int_equal(read_exact(b, buf, 2, 3000), -1);
	close(b);
	/* Another client through the same proxy: served. */
	c = via_haproxy(r->fe1, "127.0.0.5");
	assert_true(c >= 0);
	/* Counted, not logged: health checks may have used the log slot. */
	assert_true(okd_stat(&r->okd, "refused-per-source") >= 1);
	close(a);
	close(c);
}

/* HAProxy's tcp-check (x, then expect OK) through the header marks it UP. */
static void
test_health_check_marks_up(void **state)
{
	struct rig	*r = *state;
	char		 cmd[256], out[8192];
	long		 end = now_ms() + 10000;
	int		 up = 0;

	snprintf(cmd, sizeof(cmd), "echo 'show stat' | socat - UNIX-CONNECT:%s",
	    r->sock);
	while (!up && now_ms() < end) {
		if (run_capture(cmd, out, sizeof(out), 5000) == 0 &&
		    strstr(out, "be1,okd,") != NULL &&
		    strstr(out, "be2,okd,") != NULL) {
			char	*a = strstr(out, "be1,okd,");
			char	*b = strstr(out, "be2,okd,");

			up = strstr(a, ",UP") != NULL &&
			    strstr(a, ",UP") < strchr(a, '\n') &&
			    strstr(b, ",UP") != NULL &&
			    strstr(b, ",UP") < strchr(b, '\n');
		}
		if (!up)
			usleep(100000);
	}
	assert_true(up);
}

/*
 * HAProxy checking every 100 ms from health-check-from: the checks are
 * counted (health-checks=), never logged, not even the reset HAProxy ends
 * each with; a client through the same HAProxy is logged as always.
 */
static void
test_health_checks_counted_not_logged(void **state)
{
	struct rig	*r = *state;
	char		*log;
	long		 end = now_ms() + 10000, checks = 0;
	int		 fd;

	while (now_ms() < end && (checks = okd_stat(&r->okd,
	    "health-checks")) < 20)
		usleep(100000);
	assert_true(checks >= 20);
	fd = via_haproxy(r->fe1, "127.0.0.6");
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(okd_log_wait(&r->okd, "close peer=127.0.0.6:", 5000),
	    0);
	log = okd_log_read(&r->okd);
	/* A check's peer is HAProxy's own address (a LOCAL header). */
	assert_null(strstr(log, "peer=127.0.0.12:"));
	assert_null(strstr(log, "reason=reset"));
	assert_non_null(strstr(log, "accept peer=127.0.0.6:"));
	free(log);
	assert_true(okd_stat(&r->okd, "health-checks") >= checks);
	assert_int_equal(okd_stat(&r->okd, "failed"), 0);
}

/* On the proxy listener, no header means no service, even from a proxy. */
static void
test_direct_without_header_refused(void **state)
{
	struct rig	*r = *state;
	char		 buf[2];
	int		 fd;

	fd = tcp_connect_from("127.0.0.10", "127.0.0.1", r->okd.port);
	assert_true(fd >= 0);
	assert_int_equal(send(fd, "hello\r\n", 7, 0), 7);
	assert_int_equal(read_exact(fd, buf, 2, 2000), -1);
	close(fd);
	/* From outside proxy-from: refused before a byte is read. */
	fd = tcp_connect_from("127.0.0.9", "127.0.0.1", r->okd.port);
	assert_true(fd >= 0);
	assert_int_equal(expect_eof(fd, 3000), 0);
	close(fd);
	assert_int_equal(okd_log_wait(&r->okd, "reason=proxy", 3000), 0);
}

/* Two okd with reuse-port yes on one port: the kernel feeds both. */
static void
test_reuse_port_two_instances(void **state)
{
	struct okd_proc	a, b;
	char		conf[128];
	int		i, fd;

	(void)state;
	assert_int_equal(okd_start(&a, "listen 127.0.0.1:%PORT%\n"
	    "reuse-port yes\nlog-level info\n", NULL), 0);
	snprintf(conf, sizeof(conf), "listen 127.0.0.1:%d\nreuse-port yes\n",
	    a.port);
	assert_int_equal(okd_start(&b, conf, NULL), 0);
	for (i = 0; i < 400; i++) {
		fd = tcp_connect("127.0.0.1", a.port);
		assert_int_equal(roundtrip(fd, "x"), 0);
		close(fd);
		if (okd_log_count(&a, "close peer=") > 0 &&
		    okd_log_count(&b, "close peer=") > 0)
			break;
	}
	assert_true(okd_log_wait(&a, "close peer=", 3000) == 0);
	assert_true(okd_log_wait(&b, "close peer=", 3000) == 0);
	assert_int_equal(okd_cleanup(&a), 0);
	assert_int_equal(okd_cleanup(&b), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_v1_and_v2_reach_okd,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_per_source_counts_original_clients, setup, teardown),
		cmocka_unit_test_setup_teardown(test_health_check_marks_up,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_health_checks_counted_not_logged, setup_checks,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_direct_without_header_refused, setup, teardown),
		cmocka_unit_test(test_reuse_port_two_instances),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests_name("integ_proxy", tests, NULL, NULL);
}
