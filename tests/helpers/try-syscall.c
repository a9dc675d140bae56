/* try-syscall.c: test helper run inside the sandbox: attempts one attack per argument and prints its errno. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <linux/io_uring.h>
#include <netinet/in.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/*
 * Usage: try-syscall ATTACK [ARG]... [ATTACK [ARG]...]...
 * Prints one line per attack: "ATTACK ok" when the call succeeded,
 * "ATTACK errno=ENAME" when it failed, "ATTACK signal=SIGNAME" when it
 * killed the process that tried it, and "ATTACK abi=absent" when the attack
 * goes through a compat ABI (int 0x80, x32) that this kernel does not
 * accept at all. Each attack runs in its own forked process, so one that
 * crashes or changes the process (a new namespace) does not stop or change
 * the others; each compat ABI is probed once, in a forked process too,
 * with a call no filter denies (getpid). Exit status 0 unless the usage is
 * wrong (2).
 *
 * Calls a seccomp filter must deny are made with arguments the kernel itself
 * would reject with something other than EPERM where it can (EBADF, EFAULT,
 * EINVAL...), so that an EPERM comes from the filter, not from a missing
 * capability: the tests can tell "filtered" from "merely unprivileged".
 */

#define KEYCTL_GET_KEYRING_ID_ 0
#define KEY_SPEC_SESSION_KEYRING_ (-3)
#define X32_BIT 0x40000000L

/* i386 numbers, for int $0x80: the compat ABI has its own table. */
#define I386_MOUNT 21
#define I386_KEYCTL 288
#define I386_UNSHARE 310
#define I386_PERSONALITY 136
/* x86_64 numbers of the calls tried through the x32 ABI (same table, marker bit added). */
#define X86_64_KEYCTL 250
#define X86_64_UNSHARE 272
#define X86_64_PERSONALITY 135
/* Newer than some libcs' headers: the same number on every ABI. */
#define NR_OPEN_TREE_ATTR 467
#define NR_CLONE3 435
#define NR_PIDFD_OPEN 434
#define NR_PIDFD_GETFD 438
#define NR_IO_URING_SETUP 425
#define NR_IO_URING_ENTER 426
#define NR_IO_URING_REGISTER 427
/* A persona outside the standard ones: no address space randomisation. */
#define PERSONA_ODD 0x0040000L

/* The system call ABI an attack goes through. */
enum abi { ABI_NATIVE, ABI_I386, ABI_X32, ABI_COUNT };

struct attack {
	const char *name;
	int nargs;          /* extra command-line arguments it takes */
	const char *usage;
	long (*run)(char **args);
	enum abi abi;
};

/* try-syscall's own parent: the attacks run in forked children. */
static pid_t caller_parent;

/* Each attack returns the raw result: >= 0 success, -1 with errno set. */

static long a_keyctl(char **a)
{
	(void)a;
	return syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID_, KEY_SPEC_SESSION_KEYRING_, 0);
}

static long a_add_key(char **a)
{
	(void)a;
	return syscall(SYS_add_key, "user", "drop-escape", "x", 1, KEY_SPEC_SESSION_KEYRING_);
}

static long a_request_key(char **a)
{
	(void)a;
	return syscall(SYS_request_key, "user", "drop-escape-none", NULL, 0);
}

static long a_mount(char **a)
{
	(void)a;
	return mount("none", "/tmp", "tmpfs", 0, NULL);
}

static long a_remount(char **a)
{
	return mount(NULL, a[0], NULL, MS_REMOUNT | MS_BIND, NULL);
}

static long a_umount(char **a)
{
	return umount2(a[0], MNT_DETACH);
}

static long a_pivot_root(char **a)
{
	(void)a;
	return syscall(SYS_pivot_root, "/", "/");
}

static long a_chroot(char **a)
{
	(void)a;
	return chroot("/");
}

static long a_open_tree(char **a)
{
	(void)a;
	return syscall(SYS_open_tree, -1, "", 0xffffffffu);
}

