/* parent.c: the launcher outside: clone into namespaces, id maps, setup handshake, pasta, relay, exit status. */
#include "parent.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "cleanup.h"
#include "parent-net.h"
#include "parent-relay.h"
#include "sys.h"

enum stream_kind { STREAM_TTY, STREAM_NULL, STREAM_PIPE };

struct parent {
	const struct parent_input *in;
	struct drop_setup setup;          /* shallow copy with the stdio fields filled */
	enum stream_kind kind[3];
	int child_end[3];                 /* pipe ends the child installs */
	int our_end[3];                   /* pipe ends the relay uses */
	int sock;
	int child_sock;
	int status_pipe[2];               /* pid 1 reports the program's exit status */
	pid_t pid;
	int pidfd;
	int pty_master;
	int sigfd;
	sigset_t old_mask;
	struct net net;
	struct parent_proxy proxy;
	struct proxy_publishing pub;      /* tcp_publish: host listeners and the broker, for the proxy (isolated: [::1] only) */
	int broker_inner;                 /* pid 1's end of the broker, -1 once cloned or without one */
	struct term_state term;
	bool go_sent;
};

static const int relayed_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGWINCH, SIGUSR1, SIGUSR2, SIGCHLD,
				       SIGTSTP, SIGCONT };

static enum stream_kind classify_stream(int fd)
{
	struct stat st;

	if (isatty(fd))
		return STREAM_TTY;
	/* A closed fd or /dev/null becomes the sandbox's own /dev/null: nothing to relay. */
	if (fstat(fd, &st) < 0)
		return STREAM_NULL;
	if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3))
		return STREAM_NULL;
	return STREAM_PIPE;
}

static int make_stdio(struct parent *p, struct drop_err *err)
{
	for (int fd = 0; fd < 3; fd++) {
		int ends[2];

		p->kind[fd] = classify_stream(fd);
		if (p->kind[fd] == STREAM_TTY)
			p->setup.tty_mask |= 1u << fd;
		if (p->kind[fd] != STREAM_PIPE)
			continue;
		if (pipe2(ends, O_CLOEXEC) < 0)
			return err_sys(err, DROP_ESETUP, "pipe");
		/* stdin: the child reads; stdout/stderr: the child writes. */
		p->child_end[fd] = fd == 0 ? ends[0] : ends[1];
		p->our_end[fd] = fd == 0 ? ends[1] : ends[0];
	}
	return 0;
}

static void read_winsize(struct parent *p)
{
	struct winsize ws;

	for (int fd = 0; fd < 3; fd++) {
		if (p->kind[fd] == STREAM_TTY && ioctl(fd, TIOCGWINSZ, &ws) == 0) {
			p->setup.ws_row = ws.ws_row;
			p->setup.ws_col = ws.ws_col;
			return;
		}
	}
}

