/* A session's process: from fork, or from okd -i, into its box, then the session. */
#ifndef CHILD_H
#define CHILD_H

#include "config.h"
#include "okd.h"
#include "outcome.h"

int		child_box(int, const char *, const struct config *);
__dead void	child_serve(int, const char *, const struct config *,
		    struct outcome *);

#endif
