/* child-init.c: pid 1 of the sandbox: reaps orphans, forwards signals, exits with the program's status. */
#include "child-init.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proto.h"

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

int init_exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 125;
}

void init_report(int fd, int wait_status, uint64_t maxrss_kib)
{
	if (proto_send_status(fd, wait_status, maxrss_kib) < 0)
		return; /* drop is gone: nobody to tell */
}

/*
 * Reap everything that has exited; true once the program itself is gone. A
 * stop of the program (not of its children: a shell inside handles those)
 * is reported at once, so that drop can stop too, like a shell job.
 */
static bool reap(pid_t program, int report_fd, struct program_end *end)
{
	struct rusage ru;
	bool done = false;
	pid_t pid;
	int st;

	while ((pid = wait4(program, &st, WNOHANG | WUNTRACED, &ru)) == program && WIFSTOPPED(st))
		init_report(report_fd, st, 0);
	if (pid == program) {
		end->wait_status = st;
		end->maxrss_kib = (uint64_t)ru.ru_maxrss;
		done = true;
	}
	while ((pid = wait4(-1, &st, WNOHANG, &ru)) > 0) {
		if (pid == program) {
			end->wait_status = st;
			end->maxrss_kib = (uint64_t)ru.ru_maxrss;
			done = true;
		}
	}
	return done;
}

/* Job control goes to the program's whole process group (a pipeline of sh -c stops and resumes as one). */
static void forward(pid_t program, int sig)
{
	if ((sig == SIGCONT || sig == SIGTSTP) && kill(-program, sig) == 0)
		return;
	kill(program, sig);
}

void init_supervise(pid_t program, int report_fd, struct program_end *end)
{
	struct signalfd_siginfo si;
	sigset_t set;
	int sfd;

	end->wait_status = 125 << 8;
	end->maxrss_kib = 0;
	/* The program may already be gone before we start listening. */
	if (reap(program, report_fd, end))
		return;
	init_forwarded_signals(&set);
	sigaddset(&set, SIGCHLD);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0)
		return;
	for (;;) {
		ssize_t n = read(sfd, &si, sizeof(si));
		if (n < 0 && errno == EINTR)
			continue;
		if (n != sizeof(si))
			return;
		if (si.ssi_signo != SIGCHLD)
			forward(program, (int)si.ssi_signo);
		else if (reap(program, report_fd, end))
			return;
	}
}
