/* SPDX-License-Identifier: ISC */
/* Dropping root: the supervisor's ids and capabilities, given up for good before it serves. */
#ifndef PRIVDROP_H
#define PRIVDROP_H

#include <sys/types.h>

/* The identity to take, resolved once at start from the names. */
struct privdrop {
	int		setids;		/* started as root with a user named */
	uid_t		uid;
	gid_t		gid;
	int		keep_bind;	/* keep CAP_NET_BIND_SERVICE alone */
};

int	privdrop_resolve(struct privdrop *, const char *, const char *,
	    const char **);
int	privdrop_apply(const struct privdrop *, const char **);
int	privdrop_child(void);

#endif
