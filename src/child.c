/* child.c: the process inside the new namespaces: receives the setup, builds the sandbox, becomes pid 1. */
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "child-caps.h"
#include "child-fs.h"
#include "child-helper.h"
#include "child-init.h"
#include "cleanup.h"
#include "config.h"
#include "proto.h"
#include "seccomp-policy.h"
#include "sys.h"
#include "util.h"

struct child {
	const struct child_args *args;
	struct drop_setup setup;
	int pty_slave;
	bool init_leads_session;      /* drop run: pid 1 leads the session; the program is a process group in it */
	struct seccomp_blob filters;  /* compiled by the helper thread (drop run) or the program's process (drop enter) */
};

static int receive_setup(struct child *c, struct drop_err *err)
{
	return proto_recv_setup(c->args->sock, &c->setup, err);
}

/* The pty lives on the sandbox's own devpts, so the slave name is /dev/pts/0 inside. */
static int make_pty(struct child *c, struct drop_err *err)
{
	struct winsize ws = { .ws_row = (unsigned short)c->setup.ws_row, .ws_col = (unsigned short)c->setup.ws_col };
	autoclose int master = -1;
	int slave = -1;

	if (!c->setup.tty_mask)
		return proto_send(c->args->sock, MSG_NOPTY, NULL, 0, -1, err);
	if (openpty(&master, &slave, NULL, NULL, ws.ws_row ? &ws : NULL) < 0)
		return err_sys(err, DROP_ESETUP, "cannot create a pseudo-terminal");
	fcntl(master, F_SETFD, FD_CLOEXEC);
	fcntl(slave, F_SETFD, FD_CLOEXEC);
	c->pty_slave = slave;
	return proto_send(c->args->sock, MSG_PTY, NULL, 0, master, err);
}

/* The filtered network's listening sockets go out, the proxy's then tcp_host's in order; pid 1 keeps no copy. */
static int send_listener(struct child *c, struct child_helper *h, struct drop_err *err)
{
	int rc;

	if (h->listen_fd < 0)
		return 0;
	rc = proto_send(c->args->sock, MSG_LISTENER, NULL, 0, h->listen_fd, err);
	close(h->listen_fd);
	h->listen_fd = -1;
	for (size_t i = 0; i < h->n_fwd; i++) {
		if (rc == 0)
			rc = proto_send(c->args->sock, MSG_LISTENER, NULL, 0, h->fwd_fds[i], err);
		close(h->fwd_fds[i]);
		h->fwd_fds[i] = -1;
	}
	h->n_fwd = 0;
	return rc;
}

/* GO: the network is up (pasta configured it) and the program may start. */
static int wait_for_go(struct child *c, struct drop_err *err)
{
	enum proto_type type;
	autofree uint8_t *body = NULL;
	size_t len = 0;
	int fd = -1;

	if (proto_send(c->args->sock, MSG_READY, NULL, 0, -1, err) < 0)
		return -1;
	if (proto_recv(c->args->sock, 1u << MSG_GO, &type, &body, &len, &fd, err) < 0)
		return -1;
	if (fd >= 0)
		close(fd);
	if (len)
		return err_set(err, DROP_ESETUP, "protocol: GO carries no body");
	return 0;
}

/* ---- in the program's process, between fork and exec ---- */

static int install_stdio(struct child *c, struct drop_err *err)
{
	for (int fd = 0; fd < 3; fd++) {
		int src = c->args->stdio[fd];

		if (c->setup.tty_mask & (1u << fd))
			src = c->pty_slave;
		else if (src < 0)
			src = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
		if (src < 0 || dup2(src, fd) < 0)
			return err_sys(err, DROP_ESETUP, "cannot set up standard stream %d", fd);
	}
	return 0;
}

/*
 * drop run: pid 1 leads the session and has the pty as its controlling
 * terminal; the program gets a process group of its own in that session, in
 * the terminal's foreground. A group whose parent is in the same session is
 * not orphaned, so Ctrl-Z and SIGTSTP stop it (the kernel discards them for
 * an orphaned group) and pid 1 can report the stop to drop.
 */
static int join_init_session(struct child *c, struct drop_err *err)
{
	sigset_t ttou, old;
	int rc;

	if (setpgid(0, 0) < 0)
		return err_sys(err, DROP_ESETUP, "cannot make the program's process group");
	if (c->pty_slave < 0)
		return 0;
	/* A background group that sets the foreground gets SIGTTOU unless it blocks it. */
	sigemptyset(&ttou);
	sigaddset(&ttou, SIGTTOU);
	sigprocmask(SIG_BLOCK, &ttou, &old);
	rc = tcsetpgrp(c->pty_slave, getpid());
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (rc < 0)
		return err_sys(err, DROP_ESETUP, "cannot put the program in the terminal's foreground");
	return 0;
}