static long a_open_tree_attr(char **a)
{
	(void)a;
	return syscall(NR_OPEN_TREE_ATTR, -1, "", 0xffffffffu, NULL, 0);
}

static long a_fsopen(char **a)
{
	(void)a;
	return syscall(SYS_fsopen, "drop-no-such-fs", 0xffffffffu);
}

static long a_fspick(char **a)
{
	(void)a;
	return syscall(SYS_fspick, -1, "", 0xffffffffu);
}

static long a_move_mount(char **a)
{
	(void)a;
	return syscall(SYS_move_mount, -1, "", -1, "", 0xffffffffu);
}

static long a_mount_setattr(char **a)
{
	(void)a;
	return syscall(SYS_mount_setattr, -1, "", 0xffffffffu, NULL, 0);
}

static long a_unshare_user(char **a)
{
	(void)a;
	return unshare(CLONE_NEWUSER);
}

static long a_unshare_ns(char **a)
{
	(void)a;
	return unshare(CLONE_NEWNS);
}

/* A child that succeeds exits at once; only the parent reports. */
static long reap(long pid)
{
	if (pid == 0)
		_exit(0);
	if (pid > 0)
		waitpid((pid_t)pid, NULL, 0);
	return pid;
}

static long a_clone_newuser(char **a)
{
	(void)a;
	return reap(syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, 0));
}

struct clone3_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

static long a_clone3(char **a)
{
	struct clone3_args args = { .exit_signal = SIGCHLD };

	(void)a;
	return reap(syscall(NR_CLONE3, &args, sizeof(args)));
}

static long a_setns(char **a)
{
	int fd = open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);
	long rc;

	(void)a;
	if (fd < 0)
		return -1;
	rc = setns(fd, CLONE_NEWUSER);
	close(fd);
	return rc;
}

/* The terminal: fd 0 when it is one, else the controlling terminal. */
static int tty_fd(void)
{
	return isatty(0) ? 0 : open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
}

static long tty_ioctl(unsigned long request, const char *arg)
{
	int fd = tty_fd();
	long rc;

	if (fd < 0)
		fd = 0; /* no terminal at all: the filter must still answer first */
	rc = syscall(SYS_ioctl, fd, request, arg);
	if (fd > 0)
		close(fd);
	return rc;
}

static long a_tiocsti(char **a)
{
	(void)a;
	return tty_ioctl(TIOCSTI, "#");
}

/* CVE-2019-10063: the kernel uses only the low 32 bits, a filter must too. */
static long a_tiocsti_high(char **a)
{
	(void)a;
	return tty_ioctl(TIOCSTI | (1UL << 32), "#");
}

static long a_tioclinux(char **a)
{
	static const char sel[] = { 2, 0 }; /* TIOCL_SETSEL */

	(void)a;
	return tty_ioctl(TIOCLINUX, sel);
}

#if defined(__x86_64__)
static long int80(long nr, long b, long c, long d)
{
	long ret;

	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(b), "c"(c), "d"(d) : "memory");
	if (ret < 0 && ret > -4096) {
		errno = (int)-ret;
		return -1;
	}
	return ret;
}

static long a_int80_keyctl(char **a)
{
	(void)a;
	return int80(I386_KEYCTL, KEYCTL_GET_KEYRING_ID_, KEY_SPEC_SESSION_KEYRING_, 0);
}

static long a_int80_mount(char **a)
{
	(void)a;
	return int80(I386_MOUNT, 0, 0, 0);
}

static long a_int80_personality(char **a)
{
	(void)a;
	return int80(I386_PERSONALITY, PERSONA_ODD, 0, 0);
}

static long a_int80_unshare_user(char **a)
{
	(void)a;
	return int80(I386_UNSHARE, CLONE_NEWUSER, 0, 0);
}

/* getpid, which no filter denies: it fails only where the kernel refuses the ABI itself. */
#define I386_GETPID 20
#define X86_64_GETPID 39

__attribute__((noreturn)) static void probe_i386(void)
{
	long rc = int80(I386_GETPID, 0, 0, 0);

	_exit(rc > 0 ? 0 : errno == ENOSYS ? 3 : 1);
}

