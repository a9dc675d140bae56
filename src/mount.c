/* mount.c: the mount mechanism: symlink-free target and source resolution, detached trees, attach, attributes. */
#include "mount.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "sys.h"
#include "util.h"

/* Open one component below dir without following a symlink or leaving dir. */
static int open_component(int dir, const char *name, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(O_PATH | O_CLOEXEC | O_NOFOLLOW | flags),
		.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_BENEATH,
	};

	return sys_openat2(dir, name, &how);
}

static enum target_result classify(const struct stat *st, bool last, enum target_kind kind)
{
	if (S_ISLNK(st->st_mode))
		return last ? TARGET_IS_SYMLINK : TARGET_SYMLINK_IN_PATH;
	if (!last)
		return S_ISDIR(st->st_mode) ? TARGET_OK : TARGET_NOT_DIR_IN_PATH;
	if (kind == TARGET_DIR && !S_ISDIR(st->st_mode))
		return TARGET_IS_FILE;
	if (kind == TARGET_FILE && S_ISDIR(st->st_mode))
		return TARGET_IS_DIR;
	return TARGET_OK;
}

static enum target_result classify_name(int dir, const char *name, bool last, enum target_kind kind)
{
	struct stat st;

	if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return TARGET_ERROR;
	return classify(&st, last, kind);
}

static int create_entry(int dir, const char *name, bool as_dir)
{
	int fd;

	if (as_dir)
		return mkdirat(dir, name, 0755) < 0 && errno != EEXIST ? -1 : 0;
	fd = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return errno == EEXIST ? 0 : -1;
	close(fd);
	return 0;
}

/* Step from dir into name; *next is the new O_PATH fd. */
static enum target_result step(int dir, const char *name, bool last, enum target_kind kind, bool create,
			       int *next)
{
	bool want_dir = !last || kind == TARGET_DIR;
	enum target_result r;

	/* No O_DIRECTORY here: a wrong type must be reported, not turned into ENOTDIR.
	 * A trailing symlink comes back as an fd of the link itself (O_NOFOLLOW). */
	*next = open_component(dir, name, 0);
	if (*next >= 0) {
		struct stat st;

		r = fstat(*next, &st) < 0 ? TARGET_ERROR : classify(&st, last, kind);
		if (r != TARGET_OK) {
			close(*next);
			*next = -1;
		}
		return r;
	}
	if (errno == ENOENT && create) {
		if (create_entry(dir, name, want_dir) < 0)
			return TARGET_ERROR;
		*next = open_component(dir, name, 0);
		return *next >= 0 ? TARGET_OK : TARGET_ERROR;
	}
	if (errno == ENOENT)
		return TARGET_MISSING;
	if (errno == ELOOP || errno == ENOTDIR || errno == EXDEV) {
		r = classify_name(dir, name, last, kind);
		return r == TARGET_OK ? TARGET_ERROR : r;
	}
	return TARGET_ERROR;
}

/*
 * The usual case, a target that exists, in one openat2 with the same
 * restrictions as the walk below: every component but the last is then a
 * real directory, and the last one is classified like step() does.
 * Anything else (missing, a symlink on the way) takes the walk, which creates
 * and explains.
 */
static bool open_existing(int root_fd, const char *path, enum target_kind kind, int *fd, enum target_result *r)
{
	struct stat st;
	int f;

	while (*path == '/')
		path++;
	if (!*path)
		return false;
	f = open_component(root_fd, path, 0);
	if (f < 0)
		return false;
	*r = fstat(f, &st) < 0 ? TARGET_ERROR : classify(&st, true, kind);
	if (*r == TARGET_OK)
		*fd = f;
	else
		close(f);
	return true;
}

enum target_result mnt_target(int root_fd, const char *path, enum target_kind kind, bool create, int *fd)
{
	autofree char *copy = NULL;
	autoclose int dir = -1;
	char *save = NULL;
	char *name, *next;
	enum target_result r;

	*fd = -1;
	if (open_existing(root_fd, path, kind, fd, &r))
		return r;
	copy = strdup(path);
	if (!copy)
		return TARGET_ERROR;
	dir = fcntl(root_fd, F_DUPFD_CLOEXEC, 3);
	if (dir < 0)
		return TARGET_ERROR;
	name = strtok_r(copy, "/", &save);
	if (!name) {
		*fd = steal_fd(&dir);
		return kind == TARGET_DIR ? TARGET_OK : TARGET_IS_DIR;
	}
	for (; name; name = next) {
		int child = -1;

		next = strtok_r(NULL, "/", &save);
		r = step(dir, name, next == NULL, kind, create, &child);
		if (r != TARGET_OK)
			return r;
		close(dir);
		dir = child;
	}
	*fd = steal_fd(&dir);
	return TARGET_OK;
}

const char *mnt_target_strerror(enum target_result r)
{
	switch (r) {
	case TARGET_OK:
		return "ok";
	case TARGET_MISSING:
		return "target does not exist";
	case TARGET_SYMLINK_IN_PATH:
		return "target path contains a symbolic link";
	case TARGET_IS_SYMLINK:
		return "target already exists but is a symbolic link";
	case TARGET_IS_FILE:
		return "target already exists but is a file not a directory";
	case TARGET_IS_DIR:
		return "target already exists but is a directory not a file";
	case TARGET_NOT_DIR_IN_PATH:
		return "target path contains a file where a directory is needed";
	case TARGET_ERROR:
	default:
		return strerror(errno);
	}
}

int mnt_clone_tree(int dfd, const char *path)
{
	return sys_open_tree(dfd, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE |
				       (path[0] ? 0 : AT_EMPTY_PATH));
}