/* drop enter: the program leads a session of its own. */
static int take_terminal(struct child *c, struct drop_err *err)
{
	if (c->init_leads_session)
		return join_init_session(c, err);
	if (setsid() < 0)
		return err_sys(err, DROP_ESETUP, "setsid failed");
	if (c->pty_slave >= 0 && ioctl(c->pty_slave, TIOCSCTTY, 0) < 0)
		return err_sys(err, DROP_ESETUP, "cannot make the pty the controlling terminal");
	return 0;
}

static void enter_workdir(const struct drop_setup *s)
{
	if (s->cwd && s->cwd[0] && chdir(s->cwd) == 0)
		return;
	if (chdir(s->home) == 0)
		return;
	if (chdir("/") < 0)
		_exit(DROP_ESETUP);
}

/* execve through the sandbox's PATH; returns only on failure with the SPEC 2.4 status. */
static int exec_command(const struct drop_setup *s, struct drop_err *err)
{
	const char *cmd = s->argv[0];
	const char *path = env_get(s->envp, "PATH");
	autofree char *copy = NULL;
	int saved = ENOENT;
	char *save = NULL;

	if (strchr(cmd, '/')) {
		execve(cmd, s->argv, s->envp);
		return err_sys(err, errno == ENOENT ? DROP_ENOENT : DROP_ENOEXEC, "%s", cmd);
	}
	copy = strdup(path ? path : "");
	if (!copy)
		return err_sys(err, DROP_ESETUP, "out of memory");
	for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		autofree char *full = path_join(dir, cmd);
		if (!full)
			return err_sys(err, DROP_ESETUP, "out of memory");
		execve(full, s->argv, s->envp);
		if (errno != ENOENT && errno != ENOTDIR)
			saved = errno;
	}
	if (saved == ENOENT)
		return err_set(err, DROP_ENOENT, "%s: command not found", cmd);
	errno = saved;
	return err_sys(err, DROP_ENOEXEC, "%s", cmd);
}

/* In the program's process only: pid 1 and drop's own setup stay outside the limits. */
static int apply_rlimits(const struct drop_setup *s, struct drop_err *err)
{
	if (s->rlimit_as_kib && sys_lower_rlimit(RLIMIT_AS, (uint64_t)s->rlimit_as_kib * 1024) < 0)
		return err_sys(err, DROP_ESETUP, "cannot set RLIMIT_AS for the memory limit");
	if (s->rlimit_nproc && sys_lower_rlimit(RLIMIT_NPROC, s->rlimit_nproc) < 0)
		return err_sys(err, DROP_ESETUP, "cannot set RLIMIT_NPROC for the pids limit");
	return 0;
}



__attribute__((noreturn)) static void run_program(struct child *c)
{
	struct drop_err err = { 0 };

	sys_reset_signals();
	if (take_terminal(c, &err) < 0 || install_stdio(c, &err) < 0)
		goto fail;
	/* No inherited fd but 0-2 reaches the program; the socket is close-on-exec and reports exec failures. */
	sys_close_fds_except(&c->args->sock, 1);
	enter_workdir(&c->setup);
	if (caps_drop_all(&err) < 0 || apply_rlimits(&c->setup, &err) < 0 ||
	    seccomp_load_blob(c->filters.data, c->filters.len, &err) < 0)
		goto fail;
	exec_command(&c->setup, &err);
fail:
	proto_send_error(c->args->sock, &err);
	_exit(err.status ? err.status : DROP_ESETUP);
}

/*
 * The parent learns the status from pid 1 itself, before the kernel tears
 * the namespaces down, and stops pasta at once (it reaps pid 1 afterwards);
 * the pidfd stays the fallback when pid 1 is killed.
 */
__attribute__((noreturn)) static void exit_reporting(const struct child_args *args, pid_t program)
{
	struct init_broker broker = { .fd = args->broker_fd, .publish = args->tcp_publish };
	struct program_end end;

	init_supervise(program, args->status_fd, broker.fd >= 0 ? &broker : NULL, &end);
	init_report(args->status_fd, end.wait_status, end.maxrss_kib);
	_exit(init_exit_code(end.wait_status));
}

__attribute__((noreturn)) static void fail_setup(struct child *c, struct drop_err *err)
{
	if (!err->status)
		err->status = DROP_ESETUP;
	proto_send_error(c->args->sock, err);
	_exit(err->status);
}

/*
 * Once the program has its streams, this process keeps none: not the pipe
 * ends, not the pty, and not its own 0-2, which are drop's (the host's
 * terminal, say) and would stay open for the sandbox's whole life.
 */
static void close_inherited_stdio(struct child *c)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	for (int fd = 0; fd < 3; fd++) {
		if (c->args->stdio[fd] >= 0)
			close(c->args->stdio[fd]);
		if (null >= 0)
			dup2(null, fd);
	}
	if (null > 2)
		close(null);
	if (c->pty_slave >= 0)
		close(c->pty_slave);
}

/*
 * clone() copied every fd of the parent, including the parent's own ends of
 * the stdio pipes: pid 1 never execs, so it must close them itself or the
 * program would never see EOF on its stdin.
 */
static void close_inherited_fds(const struct child_args *args)
{
	const int keep[] = { args->sock, args->status_fd, args->stdio[0], args->stdio[1], args->stdio[2], args->broker_fd };

	sys_close_fds_except(keep, sizeof(keep) / sizeof(keep[0]));
}

