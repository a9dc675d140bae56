/* child-fs.c: the sandbox's root filesystem (SPEC 5): planned as data, then assembled and pivoted into. */
#include "child-fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "config.h"
#include "mount.h"
#include "sys.h"
#include "util.h"

enum op_kind {
	OP_BIND,      /* host src -> dst */
	OP_FS,        /* new filesystem (tmpfs, proc, sysfs, devpts, overlay) at dst */
	OP_SYMLINK,   /* dst -> src */
	OP_DIR,       /* mkdir dst with mode */
	OP_REBIND,    /* bind dst's sandbox-side src (already assembled) onto dst */
	OP_BLOCK,     /* cover dst with an empty mode-000 entry, if it exists */
};

/* How a failure of one op is handled. */
#define OPF_OPTIONAL  0x1  /* missing source: skip silently */
#define OPF_REPORT    0x2  /* configured mount: skip with a "not mounting" line */
#define OPF_RECURSIVE 0x4  /* apply attributes to submounts too */
#define OPF_IN_NETNS  0x8  /* made when attached, inside the sandbox's network namespace (sysfs) */
#define OPF_ATTACHED  0x10 /* set once the bind is in place: real says what it shows */
#define OPF_GIT       0x20 /* a read-write mount whose top .git follows [fs] git */
#define OPF_GIT_SELF  0x40 /* a linked worktree's git directory, mounted for it: [fs] git applies to it */
#define OPF_ETC       0x80 /* the /etc overlay: a host /etc with locked submounts makes it a read-only bind */
#define OPF_ETC_ONLY_BIND 0x100 /* the run's resolv.conf, bound only when /etc had to be a bind */

struct fs_op {
	enum op_kind kind;
	char *src;          /* owned */
	char *dst;          /* owned */
	char *real;         /* owned: OP_BIND's resolved physical source */
	unsigned attr;      /* MOUNT_ATTR_* to add */
	unsigned flags;     /* OPF_* */
	mode_t mode;        /* OP_DIR */
	const char *fstype; /* OP_FS */
	char *fsopts[8];    /* OP_FS: key, value pairs, owned */
	int tree_fd;        /* prepared detached tree (OP_BIND, OP_FS) */
	enum target_kind tkind;
};

struct fs_plan {
	struct fs_op *ops;
	size_t n, cap;
};

struct fs_ctx {
	const struct drop_setup *setup;
	struct child_helper *helper;
	struct fs_plan plan;
	int root_fd;        /* the new root while it is assembled */
	int blocker_fd;     /* a read-only tmpfs holding the empty entries bound over blocks */
	bool etc_bind;      /* /etc is a bind of the host's, not the overlay (see prepare_etc) */
	char *run_real;     /* this run's instance directory, resolved (owned) */
};

#define RO_ATTRS (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV)

static const char *const system_dirs[] = { "/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64" };
static const char *const dev_nodes[] = { "null", "zero", "full", "random", "urandom", "tty" };
static const char *const always_blocked[] = {
	"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
	"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware",
};

static void op_free(struct fs_op *op)
{
	free(op->src);
	free(op->dst);
	free(op->real);
	for (size_t i = 0; i < sizeof(op->fsopts) / sizeof(op->fsopts[0]); i++)
		free(op->fsopts[i]);
	if (op->tree_fd >= 0)
		close(op->tree_fd);
}

static void plan_free(struct fs_plan *p)
{
	for (size_t i = 0; i < p->n; i++)
		op_free(&p->ops[i]);
	free(p->ops);
	memset(p, 0, sizeof(*p));
}

static struct fs_op *plan_add(struct fs_plan *p, enum op_kind kind, const char *src, const char *dst)
{
	struct fs_op *op;

	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		struct fs_op *ops = realloc(p->ops, cap * sizeof(*ops));
		if (!ops)
			return NULL;
		p->ops = ops;
		p->cap = cap;
	}
	op = &p->ops[p->n];
	memset(op, 0, sizeof(*op));
	op->kind = kind;
	op->tree_fd = -1;
	op->src = src ? strdup(src) : NULL;
	op->dst = strdup(dst);
	if ((src && !op->src) || !op->dst) {
		op_free(op);
		return NULL;
	}
	p->n++;
	return op;
}

static int plan_fs(struct fs_plan *p, const char *type, const char *dst, unsigned attr,
		   const char *const *opts)
{
	struct fs_op *op = plan_add(p, OP_FS, NULL, dst);

	if (!op)
		return -1;
	op->fstype = type;
	op->attr = attr;
	for (size_t i = 0; opts && opts[i] && i < 7; i++) /* fsopts[7] stays NULL */
		if (!(op->fsopts[i] = strdup(opts[i])))
			return -1;
	return 0;
}

static int plan_bind(struct fs_plan *p, const char *src, const char *dst, unsigned attr, unsigned flags)
{
	struct fs_op *op = plan_add(p, OP_BIND, src, dst);

	if (!op)
		return -1;
	op->attr = attr;
	op->flags = flags;
	return 0;
}

static int plan_simple(struct fs_plan *p, enum op_kind kind, const char *src, const char *dst, mode_t mode)
{
	struct fs_op *op = plan_add(p, kind, src, dst);

	if (!op)
		return -1;
	op->mode = mode;
	return 0;
}

