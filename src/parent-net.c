/* parent-net.c: isolated networking with pasta: lookup, arguments, start, readiness, teardown. */
#include "parent-net.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "sys.h"
#include "util.h"

int net_find_pasta(char **path, struct drop_err *err)
{
	*path = sys_find_in_path(getenv("PATH"), "pasta");
	if (*path)
		return 0;
	return err_set(err, DROP_ESETUP,
		       "pasta binary for isolated networking not found; install it with "
		       "'apt-get install passt' (Debian/Ubuntu), 'dnf install passt' (Fedora) or "
		       "'pacman -S passt' (Arch), or use --net off or --net host");
}

int net_write_resolv_conf(const char *run_dir, struct drop_err *err)
{
	static const char text[] = "# written by drop: pasta forwards DNS queries sent here\nnameserver " PASTA_DNS_ADDR "\n";
	autofree char *etc = path_join(run_dir, "etc");

	autofree char *file = path_join(etc ? etc : "", "resolv.conf");

	/* A per-run overlay layer: nothing per-run goes into the environment's own etc. */
	if (!etc || !file || mkdir(etc, 0755) < 0)
		return err_sys(err, DROP_ESETUP, "cannot create %s", etc ? etc : run_dir);
	if (write_file_at(AT_FDCWD, file, text, sizeof(text) - 1, 0644) < 0)
		return err_sys(err, DROP_ESETUP, "cannot write %s", file);
	return 0;
}

/* pasta's four port options default to "auto", which would expose every host loopback port. */
static int push_ports(struct strv *argv, const char *opt, const struct port_list *l, bool publish)
{
	if (l->n == 0)
		return strv_push(argv, opt) < 0 || strv_push(argv, "none") < 0 ? -1 : 0;
	for (size_t i = 0; i < l->n; i++) {
		const struct port_req *p = &l->v[i];
		char spec[128];

		if (p->is_auto)
			snprintf(spec, sizeof(spec), "auto");
		else if (publish)
			snprintf(spec, sizeof(spec), "%s/%u:%u", p->host_ip ? p->host_ip : "127.0.0.1",
				 p->host_port, p->sandbox_port);
		else /* host port H reachable as sandbox port S: pasta's -T S:H */
			snprintf(spec, sizeof(spec), "%u:%u", p->sandbox_port, p->host_port);
		if (strv_push(argv, opt) < 0 || strv_push(argv, spec) < 0)
			return -1;
	}
	return 0;
}

char **net_pasta_argv(const char *pasta, const struct drop_settings *s, pid_t target, const char *pidfile,
		      const char *logfile, bool as_host_root)
{
	static const char *const fixed[] = {
		"--foreground", "--quiet", "--config-net", "--no-map-gw", "--dns-forward", PASTA_DNS_ADDR, NULL,
	};
	struct strv argv = { 0 };
	char pid[32];

	snprintf(pid, sizeof(pid), "%d", (int)target);
	if (strv_push(&argv, pasta) < 0)
		goto fail;
	for (size_t i = 0; fixed[i]; i++)
		if (strv_push(&argv, fixed[i]) < 0)
			goto fail;
	if (push_ports(&argv, "-t", &s->tcp_publish, true) < 0 || push_ports(&argv, "-u", &s->udp_publish, true) < 0 ||
	    push_ports(&argv, "-T", &s->tcp_host, false) < 0 || push_ports(&argv, "-U", &s->udp_host, false) < 0)
		goto fail;
	/* As root pasta would switch to "nobody", which cannot enter our namespaces. */
	if (as_host_root && (strv_push(&argv, "--runas") < 0 || strv_push(&argv, "0:0") < 0))
		goto fail;
	if (strv_push(&argv, "--pid") < 0 || strv_push(&argv, pidfile) < 0 || strv_push(&argv, "--log-file") < 0 ||
	    strv_push(&argv, logfile) < 0 || strv_push(&argv, pid) < 0)
		goto fail;
	return strv_steal(&argv);
fail:
	strv_clear(&argv);
	return NULL;
}

__attribute__((noreturn)) static void exec_pasta(char **argv, pid_t parent)
{
	int null = open("/dev/null", O_RDWR);

	/* pasta outlives its parent on its own: tie it to drop, even to a SIGKILLed drop.
	 * (It also takes an inherited SIG_IGN for SIGPIPE as a failure to install its handlers.) */
	sys_tie_to_parent(parent);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
	}
	sys_close_from(3);
	execv(argv[0], argv);
	_exit(127);
}

