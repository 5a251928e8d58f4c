/* SPDX-License-Identifier: ISC */
/* The access list: ordered allow/deny prefixes, first match decides, no match allows. */
#include <string.h>

#include "acl.h"

/* Empties the list: every peer is allowed. */
void
acl_init(struct acl *acl)
{
	acl->n = 0;
}

/* Appends "allow/deny prefix"; 0, or -1 with *errstr (bad prefix, list full). */
int
acl_add(struct acl *acl, enum acl_action action, const char *prefix,
    const char **errstr)
{
	struct acl_rule	*r;

	if (acl->n == ACL_MAX) {
		*errstr = "too many allow/deny rules (at most 256)";
		return -1;
	}
	r = &acl->rule[acl->n];
	if (cidr_parse(prefix, &r->net, errstr) == -1)
		return -1;
	r->action = action;
	acl->n++;
	return 0;
}

/* Returns the index of the first rule matching sa, or -1 when none does. */
int
acl_lookup(const struct acl *acl, const struct sockaddr *sa)
{
	struct srcaddr	 a;
	size_t		 i;
	int		 ip;

	ip = srcaddr_from_sockaddr(sa, &a) == 0;
	for (i = 0; i < acl->n; i++) {
		if (acl->rule[i].net.family == AF_UNSPEC)
			return (int)i;
		if (ip && cidr_match_addr(&acl->rule[i].net, &a))
			return (int)i;
	}
	return -1;
}

/* Returns ACL_ALLOW or ACL_DENY for peer sa. */
int
acl_check(const struct acl *acl, const struct sockaddr *sa)
{
	int	 i;

	if ((i = acl_lookup(acl, sa)) == -1)
		return ACL_ALLOW;
	return acl->rule[i].action;
}

/* Returns the config keyword of an action. */
const char *
acl_action_name(enum acl_action action)
{
	return action == ACL_DENY ? "deny" : "allow";
}
