/* SPDX-License-Identifier: ISC */
/*
 * Unit tests of the admission gate: a pure function, so no socket and no
 * wrapped call.  Access rules first, then the global limit (where
 * fair-share may make room), the per-source limit and the rate; a token is
 * taken only for a connection served; health checks are recognised.
 */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "admit.h"

static struct config		cf;
static struct sockaddr_in	peer;

static int
setup(void **state)
{
	(void)state;
	config_free(&cf);	/* the last test's, if any */
	assert_int_equal(config_parse(&cf, NULL, "none", NULL, 0), 0);
	memset(&peer, 0, sizeof(peer));
	peer.sin_family = AF_INET;
	peer.sin_addr.s_addr = htonl(0x7f000009);
	return 0;
}

/* The last test's configuration freed. */
static int
group_teardown(void **state)
{
	(void)state;
	config_free(&cf);
	return 0;
}

/* A known group with n live children, under load live of max. */
static void
state_of(struct admit_state *st, size_t live, size_t groups, uint32_t n,
    uint32_t biggest)
{
	memset(st, 0, sizeof(*st));
	st->known = 1;
	st->live = live;
	st->groups = groups;
	st->group_live = n;
	st->biggest = biggest;
	st->now_ms = 1000;
	bucket_init(&st->bucket, 0);
}

static enum admit_action
decide(const struct admit_state *st, struct admit_verdict *v)
{
	admit_decide(&cf, (const struct sockaddr *)&peer, st, v);
	return v->action;
}

static void
test_serves_below_every_limit(void **state)
{
	struct admit_state	st;
	struct admit_verdict	v;

	(void)state;
	state_of(&st, 0, 0, 0, 0);
	assert_int_equal(decide(&st, &v), ADMIT_SERVE);
	assert_int_equal(v.health, 0);
}

static void
test_access_rule_first(void **state)
{
	struct admit_state	st;
	struct admit_verdict	v;
	const char		*err;

	(void)state;
	assert_int_equal(acl_add(&cf.acl, ACL_DENY, "127.0.0.0/8", &err), 0);
	/* Even at max-children, a denied peer is refused for access. */
	state_of(&st, (size_t)cf.max_children, 1, 0, 1);
	assert_int_equal(decide(&st, &v), ADMIT_REFUSE);
	assert_int_equal(v.reason, REFUSE_ACCESS);
}

static void
test_per_source_limit(void **state)
{
	struct admit_state	st;
	struct admit_verdict	v;

	(void)state;
	state_of(&st, 40, 2, (uint32_t)cf.max_per_source, 32);
	assert_int_equal(decide(&st, &v), ADMIT_REFUSE);
	assert_int_equal(v.reason, REFUSE_PER_SOURCE);
	/* No table entry: every group holds a live child. */
	state_of(&st, 40, 2, 0, 32);
	st.known = 0;
	assert_int_equal(decide(&st, &v), ADMIT_REFUSE);
	assert_int_equal(v.reason, REFUSE_PER_SOURCE);
}

static void
test_max_children_without_fair_share(void **state)
{
	struct admit_state	st;
	struct admit_verdict	v;

	(void)state;
	cf.fair_share = 0;
	state_of(&st, (size_t)cf.max_children, 8, 0, 32);
	assert_int_equal(decide(&st, &v), ADMIT_REFUSE);
	assert_int_equal(v.reason, REFUSE_MAX_CHILDREN);
}

/* Eight groups of 32 fill 256: a ninth source takes one session. */
static void
test_fair_share_evicts_for_a_newcomer(void **state)
{
	struct admit_state	st;
	struct admit_verdict	v;

	(void)state;
	assert_int_equal(cf.max_children, 256);
	assert_int_equal(cf.fair_share, 1);
	state_of(&st, 256, 8, 0, 32);
	assert_int_equal(decide(&st, &v), ADMIT_EVICT);
	/* Its share is 256 / 9 = 28: it may grow to 27 and take the 28th. */
	state_of(&st, 256, 9, 27, 32);
	assert_int_equal(decide(&st, &v), ADMIT_EVICT);
	state_of(&st, 256, 9, 28, 29);
	assert_int_equal(decide(&st, &v), ADMIT_REFUSE);
	assert_int_equal(v.reason, REFUSE_MAX_CHILDREN);
}