/* usrmerge: where the host has a symlink, the sandbox gets the same symlink. */
static int plan_system_dirs(struct fs_plan *p)
{
	for (size_t i = 0; i < sizeof(system_dirs) / sizeof(system_dirs[0]); i++) {
		char link[PATH_MAX];
		struct stat st;
		ssize_t n;

		if (lstat(system_dirs[i], &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (plan_bind(p, system_dirs[i], system_dirs[i], RO_ATTRS, OPF_OPTIONAL | OPF_RECURSIVE) < 0)
				return -1;
			continue;
		}
		n = readlink(system_dirs[i], link, sizeof(link) - 1);
		if (!S_ISLNK(st.st_mode) || n <= 0)
			continue;
		link[n] = '\0';
		if (plan_simple(p, OP_SYMLINK, link, system_dirs[i], 0) < 0)
			return -1;
	}
	return 0;
}

/* overlayfs separates lower layers with ':' and treats '\' as an escape. */
static int append_layer(char *buf, size_t cap, size_t *len, const char *dir)
{
	if (*len && *len + 1 < cap)
		buf[(*len)++] = ':';
	for (const char *c = dir; *c; c++) {
		if ((*c == ':' || *c == '\\' || *c == ',') && *len + 1 < cap)
			buf[(*len)++] = '\\';
		if (*len + 1 >= cap)
			return -1;
		buf[(*len)++] = *c;
	}
	buf[*len] = '\0';
	return 0;
}

/* /etc: read-only overlay, per-run layer (resolv.conf) over the env's layer over the host's. */
static int plan_etc(struct fs_ctx *ctx)
{
	const struct drop_setup *s = ctx->setup;
	autofree char *env_etc = path_join(s->env_dir, "etc");
	autofree char *run_etc = path_join(s->run_dir, "etc");
	char layers[3 * PATH_MAX + 8] = "";
	size_t len = 0;

	if (!env_etc || !run_etc)
		return -1;
	if (s->net_mode == NET_ISOLATED && is_dir(run_etc) && append_layer(layers, sizeof(layers), &len, run_etc) < 0)
		return -1;
	if (append_layer(layers, sizeof(layers), &len, env_etc) < 0 ||
	    append_layer(layers, sizeof(layers), &len, "/etc") < 0)
		return -1;
	if (plan_fs(&ctx->plan, "overlay", "/etc", RO_ATTRS, (const char *const[]){ "lowerdir", layers, NULL }) < 0)
		return -1;
	ctx->plan.ops[ctx->plan.n - 1].flags |= OPF_ETC;
	if (s->net_mode == NET_ISOLATED) {
		autofree char *resolv = path_join(run_etc, "resolv.conf");

		if (!resolv || plan_bind(&ctx->plan, resolv, "/etc/resolv.conf", RO_ATTRS, OPF_ETC_ONLY_BIND) < 0)
			return -1;
	}
	return 0;
}

static int plan_env_dir(struct fs_ctx *ctx, const char *sub, const char *dst)
{
	autofree char *src = path_join(ctx->setup->env_dir, sub);

	if (!src)
		return -1;
	return plan_bind(&ctx->plan, src, dst, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, 0);
}

static int plan_run(struct fs_ctx *ctx)
{
	char user_dir[64];

	snprintf(user_dir, sizeof(user_dir), "/run/user/%u", ctx->setup->uid);
	if (plan_fs(&ctx->plan, "tmpfs", "/run", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV,
		    (const char *const[]){ "mode", "0755", NULL }) < 0)
		return -1;
	return plan_simple(&ctx->plan, OP_DIR, NULL, "/run/user", 0755) < 0 ||
	       plan_simple(&ctx->plan, OP_DIR, NULL, user_dir, 0700) < 0 ? -1 : 0;
}

static int plan_dev(struct fs_plan *p)
{
	static const char *const links[][2] = {
		{ "/proc/self/fd", "/dev/fd" }, { "/proc/self/fd/0", "/dev/stdin" },
		{ "/proc/self/fd/1", "/dev/stdout" }, { "/proc/self/fd/2", "/dev/stderr" },
	};
	char path[64];

	/* mode=0755: a sticky 1777 tmpfs refuses O_CREAT opens of nodes owned by another uid. */
	if (plan_fs(p, "tmpfs", "/dev", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC,
		    (const char *const[]){ "mode", "0755", NULL }) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(dev_nodes) / sizeof(dev_nodes[0]); i++) {
		snprintf(path, sizeof(path), "/dev/%s", dev_nodes[i]);
		if (plan_bind(p, path, path, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, 0) < 0)
			return -1;
	}
	/* No gid= option: gid 5 (tty) is not mapped in the sandbox. */
	if (plan_fs(p, "devpts", "/dev/pts", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC,
		    (const char *const[]){ "newinstance", "", "ptmxmode", "0666", "mode", "0620", NULL }) < 0 ||
	    plan_simple(p, OP_REBIND, "/dev/pts/ptmx", "/dev/ptmx", 0) < 0 ||
	    plan_fs(p, "tmpfs", "/dev/shm", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV,
		    (const char *const[]){ "mode", "1777", NULL }) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		if (plan_simple(p, OP_SYMLINK, links[i][0], links[i][1], 0) < 0)
			return -1;
	return 0;
}

static int plan_proc_sys(struct fs_ctx *ctx)
{
	const struct drop_setup *s = ctx->setup;
	unsigned proc_attr = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;

	if (plan_fs(&ctx->plan, "proc", "/proc", proc_attr, NULL) < 0)
		return -1;
	/* The kernel refuses a new sysfs outside a network namespace of our own. */
	if (s->net_mode == NET_HOST)
		return plan_bind(&ctx->plan, "/sys", "/sys", RO_ATTRS | MOUNT_ATTR_NOEXEC, OPF_RECURSIVE);
	if (plan_fs(&ctx->plan, "sysfs", "/sys", RO_ATTRS | MOUNT_ATTR_NOEXEC, NULL) < 0)
		return -1;
	ctx->plan.ops[ctx->plan.n - 1].flags |= OPF_IN_NETNS;
	return 0;
}

static int plan_configured(struct fs_ctx *ctx)
{
	const struct drop_setup *s = ctx->setup;

	for (uint32_t i = 0; i < s->n_mounts; i++) {
		const struct mount_spec *m = &s->mounts[i];
		unsigned attr = MOUNT_ATTR_NOSUID | ((m->flags & MOUNT_F_DEV) ? 0 : MOUNT_ATTR_NODEV) |
				((m->flags & MOUNT_F_RW) ? 0 : MOUNT_ATTR_RDONLY);
		unsigned opf = OPF_REPORT | OPF_RECURSIVE | ((m->flags & MOUNT_F_OPTIONAL) ? OPF_OPTIONAL : 0) |
			       ((m->flags & MOUNT_F_GITDIR) ? OPF_GIT_SELF : 0);

		if (plan_bind(&ctx->plan, m->src, m->dst, attr, opf) < 0)
			return -1;
	}
	for (char **b = s->blocks; b && *b; b++)
		if (plan_simple(&ctx->plan, OP_BLOCK, NULL, *b, 0) < 0)
			return -1;
	for (size_t i = 0; i < sizeof(always_blocked) / sizeof(always_blocked[0]); i++) {
		/* A nested procfs is refused while /proc entries are covered ("mount too revealing"). */
		if (s->userns && path_is_under(always_blocked[i], "/proc"))
			continue;
		if (plan_simple(&ctx->plan, OP_BLOCK, NULL, always_blocked[i], 0) < 0)
			return -1;
	}
	return 0;
}

/*
 * A new sysfs waits for the helper's network namespace. Steps on other paths
 * do not depend on it, so it moves down to just before the first later step
 * at or under /sys: the namespace gets the most time to be ready.
 */
static void defer_sysfs(struct fs_plan *p)
{
	size_t from = p->n, to;
	struct fs_op sysfs;

	for (size_t i = 0; i < p->n && from == p->n; i++)
		if (p->ops[i].flags & OPF_IN_NETNS)
			from = i;
	if (from == p->n)
		return;
	for (to = from + 1; to < p->n && !path_is_under(p->ops[to].dst, "/sys"); to++)
		;
	sysfs = p->ops[from];
	memmove(&p->ops[from], &p->ops[from + 1], (to - from - 1) * sizeof(*p->ops));
	p->ops[to - 1] = sysfs;
}

static int build_plan(struct fs_ctx *ctx)
{
	if (plan_system_dirs(&ctx->plan) < 0 || plan_etc(ctx) < 0 || plan_env_dir(ctx, "tmp", "/tmp") < 0 ||
	    plan_env_dir(ctx, "var", "/var") < 0 || plan_run(ctx) < 0 || plan_dev(&ctx->plan) < 0 ||
	    plan_proc_sys(ctx) < 0 || plan_env_dir(ctx, "home", ctx->setup->home) < 0 || plan_configured(ctx) < 0)
		return -1;
	defer_sysfs(&ctx->plan);
	return 0;
}

/* ---- phase 1: open every host source while the host tree is still in view ---- */


/*
 * A configured mount of drop's own state is read-only; a read-write mount
 * gets the .git rule (SPEC 5): its top .git as it is now follows [fs] git
 * once attached, and a .git that is a symlink makes the whole mount read-only.
 */
static void source_rules(const struct fs_ctx *ctx, struct fs_op *op, int src)
{
	const struct drop_setup *s = ctx->setup;
	struct stat st;

	if (path_is_under_any(op->real, s->readonly, false))
		op->attr |= MOUNT_ATTR_RDONLY;
	if ((op->attr & MOUNT_ATTR_RDONLY) || op->tkind != TARGET_DIR || s->git_mode == GIT_RW ||
	    (op->flags & OPF_GIT_SELF) || fstatat(src, ".git", &st, AT_SYMLINK_NOFOLLOW) < 0)
		return;
	if (S_ISLNK(st.st_mode)) {
		log_msg("mounting %s read-only, its .git is a symbolic link", op->src);
		op->attr |= MOUNT_ATTR_RDONLY;
	} else if (S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)) {
		op->flags |= OPF_GIT;
	}
}

/* A source that cannot be used: configured mounts are skipped with a line, the rest stop the run. */
static int skip_source(const struct fs_op *op, enum source_result r, struct drop_err *err)
{
	if (r == SOURCE_MISSING && (op->flags & (OPF_OPTIONAL | OPF_REPORT))) {
		if ((op->flags & OPF_REPORT) && !(op->flags & OPF_OPTIONAL))
			log_msg("not mounting %s, no such file or directory", op->src);
		return 0;
	}
	if (r == SOURCE_PLANTED_LINK && (op->flags & OPF_REPORT)) {
		log_msg("not mounting %s, source path contains a symbolic link a sandbox could have planted", op->src);
		return 0;
	}
	if (r == SOURCE_PLANTED_LINK)
		return err_set(err, DROP_ESETUP, "cannot mount %s: %s is a symbolic link a sandbox could have planted; remove it",
			       op->src, op->real);
	if (op->flags & OPF_REPORT) {
		log_msg("not mounting %s, %s", op->src, strerror(errno));
		return 0;
	}
	return err_sys(err, DROP_ESETUP, "cannot mount %s", op->src);
}

/* The source is resolved once, without planted symlinks, and that fd is what gets mounted. */
static int prepare_bind(const struct fs_ctx *ctx, struct fs_op *op, struct drop_err *err)
{
	autoclose int src = -1;
	enum source_result r = mnt_source(op->src, ctx->setup->writable, &src, &op->real);
	struct stat st;

	if (r == SOURCE_OK && fstat(src, &st) < 0)
		r = SOURCE_ERROR;
	if (r != SOURCE_OK)
		return skip_source(op, r, err);
	op->tkind = S_ISDIR(st.st_mode) ? TARGET_DIR : TARGET_FILE;
	/* This run's own files (the D-Bus proxy's socket, the Xauthority copy) are [gui]'s to mount. */
	if ((op->flags & OPF_REPORT) && path_is_under_any(op->real, ctx->setup->hidden, false) &&
	    !(ctx->run_real && path_is_under(op->real, ctx->run_real))) {
		log_msg("not mounting %s, it is drop's own state", op->src);
		return 0;
	}
	if (op->flags & OPF_REPORT)
		source_rules(ctx, op, src);
	op->tree_fd = mnt_clone_tree(src, "");
	if (op->tree_fd < 0)
		return skip_source(op, SOURCE_ERROR, err);
	/* Attributes only ever add restrictions, and a clone is ours to restrict. */
	if (op->attr && mnt_set_attr(op->tree_fd, op->attr, op->flags & OPF_RECURSIVE) < 0)
		return err_sys(err, DROP_ESETUP, "cannot restrict the mount of %s", op->src);
	return 0;
}

static int prepare_fs(struct fs_op *op, struct drop_err *err)
{
	op->tree_fd = mnt_new_fs(op->fstype, (const char *const *)op->fsopts, op->attr, err);
	if (op->tree_fd < 0)
		return err_prefix(err, "cannot set up %s", op->dst);
	op->tkind = TARGET_DIR;
	return 0;
}

/*
 * The kernel refuses an overlay whose lower layer has locked submounts (a
 * host /etc/hosts or /etc/resolv.conf bound by a container runtime, from
 * a more privileged user namespace): revealing what lies under them is not
 * ours to do. /etc is then the host's, bound read-only and recursively, with
 * the run's resolv.conf bound over it; the environment's etc layer is not
 * applied (said with -v).
 */
static int prepare_etc(struct fs_ctx *ctx, struct fs_op *op, struct drop_err *err)
{
	int e;

	if (prepare_fs(op, err) == 0)
		return 0;
	e = errno;
	if (e != EINVAL)
		return -1;
	memset(err, 0, sizeof(*err));
	log_at((int)ctx->setup->verbosity - 1, V_VERBOSE,
	       "/etc has mounts of its own (a container?): it is bound read-only; the environment's etc layer is not applied");
	free(op->src);
	if (!(op->src = strdup("/etc")))
		return err_sys(err, DROP_ESETUP, "out of memory");
	op->kind = OP_BIND;
	op->flags |= OPF_RECURSIVE;
	ctx->etc_bind = true;
	return prepare_bind(ctx, op, err);
}

static int prepare_sources(struct fs_ctx *ctx, struct drop_err *err)
{
	for (size_t i = 0; i < ctx->plan.n; i++) {
		struct fs_op *op = &ctx->plan.ops[i];
		int rc = 0;

		if (op->flags & OPF_ETC)
			rc = prepare_etc(ctx, op, err);
		else if ((op->flags & OPF_ETC_ONLY_BIND) && !ctx->etc_bind)
			continue;
		else if (op->kind == OP_BIND)
			rc = prepare_bind(ctx, op, err);
		else if (op->kind == OP_FS && !(op->flags & OPF_IN_NETNS))
			rc = prepare_fs(op, err);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* ---- phase 2: assemble inside the new root, resolving every target without symlinks ---- */

static int report_target(const struct fs_op *op, enum target_result r, struct drop_err *err)
{
	if (op->flags & OPF_REPORT) {
		log_msg("not mounting %s, %s", op->src, mnt_target_strerror(r));
		return 0;
	}
	return err_set(err, DROP_ESETUP, "cannot mount on %s: %s", op->dst, mnt_target_strerror(r));
}

static int protect_state(struct fs_ctx *ctx, const struct fs_op *op, struct drop_err *err);

static int run_attach(struct fs_ctx *ctx, struct fs_op *op, struct drop_err *err)
{
	autoclose int target = -1;
	enum target_result r;

	if ((op->flags & OPF_IN_NETNS) && (helper_enter_netns(ctx->helper, err) < 0 || prepare_fs(op, err) < 0))
		return -1;
	if (op->tree_fd < 0)
		return 0; /* skipped in phase 1 */
	r = mnt_target(ctx->root_fd, op->dst, op->tkind, true, &target);
	if (r != TARGET_OK)
		return report_target(op, r, err);
	if (mnt_attach(op->tree_fd, target) < 0) {
		if (op->flags & OPF_REPORT) {
			log_msg("not mounting %s, %s", op->src, strerror(errno));
			return 0;
		}
		return err_sys(err, DROP_ESETUP, "cannot mount on %s", op->dst);
	}
	op->flags |= OPF_ATTACHED;
	return (op->flags & OPF_REPORT) ? protect_state(ctx, op, err) : 0;
}

/* Split "/a/b/c" into an O_PATH fd of "/a/b" (created) and the name "c". */
static int open_parent(int root_fd, const char *path, char **name)
{
	autofree char *copy = strdup(path);
	char *slash;
	int fd = -1;

	*name = NULL;
	if (!copy || !(slash = strrchr(copy, '/')))
		return -1;
	*slash = '\0';
	if (!(*name = strdup(slash + 1)))
		return -1;
	if (mnt_target(root_fd, copy[0] ? copy : "/", TARGET_DIR, true, &fd) != TARGET_OK) {
		free(*name);
		*name = NULL;
		return -1;
	}
	return fd;
}

static int run_symlink(struct fs_ctx *ctx, const struct fs_op *op, struct drop_err *err)
{
	autofree char *name = NULL;
	autoclose int parent = open_parent(ctx->root_fd, op->dst, &name);

	if (parent < 0 || symlinkat(op->src, parent, name) < 0)
		return err_sys(err, DROP_ESETUP, "cannot create the symlink %s", op->dst);
	return 0;
}

static int run_dir(struct fs_ctx *ctx, const struct fs_op *op, struct drop_err *err)
{
	autofree char *name = NULL;
	autoclose int parent = open_parent(ctx->root_fd, op->dst, &name);

	if (parent < 0 || (mkdirat(parent, name, op->mode) < 0 && errno != EEXIST))
		return err_sys(err, DROP_ESETUP, "cannot create %s", op->dst);
	return 0;
}

/* Bind something already inside the new root (e.g. /dev/pts/ptmx) elsewhere in it. */
static int run_rebind(struct fs_ctx *ctx, const struct fs_op *op, struct drop_err *err)
{
	autoclose int src = -1;
	autoclose int tree = -1;
	autoclose int target = -1;

	if (mnt_target(ctx->root_fd, op->src, TARGET_FILE, false, &src) != TARGET_OK ||
	    (tree = mnt_clone_tree(src, "")) < 0 ||
	    mnt_target(ctx->root_fd, op->dst, TARGET_FILE, true, &target) != TARGET_OK ||
	    mnt_attach(tree, target) < 0)
		return err_sys(err, DROP_ESETUP, "cannot bind %s to %s", op->src, op->dst);
	return 0;
}

/*
 * The host path of the first symlink on the way to dst in the new root (or of
 * dst itself when there is none), through the last attached bind that covers
 * it: what a sandbox planted, named so the user can remove it.
 */
static char *host_culprit(const struct fs_ctx *ctx, const char *dst)
{
	const struct fs_op *best = NULL;
	autofree char *link = strdup(dst);

	if (!link)
		return NULL;
	for (char *p = link; *p; ) {
		struct stat st;
		char saved;

		p = strchrnul(p + 1, '/');
		saved = *p;
		*p = '\0';
		if (fstatat(ctx->root_fd, link + 1, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
			break;
		*p = saved;
	}
	for (size_t i = 0; i < ctx->plan.n; i++) {
		const struct fs_op *op = &ctx->plan.ops[i];

		/* The last attached mount that covers it is the one on top. */
		if ((op->flags & OPF_ATTACHED) && path_is_under(link, op->dst))
			best = op;
	}
	return best && best->kind == OP_BIND ? path_join(best->real, link + strlen(best->dst)) : NULL;
}

/* A protection that cannot be applied stops the run, naming what to remove on the host. */
static int protect_failed(const struct fs_ctx *ctx, const char *what, const char *dst, enum target_result r,
			  struct drop_err *err)
{
	autofree char *host = host_culprit(ctx, dst);

	if (host)
		return err_set(err, DROP_ESETUP, "cannot %s %s: %s; remove %s on the host", what, dst,
			       mnt_target_strerror(r), host);
	return err_set(err, DROP_ESETUP, "cannot %s %s: %s; remove it or the block", what, dst, mnt_target_strerror(r));
}

/* Re-bind what is visible at dst read-only, recursively (drop's state, a .git); nothing there: nothing to do. */
static int run_readonly(struct fs_ctx *ctx, const char *dst, struct drop_err *err)
{
	autoclose int target = -1;
	autoclose int tree = -1;
	enum target_result r = mnt_target(ctx->root_fd, dst, TARGET_DIR, false, &target);

	if (r == TARGET_IS_FILE)
		r = mnt_target(ctx->root_fd, dst, TARGET_FILE, false, &target);
	if (r == TARGET_MISSING)
		return 0;
	if (r != TARGET_OK)
		return protect_failed(ctx, "protect", dst, r, err);
	if ((tree = mnt_clone_tree(target, "")) < 0 || mnt_set_attr(tree, RO_ATTRS, true) < 0 ||
	    mnt_attach(tree, target) < 0)
		return err_sys(err, DROP_ESETUP, "cannot make %s read-only", dst);
	return 0;
}

/*
 * The empty mode-000 entries bound over blocked paths live in the new root's
 * own tmpfs while it is assembled: each bind is made read-only (so the
 * sandbox cannot chmod it), and the entries are unlinked before pivot_root;
 * the binds keep them alive.
 */
static int make_blocker(struct fs_ctx *ctx, struct drop_err *err)
{
	autoclose int file = -1;

	if (mkdirat(ctx->root_fd, ".drop-blocker", 0700) < 0)
		return err_sys(err, DROP_ESETUP, "cannot prepare blocked paths");
	ctx->blocker_fd = openat(ctx->root_fd, ".drop-blocker", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (ctx->blocker_fd < 0 || mkdirat(ctx->blocker_fd, "d", 0) < 0 ||
	    (file = openat(ctx->blocker_fd, "f", O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0)) < 0 ||
	    fchmodat(ctx->blocker_fd, "d", 0, 0) < 0)
		return err_sys(err, DROP_ESETUP, "cannot prepare blocked paths");
	return 0;
}

/* Blocks fail closed: a target that is or passes through a symlink stops the run. */
static int run_block(struct fs_ctx *ctx, const char *dst, struct drop_err *err)
{
	autoclose int target = -1;
	autoclose int tree = -1;
	enum target_result r = mnt_target(ctx->root_fd, dst, TARGET_DIR, false, &target);
	struct stat st;

	if (r == TARGET_MISSING)
		return 0;
	if (r == TARGET_IS_FILE)
		r = mnt_target(ctx->root_fd, dst, TARGET_FILE, false, &target);
	if (r != TARGET_OK)
		return protect_failed(ctx, "block", dst, r, err);
	if (ctx->blocker_fd < 0 && make_blocker(ctx, err) < 0)
		return -1;
	if (fstat(target, &st) < 0 ||
	    (tree = sys_open_tree(ctx->blocker_fd, S_ISDIR(st.st_mode) ? "d" : "f", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC)) < 0 ||
	    mnt_set_attr(tree, RO_ATTRS | MOUNT_ATTR_NOEXEC, false) < 0 || mnt_attach(tree, target) < 0)
		return err_sys(err, DROP_ESETUP, "cannot block %s", dst);
	return 0;
}


/* Pin dir (a directory, or nothing) by binding it onto itself: it cannot be renamed away. */
static int pin_dir(struct fs_ctx *ctx, const char *dir, struct drop_err *err)
{
	autoclose int target = -1;
	autoclose int tree = -1;
	enum target_result r = mnt_target(ctx->root_fd, dir, TARGET_DIR, false, &target);

	if (r == TARGET_MISSING)
		return 0;
	if (r != TARGET_OK)
		return protect_failed(ctx, "protect", dir, r, err);
	if ((tree = mnt_clone_tree(target, "")) < 0 || mnt_attach(tree, target) < 0)
		return err_sys(err, DROP_ESETUP, "cannot protect %s", dir);
	return 0;
}

/* name below dir: a directory, or a file holding text, made when missing (through the mount: on the host). */
static int ensure_entry(struct fs_ctx *ctx, const char *dir, const char *name, const char *text, struct drop_err *err)
{
	autofree char *path = path_join(dir, name);
	autoclose int fd = -1;
	autoclose int file = -1;

	if (!path)
		return err_sys(err, DROP_ESETUP, "out of memory");
	if (!text)
		return mnt_target(ctx->root_fd, path, TARGET_DIR, true, &fd) == TARGET_OK ? 0
		       : err_sys(err, DROP_ESETUP, "cannot create %s", path);
	if (mnt_target(ctx->root_fd, dir, TARGET_DIR, false, &fd) != TARGET_OK)
		return err_sys(err, DROP_ESETUP, "cannot open %s", dir);
	file = openat(fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (file < 0)
		return errno == EEXIST ? 0 : err_sys(err, DROP_ESETUP, "cannot create %s", path);
	return sys_write_all(file, text, strlen(text)) < 0 ? err_sys(err, DROP_ESETUP, "cannot write %s", path) : 0;
}

/*
 * The [fs] git rule on a git directory at sandbox path git (SPEC 5): ro makes
 * it read-only; safe leaves it writable (commits, branches, fetches) but pins
 * it and makes hooks/, config, info/, commondir, config.worktree and
 * worktrees/ (the other linked worktrees' commondir and config) read-only,
 * recursively for the submodules under modules/. What is missing is made
 * first: a main git directory without a commondir gets one saying "." (git
 * then uses the directory itself, as without it), an empty config.worktree,
 * empty hooks/, info/ and worktrees/, so the sandbox cannot create one that
 * points the host's git at a directory or a command it wrote.
 */
static int protect_git(struct fs_ctx *ctx, const char *git, unsigned depth, struct drop_err *err);

/* Each submodule's git directory under git/modules, pinned first, to a bounded depth. */
static int protect_modules(struct fs_ctx *ctx, const char *git, unsigned depth, struct drop_err *err)
{
	autofree char *modules = path_join(git, "modules");
	autoclose int mfd = -1;
	struct dirent *de;
	int lfd, rc = 0;
	DIR *d;

	if (!modules)
		return err_sys(err, DROP_ESETUP, "out of memory");
	if (depth >= 4)
		return 0;
	if (pin_dir(ctx, modules, err) < 0)
		return -1;
	if (mnt_target(ctx->root_fd, modules, TARGET_DIR, false, &mfd) != TARGET_OK)
		return 0; /* none */
	lfd = openat(mfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d = lfd >= 0 ? fdopendir(lfd) : NULL;
	if (!d) {
		if (lfd >= 0)
			close(lfd);
		return err_sys(err, DROP_ESETUP, "cannot list %s", modules);
	}
	while (rc == 0 && (de = readdir(d))) {
		autofree char *sub = de->d_name[0] == '.' || de->d_type != DT_DIR ? NULL : path_join(modules, de->d_name);

		if (sub)
			rc = protect_git(ctx, sub, depth + 1, err);
	}
	closedir(d);
	return rc;
}

static int protect_git(struct fs_ctx *ctx, const char *git, unsigned depth, struct drop_err *err)
{
	static const char *const ro_entries[] = { "hooks", "config", "info", "commondir", "config.worktree", "worktrees" };
	autoclose int dfd = -1;
	enum target_result r;
	int has_common;

	if (ctx->setup->git_mode != GIT_SAFE)
		return run_readonly(ctx, git, err);
	r = mnt_target(ctx->root_fd, git, TARGET_DIR, false, &dfd);
	if (r == TARGET_IS_FILE)
		return run_readonly(ctx, git, err); /* a .git file: its git directories are mounts of their own */
	if (r == TARGET_MISSING)
		return 0;
	if (r != TARGET_OK)
		return protect_failed(ctx, "protect", git, r, err);
	if (pin_dir(ctx, git, err) < 0)
		return -1;
	has_common = faccessat(dfd, "commondir", F_OK, AT_SYMLINK_NOFOLLOW) == 0;
	/* What git would read if it existed is made to exist, so that it can be made read-only. */
	if (ensure_entry(ctx, git, "config.worktree", "", err) < 0)
		return -1;
	if (!has_common && (ensure_entry(ctx, git, "hooks", NULL, err) < 0 || ensure_entry(ctx, git, "info", NULL, err) < 0 ||
			    ensure_entry(ctx, git, "commondir", ".\n", err) < 0 ||
			    ensure_entry(ctx, git, "worktrees", NULL, err) < 0))
		return -1;
	for (size_t i = 0; i < sizeof(ro_entries) / sizeof(ro_entries[0]); i++) {
		autofree char *p = path_join(git, ro_entries[i]);

		if (!p)
			return err_sys(err, DROP_ESETUP, "out of memory");
		if (run_readonly(ctx, p, err) < 0)
			return -1;
	}
	return protect_modules(ctx, git, depth, err);
}

/*
 * Bind every directory between op's target and image onto itself: a mount
 * point cannot be renamed or removed, so the sandbox cannot move a parent
 * of drop's state away and put a copy it wrote in its place.
 */
static int pin_path(struct fs_ctx *ctx, const struct fs_op *op, const char *image, struct drop_err *err)
{
	autofree char *dir = strdup(image);
	size_t top = strlen(op->dst);

	if (!dir)
		return err_sys(err, DROP_ESETUP, "out of memory");
	for (char *p = dir + top; (p = strchr(p + 1, '/')); ) {
		*p = '\0';
		if (pin_dir(ctx, dir, err) < 0)
			return -1;
		*p = '/';
	}
	return 0;
}

/* Where host path lies inside the mount op shows (NULL: not below its source, or out of memory). */
static char *image_of(const struct fs_op *op, const char *host)
{
	if (!path_is_below(host, op->real))
		return NULL;
	return path_join(op->dst, host + strlen(op->real));
}

/*
 * drop's own state is protected at whatever path a mount shows it (SPEC 5):
 * read-only for CONFIG_DIR, SYSCONF_DIR and DATA_DIR, blocked for DATA_DIR/run,
 * and a read-write mount's top .git is read-only.
 */
static int protect_state(struct fs_ctx *ctx, const struct fs_op *op, struct drop_err *err)
{
	const struct drop_setup *s = ctx->setup;
	int rc = 0;

	for (char **p = s->readonly; rc == 0 && p && *p; p++) {
		autofree char *image = image_of(op, *p);

		if (image && (rc = pin_path(ctx, op, image, err)) == 0)
			rc = run_readonly(ctx, image, err);
	}
	for (char **p = s->hidden; rc == 0 && p && *p; p++) {
		autofree char *image = image_of(op, *p);

		if (image && (rc = pin_path(ctx, op, image, err)) == 0)
			rc = run_block(ctx, image, err);
	}
	if (rc == 0 && (op->flags & OPF_GIT)) {
		autofree char *git = path_join(op->dst, ".git");

		rc = git ? protect_git(ctx, git, 0, err) : err_sys(err, DROP_ESETUP, "cannot protect .git");
	}
	if (rc == 0 && (op->flags & OPF_GIT_SELF) && ctx->setup->git_mode == GIT_SAFE)
		rc = protect_git(ctx, op->dst, 0, err);
	return rc;
}

static int run_plan(struct fs_ctx *ctx, struct drop_err *err)
{
	for (size_t i = 0; i < ctx->plan.n; i++) {
		struct fs_op *op = &ctx->plan.ops[i];
		int rc = 0;

		switch (op->kind) {
		case OP_BIND:
		case OP_FS:
			rc = run_attach(ctx, op, err);
			break;
		case OP_SYMLINK:
			rc = run_symlink(ctx, op, err);
			break;
		case OP_DIR:
			rc = run_dir(ctx, op, err);
			break;
		case OP_REBIND:
			rc = run_rebind(ctx, op, err);
			break;
		case OP_BLOCK:
			rc = run_block(ctx, op->dst, err);
			break;
		default:
			rc = err_set(err, DROP_ESETUP, "internal error: unknown filesystem step");
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* The new root is a tmpfs attached over /tmp of our private mount namespace until pivot_root. */
static int attach_new_root(struct fs_ctx *ctx, struct drop_err *err)
{
	autoclose int fs = mnt_new_fs("tmpfs", (const char *const[]){ "mode", "0755", NULL },
				      MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, err);

	if (fs < 0)
		return -1;
	if (sys_move_mount(fs, "", AT_FDCWD, "/tmp", MOVE_MOUNT_F_EMPTY_PATH) < 0)
		return err_sys(err, DROP_ESETUP, "cannot attach the new root");
	ctx->root_fd = open("/tmp", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (ctx->root_fd < 0)
		return err_sys(err, DROP_ESETUP, "cannot open the new root");
	return 0;
}

static int drop_blocker(struct fs_ctx *ctx)
{
	int rc;

	if (ctx->blocker_fd < 0)
		return 0;
	rc = unlinkat(ctx->blocker_fd, "f", 0) < 0 || unlinkat(ctx->blocker_fd, "d", AT_REMOVEDIR) < 0 ? -1 : 0;
	close(ctx->blocker_fd);
	ctx->blocker_fd = -1;
	if (rc < 0)
		return -1;
	return unlinkat(ctx->root_fd, ".drop-blocker", AT_REMOVEDIR);
}

static int pivot_into(struct fs_ctx *ctx, struct drop_err *err)
{
	if (fchdir(ctx->root_fd) < 0)
		return err_sys(err, DROP_ESETUP, "cannot enter the new root");
	/* pivot_root(".", ".") stacks the old root on top of the new one; detach it. */
	if (sys_pivot_root(".", ".") < 0)
		return err_sys(err, DROP_ESETUP, "pivot_root failed");
	if (umount2(".", MNT_DETACH) < 0)
		return err_sys(err, DROP_ESETUP, "cannot detach the old root");
	if (chdir("/") < 0)
		return err_sys(err, DROP_ESETUP, "cannot chdir to the new root");
	if (mnt_set_attr(AT_FDCWD, MOUNT_ATTR_RDONLY, false) < 0)
		return err_sys(err, DROP_ESETUP, "cannot make the root read-only");
	return 0;
}

int fs_build_root(const struct drop_setup *setup, struct child_helper *helper, struct drop_err *err)
{
	struct fs_ctx ctx = { .setup = setup, .helper = helper, .root_fd = -1, .blocker_fd = -1 };
	int rc = -1;

	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		err_sys(err, DROP_ESETUP, "cannot make mounts private");
		goto out;
	}
	if (build_plan(&ctx) < 0) {
		err_sys(err, DROP_ESETUP, "cannot plan the filesystem");
		goto out;
	}
	ctx.run_real = realpath(setup->run_dir, NULL); /* NULL while the parent has not made it: nothing in it */
	if (prepare_sources(&ctx, err) < 0 || attach_new_root(&ctx, err) < 0 || run_plan(&ctx, err) < 0)
		goto out;
	if (drop_blocker(&ctx) < 0) {
		err_sys(err, DROP_ESETUP, "cannot remove the blocked-path placeholder");
		goto out;
	}
	rc = pivot_into(&ctx, err);
out:
	if (ctx.root_fd >= 0)
		close(ctx.root_fd);
	if (ctx.blocker_fd >= 0)
		close(ctx.blocker_fd);
	plan_free(&ctx.plan);
	free(ctx.run_real);
	return rc;
}
