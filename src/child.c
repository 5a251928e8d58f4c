/*
 * A session's process.  okd -i and every forked child enter their box
 * through child_box(), in one order: capabilities shed, the socket's
 * timeouts set, signals let in, limits lowered, and the filter last.
 * Children need no chroot: their filter allows no open(2), nor any call
 * that takes a path, so a root directory of their own would hide nothing.
 */
#include <signal.h>
#include <unistd.h>

#include "child.h"
#include "log.h"
#include "privdrop.h"
#include "sandbox.h"
#include "session.h"

/*
 * Boxes the calling process for the session on fd with peer.  The caller
 * has set the session's dispositions (session_signals()) and closed every
 * descriptor the session must not hold.  SIGINT stays blocked: ^C on a
 * terminal reaches the whole process group, and the supervisor drains
 * while the sessions carry on.  Returns 0, or -1 with errno set.
 */
int
child_box(int fd, const char *peer, const struct config *cf)
{
	if (privdrop_child() == -1)
		return -1;
	session_prepare(fd, peer, cf);
	session_unblock(SIGINT);
	if (cf->sandbox == SANDBOX_USE_OFF)
		return 0;
	if (sandbox_limits(0) == -1 || sandbox_enter() == -1)
		return -1;
	return 0;
}

/*
 * In a forked child: the box, then the session; its figures go to the
 * shared slot o for the close line the supervisor writes.  Never returns.
 */
__dead void
child_serve(int fd, const char *peer, const struct config *cf,
    struct outcome *o)
{
	struct session_stats	st;

	if (child_box(fd, peer, cf) == -1) {
		log_warn("session peer=%s: sandbox", peer);
		_exit(OKD_EXIT_FAILURE);
	}
	session_run(fd, cf, &st);
	o->st = st;
	o->done = 1;
	_exit(st.end == SESSION_ERROR ? OKD_EXIT_FAILURE : OKD_EXIT_OK);
}
