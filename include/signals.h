/* SPDX-License-Identifier: ISC */
/* The supervisor's signals: blocked, read from a signalfd, noted as flags for the loop. */
#ifndef SIGNALS_H
#define SIGNALS_H

/* What the signalfd held since the loop last looked. */
struct signals {
	int	chld, hup, term, usr1;
};

int	signals_open(void);
void	signals_read(int, struct signals *);
int	signals_pending(const struct signals *);

#endif
