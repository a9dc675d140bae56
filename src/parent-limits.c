/* parent-limits.c: memory/pids/cpus limits (SPEC 6): choosing cgroup v2 or rlimits, and applying them. */
#include "parent-limits.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "sys.h"
#include "util.h"

#define CGROUP_FILE_MAX 4096

/* ---- small file helpers (cgroupfs files are tiny and must already exist) ---- */

/* The text of dir/name, cut at CGROUP_FILE_MAX bytes: malloc'd, or NULL. */
static char *read_small(const char *dir, const char *name)
{
	autoclose int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char *text = NULL;

	if (dfd >= 0)
		read_file_at(dfd, name, CGROUP_FILE_MAX, READ_NOFOLLOW | READ_TRUNCATE, &text, NULL);
	return text;
}

/* No O_CREAT: a cgroup file that does not exist means the kernel lacks the feature. */
static int write_small_at(int dfd, const char *name, const char *text)
{
	autoclose int fd = openat(dfd, name, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW);

	return fd < 0 ? -1 : sys_write_all(fd, text, strlen(text));
}

static bool word_in(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; (p = strstr(p, word)); p += n) {
		bool starts = p == list || p[-1] == ' ' || p[-1] == '\n' || p[-1] == '\t';
		bool ends = p[n] == '\0' || p[n] == ' ' || p[n] == '\n' || p[n] == '\t';
		if (starts && ends)
			return true;
	}
	return false;
}

/* ---- finding a delegated cgroup ---- */

/* The cgroup v2 path of "0::PATH" in /proc/self/cgroup text, malloc'd; NULL when there is none. */
static char *unified_path(const char *self_cgroup)
{
	const char *line = self_cgroup;

	while (line && *line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		if (len > 3 && !strncmp(line, "0::/", 4))
			return strndup(line + 3, len - 3);
		line = end ? end + 1 : NULL;
	}
	return NULL;
}

/* Delegation is a chown of the directory and its cgroup.procs/subtree_control to the user. */
static bool owned_and_writable(int dfd, const char *name, uid_t uid)
{
	struct stat st;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_uid != uid)
		return false;
	return faccessat(dfd, name, W_OK, AT_EACCESS) == 0;
}

static bool is_delegated(const char *dir, uid_t uid)
{
	autoclose int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	return dfd >= 0 && owned_and_writable(dfd, ".", uid) && owned_and_writable(dfd, "cgroup.procs", uid) &&
	       owned_and_writable(dfd, "cgroup.subtree_control", uid);
}

struct needs {
	bool memory, pids, cpu;
};

static bool has_controllers(const char *dir, const struct needs *n)
{
	autofree char *buf = read_small(dir, "cgroup.subtree_control");

	if (!buf)
		return false;
	return (!n->memory || word_in(buf, "memory")) && (!n->pids || word_in(buf, "pids")) &&
	       (!n->cpu || word_in(buf, "cpu"));
}

/*
 * Our own cgroup holds drop itself, and a non-root cgroup with processes cannot
 * enable controllers for children, so the usual base is its parent (a systemd
 * scope's slice); our own is used when it can (the root cgroup).
 */
static char *find_cgroup_base(const char *root, const char *self_cgroup, uid_t uid, const struct needs *n)
{
	autofree char *rel = root && self_cgroup ? unified_path(self_cgroup) : NULL;
	autofree char *own = NULL;
	char *slash;

	if (!rel || !(own = strcmp(rel, "/") ? path_join(root, rel + 1) : strdup(root)))
		return NULL;
	for (int up = 0; up < 2; up++) {
		if (is_delegated(own, uid) && has_controllers(own, n))
			return steal_ptr(&own);
		if (path_is_under(root, own))
			break;
		slash = strrchr(own, '/');
		if (!slash || slash == own)
			break;
		*slash = '\0';
	}
	return NULL;
}

/* ---- the plan ---- */

