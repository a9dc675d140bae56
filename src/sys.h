/* sys.h: thin side-effecting wrappers: raw syscalls glibc lacks, exact I/O, files and directories. */
#ifndef DROP_SYS_H
#define DROP_SYS_H

#include <linux/mount.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "log.h"

int sys_pivot_root(const char *new_root, const char *put_old);
int sys_open_tree(int dfd, const char *path, unsigned flags);
int sys_move_mount(int from_dfd, const char *from, int to_dfd, const char *to, unsigned flags);
int sys_mount_setattr(int dfd, const char *path, unsigned flags, struct mount_attr *attr);
int sys_fsopen(const char *fsname, unsigned flags);
int sys_fsconfig(int fd, unsigned cmd, const char *key, const void *value, int aux);
int sys_fsmount(int fd, unsigned flags, unsigned attr_flags);
int sys_openat2(int dfd, const char *path, struct open_how *how);
int sys_pidfd_open(pid_t pid, unsigned flags);
int sys_pidfd_send_signal(int pidfd, int sig);
/* fork-like clone into new namespaces; returns the child's pid (0 in the child); *pidfd set. */
pid_t sys_clone_ns(unsigned long flags, int *pidfd);
void sys_close_from(int lowfd);
/* Close every fd from 3 up except those in keep (negative entries ignored), with close_range. */
void sys_close_fds_except(const int *keep, size_t n);

/* Set a resource limit (soft and hard) to value, or to the hard limit already there if that is lower. */
int sys_lower_rlimit(int resource, uint64_t value);

/*
 * Exact I/O: loop until exactly n bytes moved, EINTR retried; 0, or -1 with
 * errno (EPIPE for an end of file or a write of nothing before the end). On a
 * socket, writes go through send(MSG_NOSIGNAL), so a peer that died is EPIPE
 * instead of a SIGPIPE that kills drop.
 */
int sys_write_all(int fd, const void *p, size_t n);
int sys_read_all(int fd, void *p, size_t n);

/* Empty the signal mask and set every disposition to the default, the real-time
 * signals glibc hides included (an ignored one would be inherited across exec). */
void sys_reset_signals(void);
/* In a helper just forked to exec pasta or xdg-dbus-proxy: die with the parent,
 * even a SIGKILLed one (_exit(1) if it is already gone), and reset signals. */
void sys_tie_to_parent(pid_t parent);
/* The first executable NAME in the directories of path_var (a PATH value); malloc'd or NULL. */
char *sys_find_in_path(const char *path_var, const char *name);

/* Write a whole small file (O_CLOEXEC|O_TRUNC|O_CREAT, mode); 0 or -1 with errno. */
int write_file_at(int dfd, const char *path, const char *data, size_t len, mode_t mode);
/*
 * Reading a small file whole. The buffer is malloc'd and NUL-terminated (NUL
 * bytes inside are kept: *len, when len is not NULL, says how many bytes);
 * it starts at the file's size and grows only for a file without one (/proc,
 * a pipe) or one that grew meanwhile. 0, or -1 with errno, *out NULL.
 */
enum {
	READ_NOFOLLOW = 1 << 0, /* a symlink as the last component is ELOOP */
	READ_REGULAR = 1 << 1,  /* opened O_NONBLOCK (a FIFO cannot hang us), then anything but a regular file is EINVAL */
	READ_TRUNCATE = 1 << 2, /* over cap bytes: the first cap are kept; without it, EFBIG */
};
/* path relative to dfd (or AT_FDCWD), opened O_RDONLY|O_CLOEXEC|O_NOCTTY plus what flags ask for. */
int read_file_at(int dfd, const char *path, size_t cap, unsigned flags, char **out, size_t *len);
/* The rest of fd, already open (flags: READ_TRUNCATE only; st_size of fd sizes the buffer). */
int read_fd(int fd, size_t cap, unsigned flags, char **out, size_t *len);
/* read_file_at(AT_FDCWD, path, cap, READ_TRUNCATE): the text, or NULL with errno. */
char *read_file(const char *path, size_t cap);
/* mkdir -p with mode for created components; existing directories are fine. */
int mkdir_p(const char *path, mode_t mode);
/* Remove a tree without following symlinks; directories with mode 000 are chmod'ed first. */
int remove_tree(const char *path);
bool path_exists(const char *path);
bool is_dir(const char *path);

#endif
