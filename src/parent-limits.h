/* parent-limits.h: memory/pids/cpus limits (SPEC 6): choosing cgroup v2 or rlimits, and applying them. */
#ifndef DROP_PARENT_LIMITS_H
#define DROP_PARENT_LIMITS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "log.h"

enum limit_mech {
	MECH_NONE = 0,     /* the limit is not set */
	MECH_CGROUP2,      /* a child cgroup of a delegated cgroup v2 subtree */
	MECH_RLIMIT,       /* RLIMIT_AS (memory) or RLIMIT_NPROC (pids) */
	MECH_UNENFORCED,   /* set, but nothing can enforce it; allowed only under best effort */
};

/*
 * The plan for one run, and the instance cgroup once made. Owns cgroup_base,
 * cgroup_dir and cgroup_fd; release with limits_free (after
 * limits_cgroup_destroy). limits_init makes an empty one.
 */
struct limits {
	uint64_t memory;             /* bytes, 0 = unset */
	uint64_t pids;               /* 0 = unset */
	uint64_t cpus_milli;         /* 0 = unset */
	enum limit_mech memory_mech, pids_mech, cpus_mech;
	char *cgroup_base;           /* the v2 directory the instance cgroup goes under; NULL unless cgroup2 */
	char *cgroup_dir;            /* the instance cgroup, once created */
	int cgroup_fd;               /* O_RDONLY|O_DIRECTORY fd of cgroup_dir (for CLONE_INTO_CGROUP), or -1 */
	const char *unenforced[4];   /* names of limits skipped under best effort, NULL-terminated */
};

/*
 * Decide how each limit of s is enforced. cgroup2 when the v2 cgroup drop runs
 * in (from /proc/self/cgroup), or its parent, is delegated to uid (the
 * directory, cgroup.procs and cgroup.subtree_control owned by uid and
 * writable) and its cgroup.subtree_control enables every controller the set
 * limits need (memory, pids, cpu); otherwise RLIMIT_AS for memory and
 * RLIMIT_NPROC for pids, except that RLIMIT_NPROC does not bind host uid 0.
 * A limit nothing can enforce (cpus without cgroup2; pids as root without
 * cgroup2) fails with a message saying what to do, unless best_effort, which
 * records it in out->unenforced instead.
 */
int limits_plan(const struct drop_settings *s, bool best_effort, uid_t uid, struct limits *out,
		struct drop_err *err);
/* Same, with the cgroup v2 mount point (NULL: none) and the text of /proc/self/cgroup given (tests). */
int limits_plan_at(const struct drop_settings *s, bool best_effort, uid_t uid, const char *cgroup_root,
		   const char *self_cgroup, struct limits *out, struct drop_err *err);

/* "cgroup2", "rlimit" or "none": what enforces the limits in force (for -v and the report). */
const char *limits_mechanism(const struct limits *l);
/* One line for -v: "limits: memory 64M via rlimit (RLIMIT_AS), pids 20 via rlimit (RLIMIT_NPROC)". */
void limits_describe(const struct limits *l, char *buf, size_t len);

/*
 * With a cgroup2 plan: make BASE/drop-INSTANCE, write memory.max (and
 * memory.swap.max = 0, where swap is accounted), pids.max and cpu.max, and
 * open cgroup_fd. When pid > 0 the process is also moved in (cgroup.procs).
 * Does nothing without a cgroup2 plan. On failure nothing is left behind.
 */
int limits_cgroup_create(struct limits *l, const char *instance_name, pid_t pid, struct drop_err *err);
/* The file writes of limits_cgroup_create on an existing cgroup directory (tests use a fake one). */
int limits_cgroup_configure(int dirfd, const struct limits *l, struct drop_err *err);
/* memory.peak of the instance cgroup; -1 without a cgroup or on kernels without memory.peak. */
int limits_cgroup_peak(const struct limits *l, uint64_t *bytes);
/* True when the OOM killer killed something in the instance cgroup (memory.events oom_kill > 0). */
bool limits_cgroup_oom(const struct limits *l);
/* Kill what is left in the cgroup (cgroup.kill), then remove it. Safe without a cgroup. */
void limits_cgroup_destroy(struct limits *l);
/* An empty plan: nothing set, no cgroup, cgroup_fd -1. */
void limits_init(struct limits *l);
/* limits_cgroup_destroy, then free the paths, leaving l as limits_init does. NULL-safe. */
void limits_free(struct limits *l);

/*
 * The rlimits to set in the program's process before exec (0 = leave alone),
 * and setting them. They are inherited, and RLIMIT_NPROC counts the tasks of
 * the uid inside the sandbox's user namespace, so it caps the sandbox alone.
 */
void limits_rlimit_values(const struct limits *l, uint64_t *as_bytes, uint64_t *nproc);
int rlimits_apply(uint64_t as_bytes, uint64_t nproc, struct drop_err *err);
int limits_apply_rlimits(const struct limits *l, struct drop_err *err);

#endif
