/* SPDX-License-Identifier: ISC */
/* The chaos soak of okd: state shared by the driver, clients and watchers. */
#ifndef SOAK_H
#define SOAK_H

#include <stdatomic.h>
#include <sys/types.h>

#include "okdtest.h"

/* Client kinds; each thread binds its own loopback source per kind. */
enum kind {
	K_GOOD,		/* ping-pong, checks every reply byte */
	K_HALF,		/* sends, half-closes, wants its OK then EOF */
	K_SLOW,		/* slowloris: one byte every 9 s */
	K_MUTE,		/* never reads */
	K_RESET,	/* resets mid-stream with SO_LINGER 0 */
	K_VICTIM,	/* holds a session the killer may SIGKILL */
	K_FLOOD,	/* goes past max-per-source from one source */
	K_NKINDS
};

/* A child older than this in state Z counts as a zombie left behind. */
#define ZOMBIE_BOUND_MS	1000
#define MAX_READY	64

struct soak {
	struct okd_proc	 okd;
	_Atomic pid_t	 pid;		/* the supervisor being watched */
	atomic_int	 stop;		/* client threads end their loop */
	atomic_int	 watching;	/* monitor thread runs */
	long		 deadline;	/* now_ms() at which a chaos phase ends */

	/* What clients saw: one admitted or refused per connection. */
	atomic_long	 admitted[K_NKINDS];
	atomic_long	 refused[K_NKINDS];
	atomic_long	 connect_errors;
	atomic_long	 hello_errors;	/* no reply and no close in time */
	atomic_long	 owed;		/* replies well-behaved clients were owed */
	atomic_long	 got;		/* ... and got, byte-exact */
	atomic_long	 bad;		/* wrong bytes, early ends, extra bytes */
	atomic_long	 over_admit;	/* per-source limit let one too many in */
	atomic_long	 kills;		/* SIGKILLs sent to children */
	atomic_long	 killed_seen;	/* victims that saw their session die */
	atomic_long	 hups;

	/* Sessions the killer may take: "a.b.c.d:port" of killable clients. */
	_Atomic unsigned long ready[MAX_READY];

	/* Monitor; mon_lock keeps the supervisor's stop out of a sample. */
	pthread_mutex_t	 mon_lock;
	atomic_long	 zombies_seen;
	atomic_long	 zombies_stuck;
	atomic_long	 max_children;
	atomic_long	 stuck_asleep;	/* ... while the supervisor slept in poll */
	char		 evidence[4][320];	/* the supervisor when one got stuck */
	int		 nevidence;
	char		 refusal[4][200];	/* a lone client refused: why */
	atomic_int	 nrefusal;
	const char	*phase;
	atomic_int	 died;		/* the supervisor exited while watched */
	atomic_int	 died_status;
};

/* One client thread's identity. */
struct client {
	struct soak	*s;
	enum kind	 kind;
	int		 slot;		/* index into ready[] for killable kinds */
	char		 src[16];
	unsigned int	 seed;
	pthread_t	 tid;
};

/* One scenario's figures (scenarios.c). */
#define SCENARIOS	8
struct scenario {
	const char	*name;
	long		 good_ok, good_fail;	/* good clients' sessions */
	long		 ticks;		/* supervisor CPU ticks while waiting */
	long		 wait_ms;	/* ... over this long (0: the whole run) */
	long		 zombies;	/* children left zombies past the bound */
	long		 rss0, rss1;	/* supervisor RSS kB, start and end */
	char		 note[96];
};

/* soak.c */
void	 check(int, const char *, ...) __attribute__((format(printf, 2, 3)));
int	 soak_start(struct soak *, const char *, const struct okd_opts *);
int	 soak_stop(struct soak *, int);
int	 soak_quiesce(struct soak *);
void	 soak_unwatch(struct soak *);

/* scenarios.c */
void	 scenarios_run(struct soak *, struct scenario *);
void	 scenarios_table(const struct scenario *);

/* proc.c: the supervisor and its children as /proc shows them. */
int	 proc_children(pid_t, pid_t *, char *, size_t);
long	 proc_rss_kb(pid_t);
long	 proc_cpu_ticks(pid_t);
int	 proc_title_peer(pid_t, unsigned long *);
int	 proc_lowest_free_fd(pid_t);
int	 proc_snapshot(pid_t, char *, size_t);
long	 proc_nofile(pid_t);

/* clients.c */
void	*client_main(void *);
void	*killer_main(void *);
void	*hupper_main(void *);
void	*monitor_main(void *);
int	 soak_connect(const char *, int, int);
int	 soak_hello(int);
int	 soak_connect_nb(const char *, int);
unsigned long	 peer_key(const char *, int);
void	 nap(long);

#endif
