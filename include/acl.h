/* SPDX-License-Identifier: ISC */
/* The access list: ordered allow/deny prefixes, first match decides, no match allows. */
#ifndef ACL_H
#define ACL_H

#include <stddef.h>
#include <sys/socket.h>

#include "cidr.h"

#define ACL_MAX		256

enum acl_action {
	ACL_ALLOW = 1,
	ACL_DENY
};

struct acl_rule {
	struct cidr		net;
	enum acl_action		action;
};

/* Fixed size with no pointers, so a reload replaces it by plain assignment. */
struct acl {
	size_t			n;
	struct acl_rule		rule[ACL_MAX];
};

void		 acl_init(struct acl *);
int		 acl_add(struct acl *, enum acl_action, const char *,
		    const char **);
int		 acl_check(const struct acl *, const struct sockaddr *);
int		 acl_lookup(const struct acl *, const struct sockaddr *);
const char	*acl_action_name(enum acl_action);

#endif
