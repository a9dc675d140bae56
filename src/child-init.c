/* child-init.c: pid 1 of the sandbox: reaps orphans, forwards signals, answers the publish broker, exits with the program's status. */
#include "child-init.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "proto.h"
#include "wire.h"

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

/* ---- the publish broker ---- */

static bool published(const struct port_list *l, unsigned port)
{
	for (size_t i = 0; l && i < l->n; i++)
		if (l->v[i].sandbox_port == port)
			return true;
	return false;
}

/* A socket connecting to the sandbox's loopback at port: the connect is under way or done; -1 with errno. */
static int broker_connect(uint8_t family, uint16_t port)
{
	struct sockaddr_in s4 = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_port = htons(port), .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	int fd = socket(family == 4 ? AF_INET : AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int rc, saved;

	if (fd < 0)
		return -1;
	rc = family == 4 ? connect(fd, (struct sockaddr *)&s4, sizeof(s4)) : connect(fd, (struct sockaddr *)&s6, sizeof(s6));
	if (rc == 0 || errno == EINPROGRESS)
		return fd;
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

bool init_broker_serve(const struct init_broker *b)
{
	uint8_t req[8];
	ssize_t n;

	while ((n = recv(b->fd, req, sizeof(req), MSG_DONTWAIT)) > 0) {
		uint16_t port = (uint16_t)(req[1] << 8 | req[2]);
		uint8_t status = BROKER_OK;
		int sock, rc;

		if (n != BROKER_REQ_SIZE || (req[0] != 4 && req[0] != 6) || !published(b->publish, port))
			return false;
		sock = broker_connect(req[0], port);
		if (sock < 0)
			status = errno == ECONNREFUSED ? BROKER_REFUSED : BROKER_FAILED;
		if (sock >= 0) {
			rc = wire_send_with_fd(b->fd, &status, 1, sock);
			close(sock);
		} else {
			rc = send(b->fd, &status, 1, MSG_DONTWAIT | MSG_NOSIGNAL) == 1 ? 0 : -1;
		}
		if (rc < 0)
			return false;
	}
	return n < 0 && (errno == EAGAIN || errno == EINTR);
}

/* Wait for a signal, serving the broker meanwhile; false when the signalfd fails. */
static bool next_signal(int sfd, struct init_broker *b, struct signalfd_siginfo *si)
{
	for (;;) {
		struct pollfd pfd[2] = { { .fd = sfd, .events = POLLIN }, { .fd = b ? b->fd : -1, .events = POLLIN } };

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		if (pfd[1].revents && !init_broker_serve(b)) {
			close(b->fd);
			b->fd = -1;
		}
		if (pfd[0].revents)
			return read(sfd, si, sizeof(*si)) == sizeof(*si) || errno == EINTR || errno == EAGAIN;
	}
}

void init_supervise(pid_t program, int report_fd, struct init_broker *broker, struct program_end *end)
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
	sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0)
		return;
	for (;;) {
		si.ssi_signo = 0;
		if (!next_signal(sfd, broker, &si))
			return;
		if (!si.ssi_signo)
			continue;
		if (si.ssi_signo != SIGCHLD)
			forward(program, (int)si.ssi_signo);
		else if (reap(program, report_fd, end))
			return;
	}
}