__attribute__((noreturn)) static void probe_x32(void)
{
	long rc = syscall(X32_BIT | X86_64_GETPID);

	_exit(rc > 0 ? 0 : errno == ENOSYS ? 3 : 1);
}

static long a_x32_keyctl(char **a)
{
	(void)a;
	return syscall(X32_BIT | X86_64_KEYCTL, KEYCTL_GET_KEYRING_ID_, KEY_SPEC_SESSION_KEYRING_, 0);
}

static long a_x32_personality(char **a)
{
	(void)a;
	return syscall(X32_BIT | X86_64_PERSONALITY, PERSONA_ODD);
}

static long a_x32_unshare_user(char **a)
{
	(void)a;
	return syscall(X32_BIT | X86_64_UNSHARE, CLONE_NEWUSER);
}
#endif

static long a_bpf(char **a)
{
	(void)a;
	return syscall(SYS_bpf, -1, NULL, 0);
}

static long a_perf_event_open(char **a)
{
	(void)a;
	return syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0);
}

static long a_userfaultfd(char **a)
{
	(void)a;
	return syscall(SYS_userfaultfd, 0xffffffffu);
}

static long a_personality(char **a)
{
	(void)a;
	return personality(0xffffffffu);
}

/* personality(HEX): the standard ones are allowed, the rest denied. */
static long a_personality_set(char **a)
{
	char *end;
	unsigned long persona = strtoul(a[0], &end, 16);

	if (*end || end == a[0]) {
		errno = EINVAL;
		return -1;
	}
	return syscall(SYS_personality, persona);
}

/* Our own memory, through the calls that read and write another process's: they succeed unless filtered. */
static long a_process_vm_readv(char **a)
{
	char from[8] = "drop", to[8];
	struct iovec local = { to, sizeof(to) }, remote = { from, sizeof(from) };

	(void)a;
	return process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
}

static long a_process_vm_writev(char **a)
{
	char from[8] = "drop", to[8];
	struct iovec local = { from, sizeof(from) }, remote = { to, sizeof(to) };

	(void)a;
	return process_vm_writev(getpid(), &local, 1, &remote, 1, 0);
}

/* Our own stdin, through the call that takes another process's fds. */
static long a_pidfd_getfd(char **a)
{
	int pidfd = (int)syscall(NR_PIDFD_OPEN, getpid(), 0);
	long rc;

	(void)a;
	if (pidfd < 0)
		return -1;
	rc = syscall(NR_PIDFD_GETFD, pidfd, 0, 0);
	if (rc >= 0)
		close((int)rc);
	close(pidfd);
	return rc;
}

static long ring_setup(void)
{
	struct io_uring_params p;

	memset(&p, 0, sizeof(p));
	return syscall(NR_IO_URING_SETUP, 4, &p);
}

static long a_io_uring_setup(char **a)
{
	long fd = ring_setup();

	(void)a;
	if (fd >= 0)
		close((int)fd);
	return fd;
}

/* On a ring where one can be made, else on fd -1 (EBADF from the kernel, EPERM from a filter). */
static long a_io_uring_enter(char **a)
{
	long fd = ring_setup();
	long rc = syscall(NR_IO_URING_ENTER, fd, 0, 0, 0, NULL, 0);

	(void)a;
	if (fd >= 0)
		close((int)fd);
	return rc;
}

static long a_io_uring_register(char **a)
{
	long fd = ring_setup();
	long rc = syscall(NR_IO_URING_REGISTER, fd, IORING_UNREGISTER_BUFFERS, NULL, 0);

	(void)a;
	if (fd >= 0)
		close((int)fd);
	return rc;
}

/* Clearing securebits needs CAP_SETPCAP and unlocked bits: both must be missing. */
static long a_set_securebits(char **a)
{
	(void)a;
	return prctl(PR_SET_SECUREBITS, 0, 0, 0, 0);
}

static long to_long(const char *s)
{
	char *end;
	long n = strtol(s, &end, 10);

	return *end || end == s ? -1 : n;
}