static int block_signals(struct parent *p, struct drop_err *err)
{
	sigset_t set;

	sigemptyset(&set);
	for (size_t i = 0; i < sizeof(relayed_signals) / sizeof(relayed_signals[0]); i++)
		sigaddset(&set, relayed_signals[i]);
	if (sigprocmask(SIG_BLOCK, &set, &p->old_mask) < 0)
		return err_sys(err, DROP_ESETUP, "sigprocmask");
	p->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (p->sigfd < 0)
		return err_sys(err, DROP_ESETUP, "signalfd");
	/* A relay whose reader is gone gets EPIPE, not a fatal signal. */
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

static int userns_error(struct drop_err *err)
{
	int saved = errno;
	const char *inside = getenv("DROP_ENV");

	/* Inside a sandbox the filter, not the host's sysctls, is what says no. */
	if (inside && *inside && (saved == EPERM || saved == ENOSYS))
		return err_set(err, DROP_ESETUP, "already inside drop environment %s; nested drop needs [security] userns = yes",
			       inside);
	if (saved == EPERM || saved == ENOSPC || saved == EINVAL || saved == EUSERS) {
		errno = saved;
		return err_sys(err, DROP_ESETUP,
			       "cannot create a user namespace (unprivileged user namespaces are disabled or exhausted: "
			       "check sysctl user.max_user_namespaces and kernel.unprivileged_userns_clone, and on Ubuntu "
			       "kernel.apparmor_restrict_unprivileged_userns; 'drop doctor' explains)");
	}
	errno = saved;
	return err_sys(err, DROP_ESETUP, "cannot create the sandbox's namespaces");
}

static unsigned long clone_flags(const struct drop_setup *s)
{
	/* No CLONE_NEWCGROUP: the child makes its cgroup namespace once it is in its
	 * instance cgroup, so that this is the root it sees. */
	unsigned long flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS;

	/* pasta needs the namespace at once; for --net off the child makes it (child-helper.c). */
	if (s->net_mode == NET_ISOLATED)
		flags |= CLONE_NEWNET;
	return flags;
}

/* For drop run, a clone into new namespaces; for drop enter, a plain fork whose child joins them. */
static int spawn_child(struct parent *p, struct drop_err *err)
{
	int pair[2];
	struct child_args args;
	const struct join_target *join = p->in->join;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0)
		return err_sys(err, DROP_ESETUP, "socketpair");
	p->sock = pair[0];
	p->child_sock = pair[1];
	args.sock = pair[1];
	if (pipe2(p->status_pipe, O_CLOEXEC) < 0)
		return err_sys(err, DROP_ESETUP, "pipe");
	args.status_fd = p->status_pipe[1];
	args.make_netns = !join && (p->setup.net_mode == NET_OFF || p->in->proxy);
	args.proxy_port = !join && p->in->proxy ? p->in->proxy->port : 0;
	args.tcp_host = args.proxy_port ? &p->in->settings->tcp_host : NULL;
	args.broker_fd = p->broker_inner;
	args.tcp_publish = p->broker_inner >= 0 ? &p->in->settings->tcp_publish : NULL;
	for (int fd = 0; fd < 3; fd++)
		args.stdio[fd] = p->child_end[fd];
	/* Only real root can shed supplementary groups (a namespaced root may be denied
	 * setgroups too); everyone else keeps them, unmapped, as drop.1 explains. */
	if (getuid() == 0 && setgroups(0, NULL) < 0 && errno != EPERM)
		return err_sys(err, DROP_ESETUP, "setgroups");
	p->pid = sys_clone_ns(join ? 0 : clone_flags(&p->setup), &p->pidfd);
	if (p->pid < 0)
		return join ? err_sys(err, DROP_ESETUP, "fork") : userns_error(err);
	if (p->pid == 0) {
		close(pair[0]);
		if (join)
			child_join_main(&args, join->fd, NS_COUNT);
		child_main(&args);
	}
	close(p->child_sock);
	p->child_sock = -1;
	if (p->broker_inner >= 0)
		close(p->broker_inner);
	p->broker_inner = -1;
	close(p->status_pipe[1]);
	p->status_pipe[1] = -1;
	for (int fd = 0; fd < 3; fd++) {
		if (p->child_end[fd] >= 0)
			close(p->child_end[fd]);
		p->child_end[fd] = -1;
	}
	return 0;
}

/* The instance's identity for drop enter: a recycled pid cannot carry the same user namespace. */
static void record_identity(struct parent *p)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)p->pid);
	if (stat(path, &st) == 0)
		instance_write_info(p->in->instance, p->pid, (unsigned long)st.st_ino,
				    p->in->proxy ? p->in->proxy->port : 0, p->setup.argv);
}

static int write_proc_file(pid_t pid, const char *name, const char *text, struct drop_err *err)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	if (write_file_at(AT_FDCWD, path, text, strlen(text), 0) < 0)
		return err_sys(err, DROP_ESETUP, "cannot write %s", path);
	return 0;
}

