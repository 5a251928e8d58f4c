/* SPDX-License-Identifier: ISC */
/*
 * Dropping root.  Started as root, okd opens what needs privilege (its
 * listeners, the pidfile), then the supervisor becomes its configured
 * user for good before it accepts a connection; its children are forked
 * with that identity.  Only CAP_NET_BIND_SERVICE may stay, so that a
 * reload can bind a port below 1024; children shed it.
 */
#include <sys/prctl.h>
#include <sys/syscall.h>

#include <linux/capability.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "privdrop.h"

/* Set once the supervisor kept a capability; its children must shed it. */
static int	kept_caps;

/*
 * Resolves user and group (NULL: the user's primary group) into pd; as
 * another user than root there is nothing to drop and pd stays empty.
 * Returns 0, or -1 with *errstr.
 */
int
privdrop_resolve(struct privdrop *pd, const char *user, const char *group,
    const char **errstr)
{
	struct passwd	*pw;
	struct group	*gr;

	memset(pd, 0, sizeof(*pd));
	if (geteuid() != 0 || user == NULL)
		return 0;
	/* okd has one thread; getpwnam_r buys nothing here. */
	/* cppcheck-suppress getpwnamCalled */
	if ((pw = getpwnam(user)) == NULL) {
		*errstr = "unknown user";
		return -1;
	}
	if (pw->pw_uid == 0) {
		*errstr = "okd does not serve as root";
		return -1;
	}
	pd->setids = 1;
	pd->uid = pw->pw_uid;
	pd->gid = pw->pw_gid;
	if (group == NULL)
		return 0;
	/* cppcheck-suppress getgrnamCalled */
	if ((gr = getgrnam(group)) == NULL) {
		*errstr = "unknown group";
		return -1;
	}
	pd->gid = gr->gr_gid;
	return 0;
}

/* Sets the effective and permitted capabilities to mask (bits 0 to 31). */
static int
set_caps(uint32_t mask)
{
	struct __user_cap_header_struct	hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0
	};
	struct __user_cap_data_struct	data[_LINUX_CAPABILITY_U32S_3];

	memset(data, 0, sizeof(data));
	data[0].effective = data[0].permitted = mask;
	/* glibc has no capset prototype; libcap is not worth one call. */
	return (int)syscall(SYS_capset, &hdr, data);
}

/* Whether the capabilities held are exactly mask (bits 0 to 31). */
static int
caps_are(uint32_t mask)
{
	struct __user_cap_header_struct	hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0
	};
	struct __user_cap_data_struct	data[_LINUX_CAPABILITY_U32S_3];

	/* valgrind takes capget for version 1, which fills data[0] only. */
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) == -1)
		return 0;
	return data[0].effective == mask && data[0].permitted == mask &&
	    data[0].inheritable == 0 && data[1].effective == 0 &&
	    data[1].permitted == 0 && data[1].inheritable == 0;
}

/* Fails unless every id is the wanted one and root cannot come back. */
static int
verify(const struct privdrop *pd, uint32_t mask, const char **errstr)
{
	uid_t	 ru, eu, su;
	gid_t	 rg, eg, sg;

	if (getresuid(&ru, &eu, &su) == -1 ||
	    getresgid(&rg, &eg, &sg) == -1) {
		*errstr = "cannot read ids";
		return -1;
	}
	if (ru != pd->uid || eu != pd->uid || su != pd->uid ||
	    rg != pd->gid || eg != pd->gid || sg != pd->gid) {
		*errstr = "ids not dropped";
		return -1;
	}
	if (!caps_are(mask)) {
		*errstr = "capabilities left after dropping root";
		return -1;
	}
	/* Tried as well as asked: CAP_SETUID is what setuid(0) needs. */
	if (setuid(0) != -1 || setgid(0) != -1) {
		*errstr = "root can be regained";
		return -1;
	}
	return 0;
}

/*
 * Gives up root for good: groups, then gid, then uid, real, effective
 * and saved; CAP_NET_BIND_SERVICE kept alone when pd says so.  Returns 0
 * (also when there was nothing to drop), or -1 with *errstr: okd must
 * then exit.
 */
int
privdrop_apply(const struct privdrop *pd, const char **errstr)
{
	uint32_t	mask = 0;

	if (!pd->setids)
		return 0;
	if (pd->keep_bind) {
		mask = 1U << CAP_NET_BIND_SERVICE;
		if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) == -1) {
			*errstr = "cannot keep capabilities";
			return -1;
		}
	}
	if (setgroups(1, &pd->gid) == -1 ||
	    setresgid(pd->gid, pd->gid, pd->gid) == -1) {
		*errstr = "cannot set group";
		return -1;
	}
	if (setresuid(pd->uid, pd->uid, pd->uid) == -1) {
		*errstr = "cannot set user";
		return -1;
	}
	if (set_caps(mask) == -1 || prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) == -1 ||
	    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == -1) {
		*errstr = "cannot set capabilities";
		return -1;
	}
	kept_caps = mask != 0;
	return verify(pd, mask, errstr);
}

/*
 * In a child: sheds the capability the supervisor kept, if any.  A child
 * serves one connection and binds nothing.  Returns 0, or -1 with errno.
 */
int
privdrop_child(void)
{
	if (!kept_caps)
		return 0;
	return set_caps(0);
}
