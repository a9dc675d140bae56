/* sys.c: thin side-effecting wrappers: raw syscalls glibc lacks, exact I/O, files and directories. */
#include "sys.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "util.h"

int sys_pivot_root(const char *new_root, const char *put_old)
{
	return (int)syscall(SYS_pivot_root, new_root, put_old);
}

int sys_open_tree(int dfd, const char *path, unsigned flags)
{
	return (int)syscall(SYS_open_tree, dfd, path, flags);
}

int sys_move_mount(int from_dfd, const char *from, int to_dfd, const char *to, unsigned flags)
{
	return (int)syscall(SYS_move_mount, from_dfd, from, to_dfd, to, flags);
}

int sys_mount_setattr(int dfd, const char *path, unsigned flags, struct mount_attr *attr)
{
	return (int)syscall(SYS_mount_setattr, dfd, path, flags, attr, sizeof(*attr));
}

int sys_fsopen(const char *fsname, unsigned flags)
{
	return (int)syscall(SYS_fsopen, fsname, flags);
}

int sys_fsconfig(int fd, unsigned cmd, const char *key, const void *value, int aux)
{
	return (int)syscall(SYS_fsconfig, fd, cmd, key, value, aux);
}

int sys_fsmount(int fd, unsigned flags, unsigned attr_flags)
{
	return (int)syscall(SYS_fsmount, fd, flags, attr_flags);
}

int sys_openat2(int dfd, const char *path, struct open_how *how)
{
	return (int)syscall(SYS_openat2, dfd, path, how, sizeof(*how));
}

int sys_pidfd_open(pid_t pid, unsigned flags)
{
	return (int)syscall(SYS_pidfd_open, pid, flags);
}