static long a_ptrace_attach(char **a)
{
	pid_t pid = (pid_t)to_long(a[0]);
	long rc = ptrace(PTRACE_ATTACH, pid, NULL, NULL);

	if (rc == 0)
		ptrace(PTRACE_DETACH, pid, NULL, NULL);
	return rc;
}

static long a_ptrace_parent(char **a)
{
	char pid[24];
	char *args[] = { pid, NULL };

	(void)a;
	snprintf(pid, sizeof(pid), "%ld", (long)caller_parent);
	return a_ptrace_attach(args);
}

static long a_kill(char **a)
{
	return kill((pid_t)to_long(a[0]), 0);
}

static long open_with(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC | O_NOCTTY);

	if (fd >= 0)
		close(fd);
	return fd;
}

static long a_open_read(char **a)
{
	return open_with(a[0], O_RDONLY);
}

static long a_open_write(char **a)
{
	return open_with(a[0], O_WRONLY);
}

static long a_open_dir(char **a)
{
	return open_with(a[0], O_RDONLY | O_DIRECTORY);
}

static long a_create(char **a)
{
	return open_with(a[0], O_WRONLY | O_CREAT | O_EXCL);
}

static long a_write_fd(char **a)
{
	return write((int)to_long(a[0]), "", 0);
}

/* ADDR is IPv4, or IPv6 when it has a ':'. */
static long a_connect_tcp(char **a)
{
	uint16_t port = htons((uint16_t)to_long(a[1]));
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = port };
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_port = port };
	bool v6 = strchr(a[0], ':') != NULL;
	int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	long rc;

	if (fd < 0)
		return -1;
	if (inet_pton(v6 ? AF_INET6 : AF_INET, a[0], v6 ? (void *)&sin6.sin6_addr : (void *)&sin.sin_addr) != 1) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	if (v6)
		rc = connect(fd, (struct sockaddr *)&sin6, sizeof(sin6));
	else
		rc = connect(fd, (struct sockaddr *)&sin, sizeof(sin));
	close(fd);
	return rc;
}

static long a_connect_abstract(char **a)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t len = strlen(a[0]);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	long rc;

	if (fd < 0)
		return -1;
	if (len + 1 > sizeof(sun.sun_path)) {
		close(fd);
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sun.sun_path + 1, a[0], len); /* sun_path[0] = '\0': the abstract namespace */
	rc = connect(fd, (struct sockaddr *)&sun, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + len));
	close(fd);
	return rc;
}

/*
 * Swapped-directory attack: PATH flips between a directory and a symlink
 * to TARGET (renameat2 RENAME_EXCHANGE, atomic) for SECONDS, so that a
 * concurrent drop resolving a mount target below PATH races with it.
 */
static long a_swap_for(char **a)
{
	char alt[4096];
	long seconds = to_long(a[2]);
	time_t end = time(NULL) + seconds;
	long swaps = 0;

	if (seconds < 0 || snprintf(alt, sizeof(alt), "%s.alt", a[0]) >= (int)sizeof(alt)) {
		errno = EINVAL;
		return -1;
	}
	if ((mkdir(a[0], 0755) < 0 && errno != EEXIST) || (symlink(a[1], alt) < 0 && errno != EEXIST))
		return -1;
	while (time(NULL) < end) {
		if (renameat2(AT_FDCWD, a[0], AT_FDCWD, alt, RENAME_EXCHANGE) < 0)
			return -1;
		swaps++;
	}
	/* Leave PATH a directory, whatever the parity. */
	if (swaps % 2 && renameat2(AT_FDCWD, a[0], AT_FDCWD, alt, RENAME_EXCHANGE) < 0)
		return -1;
	return 0;
}