static void
test_fair_share_needs_a_bigger_group(void **state)
{
	struct admit_state	st;
	struct admit_verdict	v;

	(void)state;
	/* One group holds everything: it may not evict itself. */
	state_of(&st, 256, 1, 256, 256);
	assert_int_equal(decide(&st, &v), ADMIT_REFUSE);
	/* Groups at their share: nobody holds more, nothing to take. */
	state_of(&st, 256, 255, 0, 1);
	assert_int_equal(decide(&st, &v), ADMIT_REFUSE);
	assert_int_equal(v.reason, REFUSE_MAX_CHILDREN);
}

static void
test_fair_share_evictions_are_bounded(void **state)
{
	struct admit_state	st;
	struct admit_verdict	v;

	(void)state;
	state_of(&st, 256, 8, 0, 32);
	st.evicting = ADMIT_EVICT_MAX;
	assert_int_equal(decide(&st, &v), ADMIT_REFUSE);
	assert_int_equal(v.reason, REFUSE_MAX_CHILDREN);
}

static void
test_rate_takes_a_token_only_when_served(void **state)
{
	struct admit_state	st;
	struct admit_verdict	v;
	const char		*err;

	(void)state;
	assert_int_equal(rate_set(&cf.rate, 1, 60000, 1, &err), 0);
	state_of(&st, 0, 0, 0, 0);
	assert_int_equal(decide(&st, &v), ADMIT_SERVE);
	/* The state is only read: the copy in the verdict took the token. */
	assert_false(bucket_full(&v.bucket, &cf.rate, 1000));
	assert_true(bucket_full(&st.bucket, &cf.rate, 1000));
	st.bucket = v.bucket;
	assert_int_equal(decide(&st, &v), ADMIT_REFUSE);
	assert_int_equal(v.reason, REFUSE_RATE);
}

static void
test_health_checks_recognised(void **state)
{
	struct admit_state	st;
	struct admit_verdict	v;
	const char		*err;

	(void)state;
	assert_int_equal(cidr_parse("127.0.0.9/32", &cf.health_from[0], &err),
	    0);
	cf.nhealth_from = 1;
	state_of(&st, 0, 0, 0, 0);
	assert_int_equal(decide(&st, &v), ADMIT_SERVE);
	assert_int_equal(v.health, 1);
	peer.sin_addr.s_addr = htonl(0x7f00000a);
	assert_int_equal(decide(&st, &v), ADMIT_SERVE);
	assert_int_equal(v.health, 0);
}

static void
test_header_gate(void **state)
{
	enum refuse_reason	why;
	const char		*err;

	(void)state;
	assert_int_equal(admit_header(&cf, (struct sockaddr *)&peer, 0, &why),
	    -1);
	assert_int_equal(why, REFUSE_PROXY);
	assert_int_equal(cidr_parse("127.0.0.0/8", &cf.proxy_from[0], &err), 0);
	cf.nproxy_from = 1;
	assert_int_equal(admit_header(&cf, (struct sockaddr *)&peer, 0, &why),
	    0);
	assert_int_equal(admit_header(&cf, (struct sockaddr *)&peer,
	    (size_t)cf.max_children, &why), -1);
	assert_int_equal(why, REFUSE_MAX_CHILDREN);
}

static void
test_reason_names(void **state)
{
	(void)state;
	assert_string_equal(refuse_reason_name(REFUSE_MAX_CHILDREN),
	    "max-children");
	assert_string_equal(refuse_reason_name(REFUSE_FORK), "fork");
	assert_string_equal(refuse_reason_name(REFUSE_NREASONS), "unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_serves_below_every_limit, setup),
		cmocka_unit_test_setup(test_access_rule_first, setup),
		cmocka_unit_test_setup(test_per_source_limit, setup),
		cmocka_unit_test_setup(test_max_children_without_fair_share,
		    setup),
		cmocka_unit_test_setup(test_fair_share_evicts_for_a_newcomer,
		    setup),
		cmocka_unit_test_setup(test_fair_share_needs_a_bigger_group,
		    setup),
		cmocka_unit_test_setup(test_fair_share_evictions_are_bounded,
		    setup),
		cmocka_unit_test_setup(test_rate_takes_a_token_only_when_served,
		    setup),
		cmocka_unit_test_setup(test_health_checks_recognised, setup),
		cmocka_unit_test_setup(test_header_gate, setup),
		cmocka_unit_test_setup(test_reason_names, setup),
	};

	return cmocka_run_group_tests(tests, NULL, group_teardown);
}
