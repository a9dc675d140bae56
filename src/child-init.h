/* child-init.h: pid 1 of the sandbox: reaps orphans, forwards signals, answers the publish broker, exits with the program's status. */
#ifndef DROP_CHILD_INIT_H
#define DROP_CHILD_INIT_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Signals pid 1 passes on to the program. */
void init_forwarded_signals(sigset_t *set);
/* Block the forwarded signals and SIGCHLD before forking the program (so none is lost). */
void init_block_signals(sigset_t *old);
/* How the program ended: its wait status and its peak resident size. */
struct program_end {
	int wait_status;
	uint64_t maxrss_kib;
};

struct port_list;

/*
 * The publish broker's end (proto.h), -1 for none, and the tcp_publish
 * entries whose sandbox ports it may connect to. pid 1 owns the fd and
 * closes it on anything unexpected.
 */
struct init_broker {
	int fd;
	const struct port_list *publish;
};

/*
 * Answer every request that has arrived on b->fd (never waiting); false when
 * the broker must close: a request that is not exactly a family and a port
 * of b->publish, the proxy's hang-up, or an answer that cannot go at once.
 */
bool init_broker_serve(const struct init_broker *b);

/*
 * Runs until the program exits, reaping every orphan meanwhile; each stop of
 * the program is reported on report_fd (init_report with a WIFSTOPPED status).
 * Meanwhile it answers the broker's requests, never blocking on them.
 */
void init_supervise(pid_t program, int report_fd, struct init_broker *broker, struct program_end *end);
/* One STATUS message to drop (proto.h): the wait status (a stop, or the end) and the peak RSS. */
void init_report(int fd, int wait_status, uint64_t maxrss_kib);
/* The exit code for a wait status: the code, or 128+N for signal N. */
int init_exit_code(int wait_status);

#endif
