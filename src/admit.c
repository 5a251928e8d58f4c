/* SPDX-License-Identifier: ISC */
/*
 * The admission gate: from the configuration, what the supervisor knows of
 * the peer's source group and of the whole load, the peer and the time, a
 * verdict.  No I/O and no state of its own, so every rule is tested without
 * a socket; the supervisor only carries the verdict out.
 */

#include <stddef.h>

#include "acl.h"
#include "admit.h"
#include "cidr.h"

static const char *const refuse_names[] = {
	[REFUSE_MAX_CHILDREN] = "max-children",
	[REFUSE_PER_SOURCE] = "per-source",
	[REFUSE_RATE] = "rate",
	[REFUSE_ACCESS] = "access",
	[REFUSE_PROXY] = "proxy",
	[REFUSE_FORK] = "fork",
};

const char *
refuse_reason_name(enum refuse_reason r)
{
	if ((unsigned int)r >= REFUSE_NREASONS)
		return "unknown";
	return refuse_names[r];
}

/* Whether peer sa is one of health-check-from. */
int
admit_is_health_check(const struct config *cf, const struct sockaddr *sa)
{
	size_t	i;

	for (i = 0; i < cf->nhealth_from; i++)
		if (cidr_match(&cf->health_from[i], sa))
			return 1;
	return 0;
}

/*
 * A group's fair share of max-children: an equal part for every group with
 * live children, the peer's own counted even when it has none yet.
 */
static size_t
fair_share(const struct config *cf, const struct admit_state *st)
{
	size_t	groups = st->groups + (st->group_live == 0);

	return (size_t)cf->max_children / (groups > 0 ? groups : 1);
}

/*
 * Whether, at max-children, the newcomer may take a session from the
 * biggest group: it holds less than its fair share, the biggest holds more,
 * and the exchange leaves the newcomer's group still the smaller.
 */
int
admit_fair_share(const struct config *cf, const struct admit_state *st)
{
	size_t	share = fair_share(cf, st);

	return cf->fair_share && st->evicting < ADMIT_EVICT_MAX &&
	    st->group_live < share && st->biggest > share &&
	    st->biggest > st->group_live + 1;
}

static void
refuse(struct admit_verdict *v, enum refuse_reason why)
{
	v->action = ADMIT_REFUSE;
	v->reason = why;
}

/*
 * The verdict on one connection from sa, before any fork: access rules,
 * then the peer's group (its own limit, its rate), then the global limit,
 * where fair-share may make room.  A token is taken from the bucket copy
 * only for a connection that is served.
 */
void
admit_decide(const struct config *cf, const struct sockaddr *sa,
    const struct admit_state *st, struct admit_verdict *v)
{
	int	group_full;

	v->action = ADMIT_SERVE;
	v->reason = REFUSE_NREASONS;
	v->bucket = st->bucket;
	v->health = admit_is_health_check(cf, sa);
	if (acl_check(&cf->acl, sa) == ACL_DENY) {
		refuse(v, REFUSE_ACCESS);
		return;
	}
	/* No entry: every group in the table holds a live child. */
	group_full = !st->known ||
	    st->group_live >= (uint32_t)cf->max_per_source;
	if (st->live >= (size_t)cf->max_children) {
		if (group_full || !admit_fair_share(cf, st)) {
			refuse(v, REFUSE_MAX_CHILDREN);
			return;
		}
		v->action = ADMIT_EVICT;
	}
	if (group_full) {
		refuse(v, REFUSE_PER_SOURCE);
		return;
	}
	if (cf->rate.n > 0 && !bucket_take(&v->bucket, &cf->rate, st->now_ms)) {
		refuse(v, REFUSE_RATE);
		return;
	}
}

/*
 * Whether a connection to a proxy-protocol listener may wait for its
 * header: only from proxy-from, and only while children and waiting
 * headers together stay under max-children.  0, or -1 with *why.
 */
int
admit_header(const struct config *cf, const struct sockaddr *sa, size_t busy,
    enum refuse_reason *why)
{
	size_t	i;

	*why = REFUSE_PROXY;
	for (i = 0; i < cf->nproxy_from; i++)
		if (cidr_match(&cf->proxy_from[i], sa))
			break;
	if (i == cf->nproxy_from)
		return -1;
	*why = REFUSE_MAX_CHILDREN;
	return busy >= (size_t)cf->max_children ? -1 : 0;
}
