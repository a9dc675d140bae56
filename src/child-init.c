/* child-init.c: pid 1 of the sandbox: reaps orphans, forwards signals, exits with the program's status. */
#include "child-init.h"

#include <errno.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

static const int forwarded[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT, SIGTSTP };

void init_forwarded_signals(sigset_t *set)
{
	sigemptyset(set);
	for (size_t i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaddset(set, forwarded[i]);
}

void init_block_signals(sigset_t *old)
{
	sigset_t set;

	init_forwarded_signals(&set);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, old);
}

static int status_to_exit(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 125;
}

/* Reap everything that has exited; true once the program itself is gone. */
static int reap(pid_t program, int *status)
{
	int st;
	pid_t pid;
	int done = 0;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		if (pid == program) {
			*status = st;
			done = 1;
		}
	}
	return done;
}

int init_supervise(pid_t program)
{
	struct signalfd_siginfo si;
	sigset_t set;
	int status = 0;
	int sfd;

	/* The program may already be gone before we start listening. */
	if (reap(program, &status))
		return status_to_exit(status);
	init_forwarded_signals(&set);
	sigaddset(&set, SIGCHLD);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0)
		return 125;
	for (;;) {
		ssize_t n = read(sfd, &si, sizeof(si));
		if (n < 0 && errno == EINTR)
			continue;
		if (n != sizeof(si))
			return 125;
		if (si.ssi_signo != SIGCHLD) {
			kill(program, (int)si.ssi_signo);
			continue;
		}
		if (reap(program, &status))
			return status_to_exit(status);
	}
}