static const struct attack attacks[] = {
	{ "keyctl", 0, "", a_keyctl, ABI_NATIVE },
	{ "add_key", 0, "", a_add_key, ABI_NATIVE },
	{ "request_key", 0, "", a_request_key, ABI_NATIVE },
	{ "mount", 0, "", a_mount, ABI_NATIVE },
	{ "remount", 1, "PATH", a_remount, ABI_NATIVE },
	{ "umount", 1, "PATH", a_umount, ABI_NATIVE },
	{ "pivot_root", 0, "", a_pivot_root, ABI_NATIVE },
	{ "chroot", 0, "", a_chroot, ABI_NATIVE },
	{ "open_tree", 0, "", a_open_tree, ABI_NATIVE },
	{ "open-tree-attr", 0, "", a_open_tree_attr, ABI_NATIVE },
	{ "fsopen", 0, "", a_fsopen, ABI_NATIVE },
	{ "fspick", 0, "", a_fspick, ABI_NATIVE },
	{ "move_mount", 0, "", a_move_mount, ABI_NATIVE },
	{ "mount_setattr", 0, "", a_mount_setattr, ABI_NATIVE },
	{ "unshare-user", 0, "", a_unshare_user, ABI_NATIVE },
	{ "unshare-ns", 0, "", a_unshare_ns, ABI_NATIVE },
	{ "clone-newuser", 0, "", a_clone_newuser, ABI_NATIVE },
	{ "clone3", 0, "", a_clone3, ABI_NATIVE },
	{ "setns", 0, "", a_setns, ABI_NATIVE },
	{ "tiocsti", 0, "", a_tiocsti, ABI_NATIVE },
	{ "tiocsti-high", 0, "", a_tiocsti_high, ABI_NATIVE },
	{ "tioclinux", 0, "", a_tioclinux, ABI_NATIVE },
#if defined(__x86_64__)
	{ "int80-keyctl", 0, "", a_int80_keyctl, ABI_I386 },
	{ "int80-mount", 0, "", a_int80_mount, ABI_I386 },
	{ "int80-unshare-user", 0, "", a_int80_unshare_user, ABI_I386 },
	{ "int80-personality", 0, "", a_int80_personality, ABI_I386 },
	{ "x32-keyctl", 0, "", a_x32_keyctl, ABI_X32 },
	{ "x32-unshare-user", 0, "", a_x32_unshare_user, ABI_X32 },
	{ "x32-personality", 0, "", a_x32_personality, ABI_X32 },
#endif
	{ "bpf", 0, "", a_bpf, ABI_NATIVE },
	{ "perf_event_open", 0, "", a_perf_event_open, ABI_NATIVE },
	{ "userfaultfd", 0, "", a_userfaultfd, ABI_NATIVE },
	{ "personality", 0, "", a_personality, ABI_NATIVE },
	{ "personality-set", 1, "HEX", a_personality_set, ABI_NATIVE },
	{ "process_vm_readv", 0, "", a_process_vm_readv, ABI_NATIVE },
	{ "process_vm_writev", 0, "", a_process_vm_writev, ABI_NATIVE },
	{ "pidfd_getfd", 0, "", a_pidfd_getfd, ABI_NATIVE },
	{ "io_uring_setup", 0, "", a_io_uring_setup, ABI_NATIVE },
	{ "io_uring_enter", 0, "", a_io_uring_enter, ABI_NATIVE },
	{ "io_uring_register", 0, "", a_io_uring_register, ABI_NATIVE },
	{ "set-securebits", 0, "", a_set_securebits, ABI_NATIVE },
	{ "ptrace-attach", 1, "PID", a_ptrace_attach, ABI_NATIVE },
	{ "ptrace-parent", 0, "", a_ptrace_parent, ABI_NATIVE },
	{ "kill", 1, "PID", a_kill, ABI_NATIVE },
	{ "open-read", 1, "PATH", a_open_read, ABI_NATIVE },
	{ "open-write", 1, "PATH", a_open_write, ABI_NATIVE },
	{ "open-dir", 1, "PATH", a_open_dir, ABI_NATIVE },
	{ "create", 1, "PATH", a_create, ABI_NATIVE },
	{ "write-fd", 1, "FD", a_write_fd, ABI_NATIVE },
	{ "connect-tcp", 2, "ADDR PORT", a_connect_tcp, ABI_NATIVE },
	{ "connect-abstract", 1, "NAME", a_connect_abstract, ABI_NATIVE },
	{ "swap-for", 3, "PATH TARGET SECONDS", a_swap_for, ABI_NATIVE },
};