int sys_pidfd_send_signal(int pidfd, int sig)
{
	return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

pid_t sys_clone_ns(unsigned long flags, int *pidfd)
{
	*pidfd = -1;
	/* x86_64/aarch64 argument order: flags, stack, parent_tid, child_tid, tls.
	 * A NULL stack makes this behave like fork(). */
	return (pid_t)syscall(SYS_clone, flags | CLONE_PIDFD | SIGCHLD, NULL, pidfd, NULL, 0);
}

void sys_close_from(int lowfd)
{
	if (syscall(SYS_close_range, lowfd, ~0u, 0) == 0)
		return;
	for (int fd = lowfd; fd < 65536; fd++)
		close(fd);
}

void sys_reset_signals(void)
{
	struct {
		void *handler;
		unsigned long flags;
		void *restorer;
		uint64_t mask;
	} dfl = { 0 };
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (int sig = 1; sig <= 64; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			syscall(SYS_rt_sigaction, sig, &dfl, NULL, sizeof(dfl.mask));
}

void sys_tie_to_parent(pid_t parent)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
	sys_reset_signals();
}

char *sys_find_in_path(const char *path_var, const char *name)
{
	autofree char *copy = strdup(path_var ? path_var : "");
	char *save = NULL;

	for (char *dir = copy ? strtok_r(copy, ":", &save) : NULL; dir; dir = strtok_r(NULL, ":", &save)) {
		autofree char *full = path_join(dir, name);
		if (full && access(full, X_OK) == 0)
			return steal_ptr(&full);
	}
	return NULL;
}

int sys_lower_rlimit(int resource, uint64_t value)
{
	struct rlimit r;

	if (getrlimit(resource, &r) == 0 && r.rlim_max != RLIM_INFINITY && r.rlim_max < (rlim_t)value)
		value = r.rlim_max;
	r.rlim_cur = r.rlim_max = (rlim_t)value;
	return setrlimit(resource, &r);
}

/* send() with MSG_NOSIGNAL; anything that is not a socket falls back to write(). */
static ssize_t write_some(int fd, void *p, size_t n)
{
	ssize_t r = send(fd, p, n, MSG_NOSIGNAL);

	if (r < 0 && errno == ENOTSOCK)
		r = write(fd, p, n);
	return r;
}

static ssize_t read_some(int fd, void *p, size_t n)
{
	return read(fd, p, n);
}

static int transfer_all(int fd, uint8_t *c, size_t n, ssize_t (*io)(int, void *, size_t))
{
	while (n > 0) {
		ssize_t r = io(fd, c, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0) {
			errno = EPIPE;
			return -1;
		}
		c += r;
		n -= (size_t)r;
	}
	return 0;
}

int sys_write_all(int fd, const void *p, size_t n)
{
	return transfer_all(fd, (uint8_t *)(uintptr_t)p, n, write_some);
}

int sys_read_all(int fd, void *p, size_t n)
{
	return transfer_all(fd, p, n, read_some);
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

void sys_close_fds_except(const int *keep, size_t n)
{
	int sorted[8];
	int from = 3;

	if (n > sizeof(sorted) / sizeof(sorted[0]))
		n = sizeof(sorted) / sizeof(sorted[0]);
	memcpy(sorted, keep, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), cmp_int);
	for (size_t i = 0; i < n; i++) {
		if (sorted[i] < from)
			continue;
		if (sorted[i] > from)
			syscall(SYS_close_range, (unsigned)from, (unsigned)sorted[i] - 1, 0);
		from = sorted[i] + 1;
	}
	sys_close_from(from);
}

int write_file_at(int dfd, const char *path, const char *data, size_t len, mode_t mode)
{
	autoclose int fd = openat(dfd, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);

	if (fd < 0)
		return -1;
	return sys_write_all(fd, data, len);
}

int read_fd(int fd, size_t cap, unsigned flags, char **out, size_t *len)
{
	struct stat st;
	/* One byte over cap shows a file that is too large; the last byte holds the NUL. */
	size_t want = flags & READ_TRUNCATE ? cap : cap + 1;
	size_t size = fstat(fd, &st) == 0 && st.st_size > 0 ? (size_t)st.st_size : 4096;
	size_t bufsize = (size < want ? size : want) + 1;
	autofree char *buf = malloc(bufsize);
	size_t n = 0;

	*out = NULL;
	if (!buf)
		return -1;
	while (n < want) {
		ssize_t r;

		if (n + 1 == bufsize) {
			size_t grown = bufsize - 1 > want / 2 ? want + 1 : 2 * (bufsize - 1) + 1;
			char *p = realloc(buf, grown);

			if (!p)
				return -1;
			buf = p;
			bufsize = grown;
		}
		r = read(fd, buf + n, bufsize - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > cap) {
		errno = EFBIG;
		return -1;
	}
	buf[n] = '\0';
	if (len)
		*len = n;
	*out = steal_ptr(&buf);
	return 0;
}

int read_file_at(int dfd, const char *path, size_t cap, unsigned flags, char **out, size_t *len)
{
	int oflags = O_RDONLY | O_CLOEXEC | O_NOCTTY | (flags & READ_NOFOLLOW ? O_NOFOLLOW : 0) |
		     (flags & READ_REGULAR ? O_NONBLOCK : 0);
	autoclose int fd = openat(dfd, path, oflags);
	struct stat st;

	*out = NULL;
	if (fd < 0)
		return -1;
	if (flags & READ_REGULAR && fstat(fd, &st) < 0)
		return -1;
	if (flags & READ_REGULAR && !S_ISREG(st.st_mode)) {
		errno = EINVAL;
		return -1;
	}
	return read_fd(fd, cap, flags & READ_TRUNCATE, out, len);
}

char *read_file(const char *path, size_t cap)
{
	char *text;

	return read_file_at(AT_FDCWD, path, cap, READ_TRUNCATE, &text, NULL) < 0 ? NULL : text;
}

int mkdir_p(const char *path, mode_t mode)
{
	autofree char *copy = strdup(path);

	if (!copy)
		return -1;
	for (char *p = copy + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, mode) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(copy, mode) < 0 && errno != EEXIST)
		return -1;
	return is_dir(copy) ? 0 : (errno = ENOTDIR, -1);
}

static int remove_tree_at(int parent, const char *name);

static int remove_dir_contents(int dfd)
{
	DIR *dir = fdopendir(dfd);
	struct dirent *de;
	int rc = 0;

	if (!dir) {
		close(dfd);
		return -1;
	}
	while ((de = readdir(dir))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (remove_tree_at(dirfd(dir), de->d_name) < 0)
			rc = -1;
	}
	closedir(dir);
	return rc;
}

static int remove_tree_at(int parent, const char *name)
{
	struct stat st;
	int dfd;

	if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(parent, name, 0) < 0 && errno != ENOENT ? -1 : 0;
	/* A sandbox may leave directories with mode 000: make them ours to empty. */
	if ((st.st_mode & 0700) != 0700 && fchmodat(parent, name, 0700, 0) < 0)
		return -1;
	dfd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return -1;
	if (remove_dir_contents(dfd) < 0)
		return -1;
	return unlinkat(parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT ? -1 : 0;
}

int remove_tree(const char *path)
{
	return remove_tree_at(AT_FDCWD, path);
}

bool path_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}
