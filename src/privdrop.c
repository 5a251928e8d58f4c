/* Dropping root in a child: chroot first, then groups, gid and uid, then a check. */
#include <sys/stat.h>
#include <sys/syscall.h>

#include <linux/capability.h>

#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include "privdrop.h"

/*
 * Resolves user (NULL: keep the ids), group (NULL: the user's primary
 * group) and chroot_dir (NULL or "none": no chroot) into pd.  Call at
 * config time.  Returns 0, or -1 with *errstr.
 */
int
privdrop_resolve(struct privdrop *pd, const char *user, const char *group,
    const char *chroot_dir, const char **errstr)
{
	struct passwd	*pw;
	struct group	*gr;
	struct stat	 st;

	memset(pd, 0, sizeof(*pd));
	if (user != NULL) {
		/* okd has one thread; getpwnam_r buys nothing here. */
		/* cppcheck-suppress getpwnamCalled */
		if ((pw = getpwnam(user)) == NULL) {
			*errstr = "unknown user";
			return -1;
		}
		pd->setids = 1;
		pd->uid = pw->pw_uid;
		pd->gid = pw->pw_gid;
	}
	if (group != NULL) {
		if (user == NULL) {
			*errstr = "group needs a user";
			return -1;
		}
		/* cppcheck-suppress getgrnamCalled */
		if ((gr = getgrnam(group)) == NULL) {
			*errstr = "unknown group";
			return -1;
		}
		pd->gid = gr->gr_gid;
	}
	if (chroot_dir == NULL || strcmp(chroot_dir, "none") == 0)
		return 0;
	if (chroot_dir[0] != '/') {
		*errstr = "chroot directory must be an absolute path";
		return -1;
	}
	if (strlen(chroot_dir) >= sizeof(pd->root)) {
		*errstr = "chroot directory name too long";
		return -1;
	}
	if (stat(chroot_dir, &st) == -1 || !S_ISDIR(st.st_mode)) {
		*errstr = "chroot directory not found";
		return -1;
	}
	pd->dochroot = 1;
	memcpy(pd->root, chroot_dir, strlen(chroot_dir) + 1);
	return 0;
}

/*
 * Whether any capability is left.  With none, and every id nobody's, root
 * cannot come back: setuid(0) and setgid(0) need CAP_SETUID and CAP_SETGID.
 * Asked rather than tried: a setuid(0) that must fail writes errno, which
 * costs every child a page fault on its thread-local storage.
 */
static int
capabilities_left(void)
{
	struct __user_cap_header_struct	hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0
	};
	struct __user_cap_data_struct	data[_LINUX_CAPABILITY_U32S_3];
	size_t				i;

	/* valgrind takes capget for version 1, which fills data[0] only. */
	memset(data, 0, sizeof(data));
	/* glibc has capget but no prototype for it; libcap is not worth it. */
	if (syscall(SYS_capget, &hdr, data) == -1)
		return 1;
	for (i = 0; i < _LINUX_CAPABILITY_U32S_3; i++)
		if (data[i].effective != 0 || data[i].permitted != 0)
			return 1;
	return 0;
}

/* Fails unless every real, effective and saved id is the wanted one. */
static int
verify(const struct privdrop *pd, const char **errstr)
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
	if (pd->uid != 0 && capabilities_left()) {
		*errstr = "capabilities left after dropping root";
		return -1;
	}
	return 0;
}

/*
 * In a child: chroot and chdir("/"), then give up groups, gid and uid for
 * good and check root cannot come back.  Returns 1 without doing anything
 * when not root (the supervisor says so once at start), 0 when done, -1
 * with *errstr on failure: the child must then exit.
 */
int
privdrop_apply(const struct privdrop *pd, const char **errstr)
{
	/* Built here, not a literal: okd's read-only data would cost each
	 * child a page fault. */
	char	slash[2] = { '/', '\0' };

	if (geteuid() != 0)
		return 1;
	if (pd->dochroot) {
		if (chroot(pd->root) == -1) {
			*errstr = "chroot failed";
			return -1;
		}
		if (chdir(slash) == -1) {
			*errstr = "chdir to the new root failed";
			return -1;
		}
	}
	if (!pd->setids)
		return 0;
	if (setgroups(1, &pd->gid) == -1 ||
	    setresgid(pd->gid, pd->gid, pd->gid) == -1) {
		*errstr = "cannot set group";
		return -1;
	}
	if (setresuid(pd->uid, pd->uid, pd->uid) == -1) {
		*errstr = "cannot set user";
		return -1;
	}
	return verify(pd, errstr);
}
