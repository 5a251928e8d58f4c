/* SPDX-License-Identifier: ISC */
/* The access list: ordered allow/deny prefixes, first match decides, no match allows. */
#ifndef ACL_H
#define ACL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "cidr.h"

enum acl_action {
	ACL_ALLOW = 1,
	ACL_DENY
};

struct acl_rule {
	struct cidr		net;
	enum acl_action		action;
	uint32_t		file;	/* 0: acl_add, k: the k-th acl_add_file */
};

/*
 * A node of the prefix tree: the first bits of key (the address as two
 * words, leading bits first), the lowest index of the rules ending exactly
 * here (ACL_NORULE when none), two children by the next bit (0 when none).
 * Nodes 0 and 1 are the IPv4 and IPv6 roots.
 */
struct acl_node {
	uint64_t		key[2];
	uint32_t		child[2];
	uint32_t		rule;
	uint8_t			bits;
};

/*
 * Rules in order, and one path-compressed binary tree per family over
 * them, built as rules are added.  It owns memory, on the heap or, after
 * acl_private(), from the allocator given (the supervisor's: memory
 * children do not inherit): a struct acl is moved by plain assignment,
 * ownership moving with it, and freed once.
 */
struct acl {
	struct acl_rule		*rule;
	size_t			 n;
	size_t			 cap;
	struct acl_node		*node;
	uint32_t		 nnode;
	uint32_t		 capnode;
	uint32_t		 star;	/* lowest "*" rule, ACL_NORULE when none */
	uint32_t		 nfile;	/* acl_add_file calls so far */
	/* Where the arrays live after acl_private(); NULL: the heap. */
	void			*(*alloc)(size_t);
	void			 (*release)(void *, size_t);
};

#define ACL_NORULE		UINT32_MAX
/* Longest line acl_add_file reads, without its newline. */
#define ACL_LINE_MAX		256

typedef void	(*acl_errfn)(void *, size_t, const char *);

void		 acl_init(struct acl *);
int		 acl_add(struct acl *, enum acl_action, const char *,
		    const char **);
int		 acl_add_file(struct acl *, enum acl_action, const char *,
		    acl_errfn, void *);
int		 acl_check(const struct acl *, const struct sockaddr *);
int		 acl_lookup(const struct acl *, const struct sockaddr *);
size_t		 acl_count(const struct acl *);
const struct acl_rule *acl_rule(const struct acl *, size_t);
void		 acl_free(struct acl *);
int		 acl_private(struct acl *, void *(*)(size_t),
		    void (*)(void *, size_t));
const char	*acl_action_name(enum acl_action);
size_t		 acl_check_steps(const struct acl *, const struct sockaddr *);

#endif
