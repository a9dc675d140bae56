/* parent-net.c: isolated networking with pasta: lookup, arguments, start, readiness, teardown. */
#include "parent-net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/socket.h>
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

/* The last line of pasta's log, without its time stamp and level ("0.64: ERROR:   "). */
static char *pasta_last_line(const struct net *n)
{
	autofree char *log = read_file(n->logfile, 65536);
	char *last = NULL;

	for (char *line = log ? strtok(log, "\n") : NULL; line; line = strtok(NULL, "\n"))
		last = line;
	if (!last)
		return NULL;
	if (strspn(last, "0123456789.") > 0 && last[strspn(last, "0123456789.")] == ':')
		last += strspn(last, "0123456789.") + 1;
	last += strspn(last, " ");
	for (const char *const *lvl = (const char *const[]){ "ERROR:", "WARNING:", "info:", NULL }; *lvl; lvl++)
		if (strncmp(last, *lvl, strlen(*lvl)) == 0)
			last += strlen(*lvl);
	return strdup(last + strspn(last, " "));
}

/* errno of binding ADDR:port as pasta would; 0 when it can be bound now. */
static int probe_bind(const char *addr, unsigned port, bool udp)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	int one = 1, rc = 0;
	autoclose int fd = -1;

	if (inet_pton(AF_INET, addr, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
	} else if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
	} else {
		return EINVAL;
	}
	fd = socket(ss.ss_family, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sizeof(ss)) < 0)
		rc = errno;
	return rc;
}

/* "H:S" or "H": the sandbox port. */
static unsigned long sandbox_port(const char *ports)
{
	const char *colon = strchr(ports, ':');

	return strtoul(colon ? colon + 1 : ports, NULL, 10);
}

/*
 * pasta says "Failed to bind any port for '-t ADDR/H:S', exiting" whatever
 * the reason: drop binds the port itself to learn it (SPEC 5). 1 when
 * explained in err, 0 when the line is not that or the cause is another.
 */
static int explain_bind_failure(const char *line, struct drop_err *err)
{
	const char *spec = strstr(line, "'-");
	char addr[64] = "127.0.0.1";
	const char *slash, *ports;
	unsigned long port;
	bool udp;
	int e;

	if (!strstr(line, "Failed to bind") || !spec || (spec[2] != 't' && spec[2] != 'u') || spec[3] != ' ')
		return 0;
	udp = spec[2] == 'u';
	spec += 4;
	slash = strchr(spec, '/');
	ports = slash ? slash + 1 : spec;
	if (slash && (size_t)(slash - spec) < sizeof(addr))
		snprintf(addr, sizeof(addr), "%.*s", (int)(slash - spec), spec);
	port = strtoul(ports, NULL, 10);
	if (port == 0 || port > 65535)
		return 0;
	e = probe_bind(addr, (unsigned)port, udp);
	if (e == EADDRINUSE)
		err_set(err, DROP_ESETUP, "cannot publish port %lu: the host already uses it; publish it on another "
			"host port (%s OTHER:%lu)", port, udp ? "-u" : "-t", sandbox_port(ports));
	else if (e == EACCES)
		err_set(err, DROP_ESETUP, "cannot publish port %lu: ports this low need privileges on the host "
			"(sysctl net.ipv4.ip_unprivileged_port_start); publish it on a higher host port", port);
	else
		return 0;
	return 1;
}

/* pasta's own words are in its log, which goes with the instance: say what they mean. */
static int pasta_failed(const struct net *n, struct drop_err *err)
{
	autofree char *last = pasta_last_line(n);

	if (!last)
		return err_set(err, DROP_ESETUP, "pasta failed to set up the network (it said nothing); try -n off");
	if (explain_bind_failure(last, err))
		return -1;
	return err_set(err, DROP_ESETUP, "pasta failed to set up the network: %s", last);
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
			return err_set(err, DROP_ESETUP, "pasta did not set up the network within %d s; try -n off",
				       timeout_ms / 1000);
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

void net_init(struct net *n)
{
	*n = (struct net){ .pid = -1, .pidfd = -1, .inotify_fd = -1 };
}

/*
 * pasta has nothing to flush: it is SIGKILLed, which no process can survive.
 * Its exit (closing its tap device, which the kernel unregisters through RCU
 * grace periods) takes some tens of milliseconds, so the caller kills it as
 * soon as the program's status is known and waits for it last (net_stop).
 */
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