/*
 * Whether the kernel accepts ABI: false when the probe's int 0x80 faults
 * (SIGSEGV: the i386 ABI is compiled out or switched off with
 * ia32_emulation=0) or its call gets ENOSYS (x32 not built in). Anything
 * else, a filter's SIGSYS included, counts as accepted: the attack itself
 * then shows what happens.
 */
static bool abi_accepted(enum abi abi)
{
	static int known[ABI_COUNT]; /* 0 unknown, 1 accepted, 2 absent */
	pid_t pid;
	int st;

	if (abi == ABI_NATIVE)
		return true;
	if (known[abi])
		return known[abi] == 1;
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
#if defined(__x86_64__)
		if (abi == ABI_I386)
			probe_i386();
		probe_x32();
#endif
		_exit(3);
	}
	if (pid < 0 || waitpid(pid, &st, 0) < 0)
		return true;
	known[abi] = (WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV) || (WIFEXITED(st) && WEXITSTATUS(st) == 3) ? 2 : 1;
	return known[abi] == 1;
}

static const struct attack *find_attack(const char *name)
{
	for (size_t i = 0; i < sizeof(attacks) / sizeof(attacks[0]); i++)
		if (!strcmp(attacks[i].name, name))
			return &attacks[i];
	return NULL;
}

static const char *errno_name(int e)
{
	const char *name = strerrorname_np(e);

	return name ? name : "?";
}

static int usage(void)
{
	fprintf(stderr, "usage: try-syscall ATTACK [ARG]... [ATTACK [ARG]...]...\nattacks:");
	for (size_t i = 0; i < sizeof(attacks) / sizeof(attacks[0]); i++)
		fprintf(stderr, " %s%s%s", attacks[i].name, attacks[i].nargs ? " " : "", attacks[i].usage);
	fputc('\n', stderr);
	return 2;
}

/*
 * The attacks are real: run as root in the host's user namespace, "mount"
 * would cover the host's /tmp. Refuse unless uid 0, if any, is a namespace's.
 */
static bool host_root(void)
{
	FILE *f = fopen("/proc/self/uid_map", "re");
	unsigned long inside, outside, count;
	bool full;

	if (geteuid() != 0)
		return false;
	if (!f)
		return true;
	full = fscanf(f, "%lu %lu %lu", &inside, &outside, &count) == 3 && inside == 0 && outside == 0 &&
	       count == 4294967295UL;
	fclose(f);
	return full;
}

/* One attack in a forked process: a crash or a changed process state stays there. */
static void run_attack(const struct attack *at, char **args)
{
	pid_t pid;
	int st;

	if (!abi_accepted(at->abi)) {
		printf("%s abi=absent\n", at->name);
		return;
	}
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		long rc;

		errno = 0;
		rc = at->run(args);
		if (rc < 0)
			printf("%s errno=%s\n", at->name, errno_name(errno));
		else
			printf("%s ok\n", at->name);
		fflush(NULL);
		_exit(0);
	}
	if (pid < 0) {
		printf("%s fork errno=%s\n", at->name, errno_name(errno));
		return;
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return;
	if (WIFSIGNALED(st))
		printf("%s signal=SIG%s\n", at->name, sigabbrev_np(WTERMSIG(st)));
}

int main(int argc, char **argv)
{
	int i = 1;

	if (argc < 2)
		return usage();
	if (host_root()) {
		fprintf(stderr, "try-syscall: refusing to attack the host as root; run it inside a sandbox\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	caller_parent = getppid();
	/* The whole command line is checked before the first attack. */
	for (int j = 1; j < argc;) {
		const struct attack *at = find_attack(argv[j]);

		if (!at || j + at->nargs >= argc)
			return usage();
		j += 1 + at->nargs;
	}
	while (i < argc) {
		const struct attack *at = find_attack(argv[i]);

		run_attack(at, &argv[i + 1]);
		i += 1 + at->nargs;
	}
	return 0;
}