static int configure_fs(int fsfd, const char *const *opts)
{
	for (size_t i = 0; opts && opts[i] && opts[i + 1]; i += 2) {
		int rc = opts[i + 1][0]
			? sys_fsconfig(fsfd, FSCONFIG_SET_STRING, opts[i], opts[i + 1], 0)
			: sys_fsconfig(fsfd, FSCONFIG_SET_FLAG, opts[i], NULL, 0);
		if (rc < 0)
			return -1;
	}
	return sys_fsconfig(fsfd, FSCONFIG_CMD_CREATE, NULL, NULL, 0);
}

int mnt_new_fs(const char *type, const char *const *opts, unsigned attr, struct drop_err *err)
{
	autoclose int fsfd = sys_fsopen(type, FSOPEN_CLOEXEC);
	int mfd;

	if (fsfd < 0)
		return err_sys(err, DROP_ESETUP, "cannot create a %s filesystem", type);
	if (configure_fs(fsfd, opts) < 0)
		return err_sys(err, DROP_ESETUP, "cannot configure a %s filesystem", type);
	mfd = sys_fsmount(fsfd, FSMOUNT_CLOEXEC, attr);
	if (mfd < 0)
		return err_sys(err, DROP_ESETUP, "cannot mount a %s filesystem", type);
	return mfd;
}

int mnt_attach(int tree_fd, int target_fd)
{
	return sys_move_mount(tree_fd, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
}

int mnt_set_attr(int fd, unsigned attr, bool recursive)
{
	struct mount_attr ma = { .attr_set = attr };

	return sys_mount_setattr(fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &ma);
}


struct source_walk {
	int dir;            /* O_PATH fd of the directory reached so far */
	char cur[PATH_MAX]; /* its physical path (no symlink in it) */
	char *todo;         /* owned: the components still to walk */
	unsigned links;
};

/* The parent of w->dir, also in w->cur. */
static int walk_up(struct source_walk *w)
{
	int next = openat(w->dir, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
	char *slash = strrchr(w->cur, '/');

	if (next < 0)
		return -1;
	close(w->dir);
	w->dir = next;
	if (slash == w->cur)
		w->cur[1] = '\0';
	else if (slash)
		*slash = '\0';
	return 0;
}

/* Continue with the link's target followed by rest; an absolute target restarts at /. */
static int walk_follow(struct source_walk *w, int link_fd, const char *rest)
{
	char target[PATH_MAX];
	ssize_t n = readlinkat(link_fd, "", target, sizeof(target) - 1);
	char *todo = NULL;

	if (++w->links > 40) {
		errno = ELOOP;
		return -1;
	}
	if (n <= 0) {
		if (n == 0)
			errno = ENOENT;
		return -1;
	}
	target[n] = '\0';
	if (asprintf(&todo, "%s/%s", target, rest) < 0)
		return -1;
	free(w->todo);
	w->todo = todo;
	if (target[0] != '/')
		return 0;
	close(w->dir);
	w->dir = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	strcpy(w->cur, "/");
	return w->dir < 0 ? -1 : 0;
}

/* Descend into the directory fd next, whose name below w->cur is name. */
static int walk_down(struct source_walk *w, int next, const char *name)
{
	size_t len = strlen(w->cur);

	if (len + 1 + strlen(name) >= sizeof(w->cur)) {
		close(next);
		errno = ENAMETOOLONG;
		return -1;
	}
	snprintf(w->cur + len, sizeof(w->cur) - len, "%s%s", len > 1 ? "/" : "", name);
	close(w->dir);
	w->dir = next;
	return 0;
}

enum source_result mnt_source(const char *path, char *const *writable, int *fd, char **real)
{
	struct source_walk w = { .dir = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC), .cur = "/" };
	enum source_result r = SOURCE_ERROR;

	*fd = -1;
	*real = NULL;
	w.todo = strdup(path);
	if (w.dir < 0 || !w.todo)
		goto out;
	for (;;) {
		char *name = w.todo, *end, *rest;
		struct stat st;
		int next;

		while (*name == '/')
			name++;
		if (!*name)
			break;
		end = strchrnul(name, '/');
		rest = *end ? end + 1 : end;
		*end = '\0';
		if (!strcmp(name, "."))
			;
		else if (!strcmp(name, "..")) {
			/* Inside a writable tree the path text could go stale under a rename: no way up. */
			if (path_is_under_any(w.cur, writable, false)) {
				*real = strdup(w.cur);
				r = *real ? SOURCE_PLANTED_LINK : SOURCE_ERROR;
				goto out;
			}
			if (walk_up(&w) < 0)
				goto out;
		} else if ((next = open_component(w.dir, name, 0)) < 0) {
			r = errno == ENOENT ? SOURCE_MISSING : SOURCE_ERROR;
			goto out;
		} else if (fstat(next, &st) < 0) {
			close(next);
			goto out;
		} else if (S_ISLNK(st.st_mode)) {
			autoclose int link = next;
			autofree char *where = path_join(w.cur, name);

			if (where && path_is_under_any(where, writable, true)) {
				*real = steal_ptr(&where);
				r = SOURCE_PLANTED_LINK;
				goto out;
			}
			if (!where || walk_follow(&w, link, rest) < 0)
				goto out;
			continue; /* w.todo was replaced */
		} else if (*rest && !S_ISDIR(st.st_mode)) {
			close(next);
			errno = ENOTDIR;
			goto out;
		} else if (walk_down(&w, next, name) < 0)
			goto out;
		memmove(w.todo, rest, strlen(rest) + 1);
	}
	*real = strdup(w.cur);
	if (!*real)
		goto out;
	*fd = w.dir;
	w.dir = -1;
	r = SOURCE_OK;
out:
	if (w.dir >= 0)
		close(w.dir);
	free(w.todo);
	return r;
}