static int watch_pidfile(struct net *n, const char *run_dir, struct drop_err *err)
{
	n->inotify_fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (n->inotify_fd < 0 || inotify_add_watch(n->inotify_fd, run_dir, IN_CLOSE_WRITE | IN_MODIFY) < 0)
		return err_sys(err, DROP_ESETUP, "cannot watch %s", run_dir);
	return 0;
}

int net_start(struct net *n, const char *pasta, const struct drop_settings *s, pid_t target,
	      const char *run_dir, struct drop_err *err)
{
	autostrv char **argv = NULL;
	pid_t self = getpid();

	net_init(n);
	n->pidfile = path_join(run_dir, "pasta.pid");
	n->logfile = path_join(run_dir, "pasta.log");
	if (!n->pidfile || !n->logfile)
		return err_sys(err, DROP_ESETUP, "out of memory");
	argv = net_pasta_argv(pasta, s, target, n->pidfile, n->logfile, getuid() == 0);
	if (!argv)
		return err_sys(err, DROP_ESETUP, "out of memory");
	if (watch_pidfile(n, run_dir, err) < 0)
		return -1;
	n->pid = fork();
	if (n->pid < 0)
		return err_sys(err, DROP_ESETUP, "cannot start pasta");
	if (n->pid == 0)
		exec_pasta(argv, self);
	n->pidfd = sys_pidfd_open(n->pid, 0);
	if (n->pidfd < 0)
		return err_sys(err, DROP_ESETUP, "cannot watch pasta");
	return 0;
}

static bool pidfile_written(const struct net *n)
{
	autofree char *text = read_file(n->pidfile, 32);

	return text && strchr(text, '\n');
}

/* pasta's own words are in its log; show the last line of them. */
static int pasta_failed(const struct net *n, struct drop_err *err)
{
	autofree char *log = read_file(n->logfile, 65536);
	char *last = NULL;

	for (char *line = log ? strtok(log, "\n") : NULL; line; line = strtok(NULL, "\n"))
		last = line;
	return err_set(err, DROP_ESETUP, "pasta failed to set up the network%s%s (log: %s)", last ? ": " : "",
		       last ? last : "", n->logfile);
}

int net_wait_ready(struct net *n, int timeout_ms, int stop_fd, struct drop_err *err)
{
	struct timespec start, now;

	clock_gettime(CLOCK_MONOTONIC, &start);
	while (!pidfile_written(n)) {
		struct pollfd pfd[3] = { { .fd = n->inotify_fd, .events = POLLIN }, { .fd = n->pidfd, .events = POLLIN },
					 { .fd = stop_fd, .events = POLLIN } };
		char buf[4096];
		long waited;

		clock_gettime(CLOCK_MONOTONIC, &now);
		waited = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
		if (waited >= timeout_ms)
			return err_set(err, DROP_ESETUP, "pasta did not set up the network within %d s (log: %s)",
				       timeout_ms / 1000, n->logfile);
		if (poll(pfd, 3, (int)(timeout_ms - waited)) < 0 && errno != EINTR)
			return err_sys(err, DROP_ESETUP, "poll");
		if (pfd[1].revents)
			return pasta_failed(n, err);
		if (pfd[2].revents)
			return 1;
		while (read(n->inotify_fd, buf, sizeof(buf)) > 0)
			;
	}
	return 0;
}

/*
 * pasta has nothing to flush: it is SIGKILLed, which no process can survive.
 * Its exit (closing its tap device, which the kernel unregisters through RCU
 * grace periods) takes some tens of milliseconds, so the caller kills it as
 * soon as the program's status is known and waits for it last (net_stop).
 */
void net_init(struct net *n)
{
	*n = (struct net){ .pid = -1, .pidfd = -1, .inotify_fd = -1 };
}

void net_kill(struct net *n)
{
	if (!n || n->killed)
		return;
	if (n->pidfd >= 0)
		sys_pidfd_send_signal(n->pidfd, SIGKILL);
	else if (n->pid > 0)
		kill(n->pid, SIGKILL);
	n->killed = true;
}

/* drop leaves no zombie behind (SPEC 7): pasta is killed and reaped. */
void net_stop(struct net *n)
{
	siginfo_t si;

	if (!n)
		return;
	net_kill(n);
	if (n->pidfd >= 0)
		waitid(P_PIDFD, (id_t)n->pidfd, &si, WEXITED);
	else if (n->pid > 0)
		waitpid(n->pid, NULL, 0);
	if (n->pidfd >= 0)
		close(n->pidfd);
	if (n->inotify_fd >= 0)
		close(n->inotify_fd);
	free(n->pidfile);
	free(n->logfile);
	net_init(n);
}
