/* instance.h: running instances under DATA_DIR/run/ID-NNNN: lock held for the run's lifetime, info, stale cleanup. */
#ifndef DROP_INSTANCE_H
#define DROP_INSTANCE_H

#include <stdbool.h>
#include <sys/types.h>

#include "log.h"
#include "paths.h"

struct instance {
	char *name;      /* ID-NNNN */
	char *dir;       /* DATA_DIR/run/ID-NNNN */
	int lock_fd;     /* flock(LOCK_EX) held while the run lives */
	bool created;    /* dir exists and is ours to remove, dir_fd is open */
	int dir_fd;      /* O_PATH of dir */
};

/* Name a new instance of env id (nothing on disk yet). */
int instance_name(const struct drop_paths *p, const char *id, struct instance *inst, struct drop_err *err);
/* Create and lock the named instance's directory. */
int instance_open(struct instance *inst, struct drop_err *err);
/*
 * Record the sandbox's pid 1 (host pid), its user namespace (inode), the
 * filtered network's proxy port (0: none) and the command, for ps and enter.
 */
int instance_write_info(const struct instance *inst, pid_t pid, unsigned long userns, unsigned proxy_port,
			char *const argv[]);
/* An empty instance: no name, no directory, lock_fd and dir_fd -1. */
void instance_init(struct instance *inst);
/* Remove the directory and drop the lock, leaving inst as instance_init does. NULL-safe. */
void instance_destroy(struct instance *inst);

bool instance_env_running(const struct drop_paths *p, const char *id);
/* Remove instance directories whose lock is free, killing a recorded pasta that is still ours. */
void instance_clean_stale(const struct drop_paths *p);

/* A running instance as drop ps shows it; fields of an info file not written yet stay 0/NULL. */
struct instance_info {
	char *name;       /* ID-NNNN, owned */
	char *env;        /* ID, owned */
	pid_t pid;        /* host pid of the sandbox's pid 1, 0 if unknown */
	unsigned long userns; /* inode of its user namespace, 0 if unknown */
	long long started;/* seconds since the epoch, 0 if unknown */
	unsigned proxy_port; /* the filtered network's proxy inside, 0 if none */
	char *command;    /* owned, NULL if unknown */
};

/* The running instances (lock held), sorted by name; *out is owned by the caller. */
int instance_list(const struct drop_paths *p, struct instance_info **out, size_t *n, struct drop_err *err);
void instance_info_free(struct instance_info *v, size_t n);

#endif