/* Same ids inside as outside, or 0/0 with -r; one id each, so nothing else is reachable. */
static int write_id_maps(struct parent *p, struct drop_err *err)
{
	unsigned inner_uid = p->setup.as_root ? 0 : p->setup.uid;
	unsigned inner_gid = p->setup.as_root ? 0 : p->setup.gid;
	char map[64];

	if (write_proc_file(p->pid, "setgroups", "deny", err) < 0)
		return -1;
	snprintf(map, sizeof(map), "%u %u 1\n", inner_uid, p->setup.uid);
	if (write_proc_file(p->pid, "uid_map", map, err) < 0)
		return -1;
	snprintf(map, sizeof(map), "%u %u 1\n", inner_gid, p->setup.gid);
	return write_proc_file(p->pid, "gid_map", map, err);
}

/*
 * Signals wait in the signalfd until the relay forwards them; before the
 * program exists a terminating one ends the set-up instead (the caller kills
 * the sandbox), so that a hung set-up (a dead network mount, a slow pasta)
 * still answers Ctrl-C and kill.
 */
static int setup_signals(struct parent *p, struct drop_err *err)
{
	struct signalfd_siginfo si;

	while (read(p->sigfd, &si, sizeof(si)) == sizeof(si)) {
		int sig = (int)si.ssi_signo;

		if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP || sig == SIGQUIT)
			return err_set(err, 128 + sig, "interrupted by SIG%s before the program started", sigabbrev_np(sig));
	}
	return 0;
}

/* Wait until the child has something to say, minding signals meanwhile. */
static int wait_for_child(struct parent *p, struct drop_err *err)
{
	for (;;) {
		struct pollfd pfd[2] = { { .fd = p->sock, .events = POLLIN }, { .fd = p->sigfd, .events = POLLIN } };

		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			return err_sys(err, DROP_ESETUP, "poll");
		if (pfd[1].revents && setup_signals(p, err) < 0)
			return -1;
		if (pfd[0].revents)
			return 0;
	}
}

/* The child reports its own failures; a vanished child is reported by its status. */
static int expect(struct parent *p, uint32_t mask, enum proto_type *type, int *fd, struct drop_err *err)
{
	autofree uint8_t *body = NULL;
	size_t len = 0;

	if (wait_for_child(p, err) < 0)
		return -1;
	if (proto_recv(p->sock, mask | (1u << MSG_ERROR), type, &body, &len, fd, err) < 0)
		return err_set(err, DROP_ESETUP, "the sandbox failed during setup (%s)", err->msg);
	if (*type == MSG_ERROR) {
		if (proto_decode_error(body, len, err) < 0)
			return -1;
		if (!err->status)
			err->status = DROP_ESETUP;
		return -1;
	}
	return 0;
}

static int send_go(struct parent *p, struct drop_err *err)
{
	if (p->setup.tty_mask & 1u)
		term_enter_raw(&p->term, STDIN_FILENO);
	if (proto_send(p->sock, MSG_GO, NULL, 0, -1, err) < 0)
		return -1;
	p->go_sent = true;
	return 0;
}

/*
 * The filtered network: the child made the listening sockets in the
 * sandbox's namespace, the proxy's and one per tcp_host entry.
 */
static int start_proxy(struct parent *p, struct drop_err *err)
{
	const struct port_list *hosts = &p->in->settings->tcp_host;
	struct proxy_forward fwd[FILTERED_MAX_FORWARDS];
	size_t n_fwd = 0;
	enum proto_type type;
	int fd = -1;
	int rc = 0;

	if (expect(p, 1u << MSG_LISTENER, &type, &fd, err) < 0)
		return -1;
	if (fd < 0)
		return err_set(err, DROP_ESETUP, "protocol: the proxy's socket is missing");
	for (size_t i = 0; i < hosts->n && i < FILTERED_MAX_FORWARDS && rc == 0; i++) {
		int lfd = -1;

		rc = expect(p, 1u << MSG_LISTENER, &type, &lfd, err);
		if (rc == 0 && lfd < 0)
			rc = err_set(err, DROP_ESETUP, "protocol: a tcp_host socket is missing");
		if (rc == 0)
			fwd[n_fwd++] = (struct proxy_forward){ .listen_fd = lfd, .host_port = hosts->v[i].host_port };
	}
	if (rc < 0) {
		close(fd);
		for (size_t i = 0; i < n_fwd; i++)
			close(fwd[i].listen_fd);
		return -1;
	}
	return pproxy_start(&p->proxy, &p->in->proxy->allow, fd, fwd, n_fwd, &p->pub, p->in->verbosity, p->in->tally,
			    err);
}