static void mark_unenforced(struct limits *l, const char *name)
{
	size_t i = 0;

	while (l->unenforced[i])
		i++;
	if (i + 1 < sizeof(l->unenforced) / sizeof(l->unenforced[0]))
		l->unenforced[i] = name;
}

static int no_mechanism(struct limits *l, enum limit_mech *mech, const char *name, bool best_effort,
			struct drop_err *err, const char *fmt, const char *value)
{
	if (best_effort) {
		*mech = MECH_UNENFORCED;
		mark_unenforced(l, name);
		return 0;
	}
	return err_set(err, DROP_ESETUP, fmt, value);
}

static int plan_fallbacks(struct limits *l, bool best_effort, uid_t uid, struct drop_err *err)
{
	char value[32];

	if (l->memory)
		l->memory_mech = MECH_RLIMIT;
	if (l->pids && uid != 0)
		l->pids_mech = MECH_RLIMIT;
	if (l->pids && uid == 0) {
		snprintf(value, sizeof(value), "%" PRIu64, l->pids);
		if (no_mechanism(l, &l->pids_mech, "pids", best_effort, err,
				 "cannot enforce pids = %s: there is no delegated cgroup v2 subtree with the pids "
				 "controller, and RLIMIT_NPROC does not bind uid 0; run drop as a regular user or in a "
				 "systemd session with a delegated cgroup, or pass --best-effort-limits", value) < 0)
			return -1;
	}
	if (l->cpus_milli) {
		snprintf(value, sizeof(value), "%" PRIu64 ".%03" PRIu64, l->cpus_milli / 1000, l->cpus_milli % 1000);
		if (no_mechanism(l, &l->cpus_mech, "cpus", best_effort, err,
				 "cannot enforce cpus = %s: it needs a delegated cgroup v2 subtree with the cpu controller "
				 "and there is none (there is no rlimit for it); run drop in a systemd user session "
				 "(e.g. systemd-run --user --scope drop ...), see 'drop doctor', or pass "
				 "--best-effort-limits", value) < 0)
			return -1;
	}
	return 0;
}

int limits_plan_at(const struct drop_settings *s, bool best_effort, uid_t uid, const char *cgroup_root,
		   const char *self_cgroup, struct limits *out, struct drop_err *err)
{
	struct needs n = { .memory = s->memory > 0, .pids = s->pids > 0, .cpu = s->cpus_milli > 0 };

	limits_init(out);
	out->memory = s->memory;
	out->pids = s->pids;
	out->cpus_milli = s->cpus_milli;
	if (!n.memory && !n.pids && !n.cpu)
		return 0;
	out->cgroup_base = find_cgroup_base(cgroup_root, self_cgroup, uid, &n);
	if (out->cgroup_base) {
		out->memory_mech = n.memory ? MECH_CGROUP2 : MECH_NONE;
		out->pids_mech = n.pids ? MECH_CGROUP2 : MECH_NONE;
		out->cpus_mech = n.cpu ? MECH_CGROUP2 : MECH_NONE;
		return 0;
	}
	return plan_fallbacks(out, best_effort, uid, err);
}