static int join_namespaces(const int *ns_fds, int n, struct drop_err *err)
{
	/* The user namespace first: it grants the capabilities the other setns calls need. */
	for (int i = 0; i < n; i++)
		if (setns(ns_fds[i], 0) < 0)
			return err_sys(err, DROP_ESETUP, "cannot join the instance's namespaces");
	return 0;
}

/*
 * drop enter. This process joins the namespaces; joining a pid namespace only
 * affects children, so the program runs in a child, and this process stays
 * outside the pid namespace as its supervisor, the way pid 1 is for drop run.
 *
 * The program's process is in the sandbox's pid namespace from its fork on,
 * where any sandbox process can pidfd_open it, while it still runs drop's
 * code and holds the socket to the parent. So it is non-dumpable from birth:
 * fork copies the flag, and nothing before its exec resets it (setns into a
 * user namespace we own and dropping capabilities only shrink the
 * credentials; the exec of the program makes it dumpable again). Its memory
 * was made outside, so a non-dumpable process is reachable only with
 * CAP_SYS_PTRACE in the host's user namespace: not by ptrace,
 * process_vm_readv/writev, pidfd_getfd or /proc/PID from inside.
 */
void child_join_main(const struct child_args *args, const int *ns_fds, int n_ns)
{
	struct child c = { .args = args, .pty_slave = -1 };
	struct drop_err err = { 0 };
	sigset_t old;
	pid_t program;

	prctl(PR_SET_DUMPABLE, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	setsid();
	if (join_namespaces(ns_fds, n_ns, &err) < 0)
		fail_setup(&c, &err);
	close_inherited_fds(args);
	init_block_signals(&old);
	program = fork();
	if (program < 0) {
		err_sys(&err, DROP_ESETUP, "cannot start the program");
		fail_setup(&c, &err);
	}
	if (program == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (receive_setup(&c, &err) < 0 || seccomp_compile(&c.setup, &c.filters, &err) < 0 || chdir("/") < 0 ||
		    make_pty(&c, &err) < 0 || wait_for_go(&c, &err) < 0)
			fail_setup(&c, &err);
		run_program(&c);
	}
	close_inherited_stdio(&c);
	close(args->sock);
	caps_drop_all(&err);
	exit_reporting(args, program);
}

void child_main(const struct child_args *args)
{
	struct child c = { .args = args, .pty_slave = -1 };
	struct drop_err err = { 0 };
	struct child_helper helper;
	sigset_t old;
	pid_t program;

	/* Dies with the parent, even when the parent is SIGKILLed. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	close_inherited_fds(args);
	prctl(PR_SET_NAME, "drop-init");
	helper_init(&helper);
	if (helper_begin(&helper, args->make_netns, args->proxy_port, args->tcp_host, &err) < 0 || receive_setup(&c, &err) < 0)
		fail_setup(&c, &err);
	helper_give_setup(&helper, &c.setup);
	/* The parent sends the setup only after it moved us into the instance's cgroup (with limits). */
	if (unshare(CLONE_NEWCGROUP) < 0) {
		err_sys(&err, DROP_ESETUP, "cannot create the cgroup namespace");
		fail_setup(&c, &err);
	}
	if (fs_build_root(&c.setup, &helper, &err) < 0 || helper_finish(&helper, &err) < 0 || make_pty(&c, &err) < 0 ||
	    send_listener(&c, &helper, &err) < 0 || wait_for_go(&c, &err) < 0)
		fail_setup(&c, &err);
	c.filters = helper.filters;
	/* The helper made us a session leader: the pty becomes our controlling terminal (join_init_session). */
	if (c.pty_slave >= 0 && ioctl(c.pty_slave, TIOCSCTTY, 0) < 0) {
		err_sys(&err, DROP_ESETUP, "cannot make the pty the controlling terminal");
		fail_setup(&c, &err);
	}
	c.init_leads_session = true;
	/* Only now: the parent wrote our id maps and pasta joined our namespaces
	 * through /proc/PID, which a non-dumpable process refuses. Until now no
	 * other process exists in our new pid namespace (and drop enter needs a
	 * child of ours to join it), so nothing in the sandbox could name us;
	 * the program's process shares this mm until its exec. From here on
	 * nothing in the sandbox can open /proc/1/exe or ptrace pid 1. */
	prctl(PR_SET_DUMPABLE, 0);
	init_block_signals(&old);
	/* pid 1 has nothing to do until the program has exec'd: vfork spares
	 * copying the address space. run_program only ever execs or _exits;
	 * what it allocates on the way is left in our heap, which we never free. */
	program = vfork();
	if (program < 0) {
		err_sys(&err, DROP_ESETUP, "cannot start the program");
		fail_setup(&c, &err);
	}
	if (program == 0)
		run_program(&c);
	close_inherited_stdio(&c);
	close(args->sock);
	caps_drop_all(&err);
	exit_reporting(args, program);
}