static int handshake(struct parent *p, struct drop_err *err)
{
	enum proto_type type;
	int fd = -1;
	int rc;

	if (proto_send_setup(p->sock, &p->setup, err) < 0)
		return -1;
	if (!p->in->join && !p->in->instance->created && instance_open(p->in->instance, err) < 0)
		return -1;
	if (p->in->pasta && net_start(&p->net, p->in->pasta, p->in->settings, p->pid, p->in->instance->dir, err) < 0)
		return -1;
	/* pasta cannot publish a port on both loopbacks: the proxy, as a relay alone, serves [::1]:H. */
	if (p->in->pasta && p->pub.n &&
	    pproxy_start(&p->proxy, NULL, -1, NULL, 0, &p->pub, p->in->verbosity, NULL, err) < 0)
		return -1;
	/* Off the critical path, while the child builds the filesystem (pid 1 stays dumpable until GO). */
	if (!p->in->join)
		record_identity(p);
	/* Without pasta there is nothing to wait for: GO waits in the socket for
	 * the child, which then never waits a round trip for it. */
	if (!p->in->pasta && send_go(p, err) < 0)
		return -1;
	if (expect(p, (1u << MSG_PTY) | (1u << MSG_NOPTY), &type, &fd, err) < 0)
		return -1;
	p->pty_master = fd;
	if (!p->in->join && p->in->proxy && start_proxy(p, err) < 0)
		return -1;
	if (expect(p, 1u << MSG_READY, &type, &fd, err) < 0)
		return -1;
	/* The program never starts before the network is configured. */
	while (p->in->pasta && (rc = net_wait_ready(&p->net, 10000, p->sigfd, err)) != 0)
		if (rc < 0 || setup_signals(p, err) < 0)
			return -1;
	return 0;
}

/* After GO the program's process either execs (closing its end: EOF) or reports why not. */
static int start_program(struct parent *p, struct drop_err *err)
{
	char byte;
	enum proto_type type;
	int fd = -1;

	if ((!p->go_sent && send_go(p, err) < 0) || wait_for_child(p, err) < 0)
		return -1;
	if (recv(p->sock, &byte, 1, MSG_PEEK) == 0) {
		if (p->in->out) {
			p->in->out->started = true;
			clock_gettime(CLOCK_MONOTONIC, &p->in->out->started_at);
		}
		return 0;
	}
	if (expect(p, 0, &type, &fd, err) < 0)
		return -1;
	return err_set(err, DROP_ESETUP, "unexpected message from the sandbox");
}

static int relay(struct parent *p, struct drop_err *err)
{
	int tty_out = p->kind[1] == STREAM_TTY ? 1 : p->kind[2] == STREAM_TTY ? 2 : 0;
	struct parent_outcome ignored = { 0 };
	struct parent_outcome *out = p->in->out ? p->in->out : &ignored;
	struct relay_fds fds;

	relay_init(&fds);
	fds.master = steal_fd(&p->pty_master);
	fds.tty_out = tty_out;
	fds.tty_in = p->kind[0] == STREAM_TTY ? 0 : -1;
	fds.stdin_pipe = steal_fd(&p->our_end[0]);
	fds.stdout_pipe = steal_fd(&p->our_end[1]);
	fds.stderr_pipe = steal_fd(&p->our_end[2]);
	fds.pidfd = p->pidfd;
	fds.status_fd = p->status_pipe[0];
	fds.sigfd = p->sigfd;
	fds.end_pidfd = p->net.pidfd;
	fds.event_fd = p->proxy.event_fd;
	fds.on_event = pproxy_events;
	fds.event_ctx = &p->proxy;
	fds.term = &p->term;
	fds.timeout_ms = p->in->timeout_ms;
	fds.max_output = p->in->max_output;
	fds.filter_terminal = !p->in->settings || !p->in->settings->terminal_raw;
	return relay_run(&fds, &out->end, err);
}

