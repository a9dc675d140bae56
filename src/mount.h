/* mount.h: the mount mechanism: symlink-free target and source resolution, detached trees, attach, attributes. */
#ifndef DROP_MOUNT_H
#define DROP_MOUNT_H

#include <stdbool.h>

#include "log.h"

enum target_kind { TARGET_DIR, TARGET_FILE };

/* Why a target could not be used; the child turns these into SPEC 5's skip messages. */
enum target_result {
	TARGET_OK = 0,
	TARGET_MISSING,            /* only when create == false */
	TARGET_SYMLINK_IN_PATH,    /* a component of the path is a symbolic link */
	TARGET_IS_SYMLINK,         /* the final component is a symbolic link */
	TARGET_IS_FILE,            /* wanted a directory */
	TARGET_IS_DIR,             /* wanted a file */
	TARGET_NOT_DIR_IN_PATH,    /* a component of the path is not a directory */
	TARGET_ERROR,              /* errno set */
};

/*
 * Resolve an absolute path inside the tree rooted at root_fd, never following
 * a symlink (so a link planted in the persistent home cannot redirect a mount),
 * optionally creating missing directories and the final entry. *fd is an
 * O_PATH fd of the target.
 */
enum target_result mnt_target(int root_fd, const char *path, enum target_kind kind, bool create,
			      int *fd);
const char *mnt_target_strerror(enum target_result r);

/* Why a mount source could not be used (SPEC 5, mount sources). */
enum source_result {
	SOURCE_OK = 0,
	SOURCE_MISSING,       /* a component does not exist */
	SOURCE_PLANTED_LINK,  /* a symlink inside a tree a sandbox can write */
	SOURCE_ERROR,         /* errno set */
};

/*
 * Resolve a host path component by component. A symlink is followed only when
 * it lies outside every tree in writable (strictly below one of them: what a
 * sandbox may have planted); otherwise SOURCE_PLANTED_LINK, with *real the
 * symlink's path. On SOURCE_OK, *fd is an O_PATH fd of the object and *real
 * its physical path (no symlink in it), both the caller's.
 */
enum source_result mnt_source(const char *path, char *const *writable, int *fd, char **real);

/* Detached recursive copy of the mount tree at host path (follows symlinks, as a host path should). */
int mnt_clone_tree(int dfd, const char *path);
/* A new detached filesystem; opts is NULL or "key", "value" pairs ended by NULL (value "": a flag). */
int mnt_new_fs(const char *type, const char *const *opts, unsigned attr, struct drop_err *err);
/* Attach a detached tree on an O_PATH target fd. */
int mnt_attach(int tree_fd, int target_fd);
/* Add MOUNT_ATTR_* flags to a mount (and its submounts when recursive). */
int mnt_set_attr(int fd, unsigned attr, bool recursive);

#endif
