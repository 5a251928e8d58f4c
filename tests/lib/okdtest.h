/* SPDX-License-Identifier: ISC */
/* Helpers for tests that drive the real build/okd over loopback. */
#ifndef OKDTEST_H
#define OKDTEST_H

#include <pthread.h>
#include <stddef.h>
#include <sys/types.h>

#define NOTIFY_MAX	16384

struct okd_proc {
	pid_t	pid;
	int	port;
	int	notify_fd;		/* our NOTIFY_SOCKET end */
	char	dir[64];		/* scratch directory */
	char	conf[128];
	char	log[128];
	char	notify_path[108];
	/* Every notify message, collected by a thread so okd never blocks. */
	pthread_t	 reader;
	int		 reading;
	pthread_mutex_t	 lock;
	pthread_cond_t	 cond;
	char		*msgs[NOTIFY_MAX];
	size_t		 nmsgs;
	size_t		 seen;		/* messages already matched past */
	/* Set from struct okd_opts by okd_start_opts; 0 means unset. */
	long		 nofile;	/* RLIMIT_NOFILE okd starts with */
	int		 err_fd;	/* okd's stderr instead of the log */
};

/* What okd_start_opts changes in the process it starts. */
struct okd_opts {
	long	nofile;		/* > 0: setrlimit(RLIMIT_NOFILE) before exec */
	int	err_fd;		/* > 2: okd's stderr (the log file stays empty) */
};

int	 okdtest_port(void);
int	 okd_start(struct okd_proc *, const char *, const char *const *);
int	 okd_start_opts(struct okd_proc *, const char *, const char *const *,
	    const struct okd_opts *);
int	 okd_spawn(struct okd_proc *, const char *const *);
int	 okd_wait_notify(struct okd_proc *, const char *, int);
int	 okd_notify_count(struct okd_proc *, const char *);
int	 okd_stop(struct okd_proc *);
int	 okd_wait_exit(pid_t, int);
void	 okd_write_conf(struct okd_proc *, const char *);
int	 okd_reload(struct okd_proc *);
int	 okd_served_from(struct okd_proc *, const char *);
int	 okd_refused_from(struct okd_proc *, const char *);
int	 write_whole(const char *, const char *);
int	 write_text(const char *, const char *);
int	 pids_group(const char *, char *, size_t);
int	 okd_log_wait(struct okd_proc *, const char *, int);
int	 okd_log_count(struct okd_proc *, const char *);
char	*okd_log_read(struct okd_proc *);
long	 okd_stat(struct okd_proc *, const char *);
int	 okd_cleanup(struct okd_proc *);

int	 tcp_connect(const char *, int);
int	 tcp_connect_from(const char *, const char *, int);
int	 read_exact(int, void *, size_t, int);
int	 expect_eof(int, int);
int	 roundtrip(int, const char *);
int	 count_children(pid_t, int *);
int	 maps_has(pid_t, const char *);
int	 proc_status_field(pid_t, const char *, char *, size_t);
int	 proc_stat(pid_t, unsigned long long *, int);
pid_t	 okd_child_pid(struct okd_proc *);
int	 run_capture(const char *, char *, size_t, int);
int	 run_with_stderr(int (*)(void), char *, size_t);
long	 now_ms(void);

#endif
