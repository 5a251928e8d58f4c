/* SPDX-License-Identifier: ISC */
/* An accepted connection's way in: PROXY header, admission verdict, refusal. */
#ifndef INTAKE_H
#define INTAKE_H

#include <sys/socket.h>
#include <time.h>

#include "admit.h"
#include "supervisor.h"

void	intake_accept(struct supervisor *, const struct listener *);
void	intake_header(struct supervisor *, size_t);
void	intake_expire(struct supervisor *, const struct timespec *);
void	intake_refuse(struct supervisor *, int, const struct sockaddr *,
	    const struct sockaddr *, enum refuse_reason, const char *);

#endif
