/* state.h: drop's own state as sandboxes must never reach it: the paths to protect, the record of read-write sources. */
#ifndef DROP_STATE_H
#define DROP_STATE_H

#include "log.h"
#include "paths.h"
#include "util.h"

/* DATA_DIR/rw-sources: one physical path a line, every source drop has mounted read-write. */
#define STATE_RW_RECORD "rw-sources"
#define STATE_RW_RECORD_MAX (1024 * 1024)

/*
 * The trees any drop sandbox can write: DATA_DIR (every environment's home,
 * /tmp and /var) and every source recorded in DATA_DIR/rw-sources, as
 * physical paths, and rw_now (this run's read-write sources) as given; their
 * physical paths are recorded first. Appended to trees.
 */
int state_writable_trees(const struct drop_paths *p, char *const *rw_now, struct strv *trees,
			 struct drop_err *err);

/* Record one more physical path a sandbox will write (a worktree's git directory) unless known lists it. */
int state_record_rw(const struct drop_paths *p, const char *real, char *const *known, struct drop_err *err);

/*
 * drop's own state, each path both as drop uses it and resolved: read-only
 * (CONFIG_DIR, SYSCONF_DIR, DATA_DIR, and every config file read, includes
 * too, wherever it lies) and hidden (DATA_DIR/run).
 */
int state_protected(const struct drop_paths *p, char *const *config_files, struct strv *readonly,
		    struct strv *hidden, struct drop_err *err);

#endif
