/* parent-dbus-proxy.c: xdg-dbus-proxy, a process of the parent's: started, waited for, stopped. */
#include "parent-dbus-proxy.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "sys.h"

#define PROXY_READY_MS 5000

__attribute__((noreturn)) static void exec_proxy(char **argv, int sync_fd, const char *log, pid_t parent)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	int logfd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	/* Tied to drop: it goes when drop goes, even a SIGKILLed drop. */
	sys_tie_to_parent(parent);
	if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(logfd >= 0 ? logfd : null, 2) < 0)
		_exit(1);
	if (sync_fd == PROXY_SYNC_FD ? fcntl(sync_fd, F_SETFD, 0) < 0 : dup2(sync_fd, PROXY_SYNC_FD) < 0)
		_exit(1);
	sys_close_from(PROXY_SYNC_FD + 1);
	execv(argv[0], argv);
	_exit(127);
}

/* The proxy's own last words are in its log. */
static int proxy_failed(struct gui_plan *p, const char *why, struct drop_err *err)
{
	autofree char *log = read_file(p->proxy_log, 65536);
	char *last = NULL;

	for (char *line = log ? strtok(log, "\n") : NULL; line; line = strtok(NULL, "\n"))
		last = line;
	err_set(err, DROP_ESETUP, "xdg-dbus-proxy %s%s%s (log: %s)", why, last ? ": " : "", last ? last : "",
		p->proxy_log);
	dbus_proxy_stop(p);
	return -1;
}

static int wait_proxy_ready(struct gui_plan *p, struct drop_err *err)
{
	struct pollfd pfd = { .fd = p->proxy_sync_fd, .events = POLLIN };
	char byte = 0;
	int n;

	do
		n = poll(&pfd, 1, PROXY_READY_MS);
	while (n < 0 && errno == EINTR);
	if (n == 0)
		return proxy_failed(p, "did not start within 5 s", err);
	if (n < 0 || read(p->proxy_sync_fd, &byte, 1) != 1 || byte != 'x')
		return proxy_failed(p, "failed to start", err);
	return 0;
}

int dbus_proxy_start(struct gui_plan *p, struct drop_err *err)
{
	int sync[2];
	pid_t self = getpid();

	if (!p->proxy_argv)
		return 0;
	if (pipe2(sync, O_CLOEXEC) < 0)
		return err_sys(err, DROP_ESETUP, "pipe");
	p->proxy_pid = fork();
	if (p->proxy_pid < 0) {
		close(sync[0]);
		close(sync[1]);
		p->proxy_pid = 0;
		return err_sys(err, DROP_ESETUP, "cannot start xdg-dbus-proxy");
	}
	if (p->proxy_pid == 0)
		exec_proxy(p->proxy_argv, sync[1], p->proxy_log, self);
	close(sync[1]);
	p->proxy_sync_fd = sync[0];
	return wait_proxy_ready(p, err);
}

/* A zeroed plan (proxy_argv NULL) owns no fd: its proxy_sync_fd of 0 is not ours to close. */
void dbus_proxy_stop(struct gui_plan *p)
{
	if (p->proxy_argv && p->proxy_sync_fd >= 0)
		close(p->proxy_sync_fd);
	p->proxy_sync_fd = -1;
	if (p->proxy_pid > 0) {
		kill(p->proxy_pid, SIGKILL);
		waitpid(p->proxy_pid, NULL, 0);
	}
	p->proxy_pid = 0;
}