/*
 * pid 1 exits on its own once it has reported the program's status (after a
 * failed setup it is killed); either way drop waits for it (SPEC 7), and the
 * SIGKILL makes sure the wait cannot hang. The pid namespace dies with it.
 */
static void reap_child(struct parent *p)
{
	siginfo_t si;

	if (p->pid <= 0)
		return;
	sys_pidfd_send_signal(p->pidfd, SIGKILL);
	waitid(P_PIDFD, (id_t)p->pidfd, &si, WEXITED);
	p->pid = -1;
}

static void parent_cleanup(struct parent *p)
{
	term_restore(&p->term);
	net_stop(&p->net);
	pproxy_stop(&p->proxy);
	publishing_close(&p->pub);
	if (p->broker_inner >= 0)
		close(p->broker_inner);
	for (int fd = 0; fd < 3; fd++) {
		if (p->child_end[fd] >= 0)
			close(p->child_end[fd]);
		if (p->our_end[fd] >= 0)
			close(p->our_end[fd]);
	}
	if (p->pty_master >= 0)
		close(p->pty_master);
	if (p->sock >= 0)
		close(p->sock);
	if (p->child_sock >= 0)
		close(p->child_sock);
	for (int i = 0; i < 2; i++)
		if (p->status_pipe[i] >= 0)
			close(p->status_pipe[i]);
	if (p->pidfd >= 0)
		close(p->pidfd);
	if (p->sigfd >= 0)
		close(p->sigfd);
	sigprocmask(SIG_SETMASK, &p->old_mask, NULL);
}

int parent_run(const struct parent_input *in, struct drop_err *err)
{
	struct parent p = { .in = in, .setup = *in->setup, .sock = -1, .child_sock = -1, .status_pipe = { -1, -1 }, .pid = -1,
			    .pidfd = -1, .pty_master = -1, .sigfd = -1, .broker_inner = -1, .term = { .fd = -1 } };
	int status = -1;

	net_init(&p.net);
	pproxy_init(&p.proxy);
	publishing_init(&p.pub);
	for (int fd = 0; fd < 3; fd++)
		p.child_end[fd] = p.our_end[fd] = -1;
	if (make_stdio(&p, err) < 0 || block_signals(&p, err) < 0)
		goto out;
	/* Host ports first: one in use stops the run before any namespace exists. */
	if (!in->join && (in->proxy || in->pasta) && in->settings->tcp_publish.n &&
	    publishing_open(&p.pub, &in->settings->tcp_publish, !in->proxy, &p.broker_inner, err) < 0)
		goto out;
	read_winsize(&p);
	if (spawn_child(&p, err) < 0 || (!in->join && write_id_maps(&p, err) < 0))
		goto out;
	/* pid 1 joins the instance cgroup before it starts anything; the program inherits it. */
	if (!in->join && in->limits && limits_cgroup_create(in->limits, in->instance->name, p.pid, err) < 0)
		goto out;
	if (handshake(&p, err) < 0 || start_program(&p, err) < 0)
		goto out;
	/* Housekeeping for earlier runs, off the start-up's path. */
	if (in->stale_under)
		instance_clean_stale(in->stale_under);
	status = relay(&p, err);
	pproxy_stop(&p.proxy);
	if (in->proxy)
		pproxy_summary(in->tally, in->verbosity);
out:
	/* The program's status is known: pasta dies while the terminal is
	 * restored and pid 1 is reaped, and is waited for last. */
	net_kill(&p.net);
	term_restore(&p.term);
	reap_child(&p);
	parent_cleanup(&p);
	return status;
}