static bool is_cgroup2(const char *path)
{
	struct statfs sf;

	return statfs(path, &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC;
}

int limits_plan(const struct drop_settings *s, bool best_effort, uid_t uid, struct limits *out,
		struct drop_err *err)
{
	autofree char *self = read_small("/proc/self", "cgroup");
	/* Pure v2 mounts it at /sys/fs/cgroup; the hybrid layout at /sys/fs/cgroup/unified. */
	const char *root = is_cgroup2("/sys/fs/cgroup") ? "/sys/fs/cgroup"
			   : is_cgroup2("/sys/fs/cgroup/unified") ? "/sys/fs/cgroup/unified" : NULL;

	return limits_plan_at(s, best_effort, uid, root, self ? self : "", out, err);
}

const char *limits_mechanism(const struct limits *l)
{
	if (l->memory_mech == MECH_CGROUP2 || l->pids_mech == MECH_CGROUP2 || l->cpus_mech == MECH_CGROUP2)
		return "cgroup2";
	if (l->memory_mech == MECH_RLIMIT || l->pids_mech == MECH_RLIMIT)
		return "rlimit";
	return "none";
}

static const char *mech_name(enum limit_mech m, const char *rlimit)
{
	switch (m) {
	case MECH_CGROUP2:
		return "cgroup2";
	case MECH_RLIMIT:
		return rlimit;
	case MECH_UNENFORCED:
		return "nothing (best effort)";
	case MECH_NONE:
	default:
		return "";
	}
}

void limits_describe(const struct limits *l, char *buf, size_t len)
{
	size_t used = (size_t)snprintf(buf, len, "limits:");

	if (l->memory && used < len)
		used += (size_t)snprintf(buf + used, len - used, " memory %" PRIu64 " bytes via %s;", l->memory,
					 mech_name(l->memory_mech, "rlimit (RLIMIT_AS, per process)"));
	if (l->pids && used < len)
		used += (size_t)snprintf(buf + used, len - used, " pids %" PRIu64 " via %s;", l->pids,
					 mech_name(l->pids_mech, "rlimit (RLIMIT_NPROC)"));
	if (l->cpus_milli && used < len)
		used += (size_t)snprintf(buf + used, len - used, " cpus %" PRIu64 ".%03" PRIu64 " via %s;",
					 l->cpus_milli / 1000, l->cpus_milli % 1000, mech_name(l->cpus_mech, ""));
	if (used < len && buf[used - 1] == ';')
		buf[used - 1] = '\0';
	else if (used < len && !strcmp(buf, "limits:"))
		snprintf(buf, len, "limits: none");
}

/* ---- the instance cgroup ---- */

int limits_cgroup_configure(int dirfd, const struct limits *l, struct drop_err *err)
{
	char v[64];

	if (l->memory_mech == MECH_CGROUP2) {
		snprintf(v, sizeof(v), "%" PRIu64 "\n", l->memory);
		if (write_small_at(dirfd, "memory.max", v) < 0)
			return err_sys(err, DROP_ESETUP, "cannot set the cgroup's memory.max");
		/* Without swap accounting the file is absent, and swap cannot leak past memory.max anyway. */
		if (write_small_at(dirfd, "memory.swap.max", "0\n") < 0 && errno != ENOENT)
			return err_sys(err, DROP_ESETUP, "cannot set the cgroup's memory.swap.max");
	}
	if (l->pids_mech == MECH_CGROUP2) {
		snprintf(v, sizeof(v), "%" PRIu64 "\n", l->pids);
		if (write_small_at(dirfd, "pids.max", v) < 0)
			return err_sys(err, DROP_ESETUP, "cannot set the cgroup's pids.max");
	}
	if (l->cpus_mech == MECH_CGROUP2) {
		/* cpus_milli thousandths of a CPU per 100000 us period. */
		snprintf(v, sizeof(v), "%" PRIu64 " 100000\n", l->cpus_milli * 100);
		if (write_small_at(dirfd, "cpu.max", v) < 0)
			return err_sys(err, DROP_ESETUP, "cannot set the cgroup's cpu.max");
	}
	return 0;
}

static int move_pid(int dirfd, pid_t pid, struct drop_err *err)
{
	char v[32];

	snprintf(v, sizeof(v), "%d\n", (int)pid);
	if (write_small_at(dirfd, "cgroup.procs", v) < 0)
		return err_sys(err, DROP_ESETUP, "cannot move the sandbox into its cgroup");
	return 0;
}

int limits_cgroup_create(struct limits *l, const char *instance_name, pid_t pid, struct drop_err *err)
{
	autofree char *leaf = NULL;

	if (!l->cgroup_base)
		return 0;
	if (asprintf(&leaf, "drop-%s", instance_name) < 0 || !(l->cgroup_dir = path_join(l->cgroup_base, leaf)))
		return err_sys(err, DROP_ESETUP, "out of memory");
	if (mkdir(l->cgroup_dir, 0755) < 0) {
		err_sys(err, DROP_ESETUP, "cannot create cgroup %s", l->cgroup_dir);
		free(steal_ptr(&l->cgroup_dir));
		return -1;
	}
	l->cgroup_fd = open(l->cgroup_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (l->cgroup_fd < 0)
		err_sys(err, DROP_ESETUP, "cannot open cgroup %s", l->cgroup_dir);
	if (l->cgroup_fd < 0 || limits_cgroup_configure(l->cgroup_fd, l, err) < 0 ||
	    (pid > 0 && move_pid(l->cgroup_fd, pid, err) < 0)) {
		limits_cgroup_destroy(l);
		return -1;
	}
	return 0;
}

int limits_cgroup_peak(const struct limits *l, uint64_t *bytes)
{
	autofree char *buf = l->cgroup_dir ? read_small(l->cgroup_dir, "memory.peak") : NULL;
	char *end;

	if (!buf)
		return -1;
	errno = 0;
	*bytes = strtoull(buf, &end, 10);
	return errno || end == buf ? -1 : 0;
}

bool limits_cgroup_oom(const struct limits *l)
{
	autofree char *buf = l->cgroup_dir ? read_small(l->cgroup_dir, "memory.events") : NULL;
	const char *p;

	if (!buf)
		return false;
	for (p = buf; (p = strstr(p, "oom_kill ")); p++)
		if (p == buf || p[-1] == '\n')
			return strtoull(p + strlen("oom_kill "), NULL, 10) > 0;
	return false;
}

void limits_cgroup_destroy(struct limits *l)
{
	struct timespec pause = { 0, 10 * 1000 * 1000 };

	if (l->cgroup_fd >= 0) {
		/* cgroup.kill (5.14+) takes stragglers with it; the pid namespace's end does the same later. */
		write_small_at(l->cgroup_fd, "cgroup.kill", "1\n");
		close(l->cgroup_fd);
		l->cgroup_fd = -1;
	}
	if (!l->cgroup_dir)
		return;
	/* rmdir fails with EBUSY until the last task has been fully released. */
	for (int tries = 0; tries < 100 && rmdir(l->cgroup_dir) < 0 && errno == EBUSY; tries++)
		nanosleep(&pause, NULL);
	free(steal_ptr(&l->cgroup_dir));
}

void limits_init(struct limits *l)
{
	*l = (struct limits){ .cgroup_fd = -1 };
}

void limits_free(struct limits *l)
{
	if (!l)
		return;
	limits_cgroup_destroy(l);
	free(l->cgroup_base);
	limits_init(l);
}

/* ---- rlimits ---- */

void limits_rlimit_values(const struct limits *l, uint64_t *as_bytes, uint64_t *nproc)
{
	*as_bytes = l->memory_mech == MECH_RLIMIT ? l->memory : 0;
	*nproc = l->pids_mech == MECH_RLIMIT ? l->pids : 0;
}

/* A tighter limit the user already has stays: raising a hard limit needs privilege anyway. */

int rlimits_apply(uint64_t as_bytes, uint64_t nproc, struct drop_err *err)
{
	if (as_bytes && sys_lower_rlimit(RLIMIT_AS, as_bytes) < 0)
		return err_sys(err, DROP_ESETUP, "cannot set RLIMIT_AS for the memory limit");
	if (nproc && sys_lower_rlimit(RLIMIT_NPROC, nproc) < 0)
		return err_sys(err, DROP_ESETUP, "cannot set RLIMIT_NPROC for the pids limit");
	return 0;
}

int limits_apply_rlimits(const struct limits *l, struct drop_err *err)
{
	uint64_t as_bytes, nproc;

	limits_rlimit_values(l, &as_bytes, &nproc);
	return rlimits_apply(as_bytes, nproc, err);
}
