/* Dropping root in a child: chroot and ids resolved once, at config time. */
#ifndef PRIVDROP_H
#define PRIVDROP_H

#include <limits.h>
#include <sys/types.h>

/* Resolved in the supervisor: a chrooted child cannot read /etc/passwd. */
struct privdrop {
	int		setids;		/* a user was named */
	uid_t		uid;
	gid_t		gid;
	int		dochroot;	/* a directory other than "none" */
	char		root[PATH_MAX];
};

int	privdrop_resolve(struct privdrop *, const char *, const char *,
	    const char *, const char **);
int	privdrop_apply(const struct privdrop *, const char **);

#endif
