/* child-init.h: pid 1 of the sandbox: reaps orphans, forwards signals, exits with the program's status. */
#ifndef DROP_CHILD_INIT_H
#define DROP_CHILD_INIT_H

#include <signal.h>
#include <sys/types.h>

/* Signals pid 1 passes on to the program. */
void init_forwarded_signals(sigset_t *set);
/* Block the forwarded signals and SIGCHLD before forking the program (so none is lost). */
void init_block_signals(sigset_t *old);
/* Runs until the program exits; returns its status as an exit code (128+N for signal N). */
int init_supervise(pid_t program);

#endif
