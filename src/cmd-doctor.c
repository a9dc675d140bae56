/* cmd-doctor.c: drop doctor: one line per check of what drop run needs from the host, with the fix. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "cmd.h"
#include "parent-limits.h"
#include "parent-net.h"
#include "sys.h"
#include "util.h"

enum check_level { CHECK_OK, CHECK_WARN, CHECK_FAIL };

struct check_result {
	enum check_level level;
	char msg[512];
	char fix[512];
};

/* What the namespace probe found; several checks explain it. */
struct userns_probe {
	int stage;       /* 0 = everything worked, else the step that failed */
	int error;       /* its errno */
};

struct doctor {
	uid_t uid;
	struct userns_probe probe;
};

enum probe_stage { PROBE_OK, PROBE_FORK, PROBE_UNSHARE, PROBE_IDMAP, PROBE_MOUNT };

static const char *const stage_names[] = {
	[PROBE_OK] = "", [PROBE_FORK] = "fork", [PROBE_UNSHARE] = "unshare(CLONE_NEWUSER|...)",
	[PROBE_IDMAP] = "writing the uid/gid map", [PROBE_MOUNT] = "mounting a tmpfs inside",
};

__attribute__((format(printf, 3, 4))) static void set(struct check_result *r, enum check_level level,
							const char *fmt, ...)
{
	va_list ap;

	r->level = level;
	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
}

static void set_fix(struct check_result *r, const char *fix)
{
	snprintf(r->fix, sizeof(r->fix), "%s", fix);
}

/* ---- user namespaces: a real probe with drop run's namespace set ---- */

static int write_text(const char *path, const char *text)
{
	return write_file_at(AT_FDCWD, path, text, strlen(text), 0);
}

/* In the forked child: the same unshare as drop run, an id map, and a mount only a capable userns allows. */
static struct userns_probe probe_in_child(uid_t uid, gid_t gid)
{
	struct userns_probe p = { PROBE_OK, 0 };
	char map[64];
	int fs;

	if (unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP |
		    CLONE_NEWNET) < 0)
		return (struct userns_probe){ PROBE_UNSHARE, errno };
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)uid, (unsigned)uid);
	if (write_text("/proc/self/setgroups", "deny") < 0 || write_text("/proc/self/uid_map", map) < 0)
		return (struct userns_probe){ PROBE_IDMAP, errno };
	snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)gid, (unsigned)gid);
	if (write_text("/proc/self/gid_map", map) < 0)
		return (struct userns_probe){ PROBE_IDMAP, errno };
	/* fsopen+fsmount needs CAP_SYS_ADMIN in the new namespace and attaches nothing anywhere. */
	fs = sys_fsopen("tmpfs", 0);
	if (fs < 0 || sys_fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0 || sys_fsmount(fs, 0, 0) < 0)
		return (struct userns_probe){ PROBE_MOUNT, errno };
	return p;
}

static struct userns_probe probe_userns(void)
{
	struct userns_probe p = { PROBE_FORK, 0 };
	int fds[2];
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return (struct userns_probe){ PROBE_FORK, errno };
	pid = fork();
	if (pid < 0) {
		p.error = errno;
		close(fds[0]);
		close(fds[1]);
		return p;
	}
	if (pid == 0) {
		struct userns_probe r;
		close(fds[0]);
		r = probe_in_child(getuid(), getgid());
		_exit(write(fds[1], &r, sizeof(r)) == sizeof(r) ? 0 : 1);
	}
	close(fds[1]);
	if (read(fds[0], &p, sizeof(p)) != sizeof(p))
		p = (struct userns_probe){ PROBE_FORK, EIO };
	close(fds[0]);
	waitpid(pid, NULL, 0);
	return p;
}

static void check_userns(const struct doctor *d, struct check_result *r)
{
	const struct userns_probe *p = &d->probe;

	if (p->stage == PROBE_OK) {
		set(r, CHECK_OK, "user namespaces: drop's namespaces can be created and mount inside them");
		return;
	}
	set(r, CHECK_FAIL, "user namespaces: %s failed: %s", stage_names[p->stage], strerror(p->error));
	set_fix(r, "enable unprivileged user namespaces; the sysctl lines below say which setting blocks them");
}

/* A sysctl as a number; -1 when the file does not exist (the kernel lacks that knob). */
static long read_sysctl(const char *path)
{
	autofree char *text = read_file(path, 64);

	return text ? strtol(text, NULL, 10) : -1;
}

static void check_max_userns(const struct doctor *d, struct check_result *r)
{
	long v = read_sysctl("/proc/sys/user/max_user_namespaces");

	(void)d;
	if (v < 0) {
		set(r, CHECK_WARN, "user.max_user_namespaces: cannot read /proc/sys/user/max_user_namespaces");
		set_fix(r, "mount /proc, or check that the kernel has CONFIG_USER_NS");
	} else if (v == 0) {
		set(r, CHECK_FAIL, "user.max_user_namespaces is 0: user namespaces are disabled");
		set_fix(r, "sysctl -w user.max_user_namespaces=15000 (persist it in /etc/sysctl.d/)");
	} else {
		set(r, CHECK_OK, "user.max_user_namespaces = %ld", v);
	}
}

static void check_userns_clone(const struct doctor *d, struct check_result *r)
{
	long v = read_sysctl("/proc/sys/kernel/unprivileged_userns_clone");

	if (v < 0) {
		set(r, CHECK_OK, "kernel.unprivileged_userns_clone: not present (this kernel does not restrict them)");
	} else if (v == 0) {
		set(r, d->uid == 0 ? CHECK_WARN : CHECK_FAIL,
		    "kernel.unprivileged_userns_clone is 0: only root may create user namespaces");
		set_fix(r, "sysctl -w kernel.unprivileged_userns_clone=1 (persist it in /etc/sysctl.d/)");
	} else {
		set(r, CHECK_OK, "kernel.unprivileged_userns_clone = %ld", v);
	}
}

static void check_apparmor_userns(const struct doctor *d, struct check_result *r)
{
	long v = read_sysctl("/proc/sys/kernel/apparmor_restrict_unprivileged_userns");

	if (v < 0) {
		set(r, CHECK_OK, "kernel.apparmor_restrict_unprivileged_userns: not present (no AppArmor restriction)");
	} else if (v == 0) {
		set(r, CHECK_OK, "kernel.apparmor_restrict_unprivileged_userns = 0");
	} else if (d->probe.stage == PROBE_OK) {
		set(r, CHECK_OK, "kernel.apparmor_restrict_unprivileged_userns = %ld, but an AppArmor profile lets drop "
			     "use them", v);
	} else {
		set(r, CHECK_FAIL, "kernel.apparmor_restrict_unprivileged_userns = %ld: AppArmor denies "
				   "capabilities in unprivileged user namespaces", v);
		set_fix(r, "add an AppArmor profile for drop with 'userns,' (see /etc/apparmor.d/), or "
			   "sysctl -w kernel.apparmor_restrict_unprivileged_userns=0");
	}
}

/* ---- helper programs ---- */

static void check_pasta(const struct doctor *d, struct check_result *r)
{
	autofree char *path = NULL;
	struct drop_err err = { 0 };

	(void)d;
	if (net_find_pasta(&path, &err) == 0) {
		set(r, CHECK_OK, "pasta: %s (isolated networking)", path);
		return;
	}
	set(r, CHECK_FAIL, "pasta: not found in PATH; the default network mode 'isolated' needs it");
	set_fix(r, "apt-get install passt (Debian/Ubuntu), dnf install passt (Fedora), pacman -S passt (Arch); "
		   "or use --net off / --net host");
}

/* pasta opens /dev/net/tun for its tap device: without it every isolated run fails. */
static void check_tun(const struct doctor *d, struct check_result *r)
{
	autoclose int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);

	(void)d;
	if (fd >= 0) {
		set(r, CHECK_OK, "/dev/net/tun: present and openable (pasta's tap device)");
		return;
	}
	if (errno == ENOENT || errno == ENODEV || errno == ENXIO) {
		set(r, CHECK_FAIL, "/dev/net/tun: %s; isolated networking (pasta) cannot work", strerror(errno));
		set_fix(r, "use -n off or -n filtered (or [net] mode = off in base.ini); as root: modprobe tun");
		return;
	}
	set(r, CHECK_FAIL, "/dev/net/tun: cannot be opened (%s); isolated networking (pasta) cannot work",
	    strerror(errno));
	set_fix(r, "use -n off or -n filtered (or [net] mode = off in base.ini); as root: chmod 0666 /dev/net/tun "
		   "(its usual mode)");
}

static void check_dbus_proxy(const struct doctor *d, struct check_result *r)
{
	autofree char *path = sys_find_in_path(getenv("PATH"), "xdg-dbus-proxy");

	(void)d;
	if (path) {
		set(r, CHECK_OK, "xdg-dbus-proxy: %s ([gui] dbus = filtered)", path);
		return;
	}
	set(r, CHECK_WARN, "xdg-dbus-proxy: not found in PATH; only [gui] dbus = filtered needs it");
	set_fix(r, "apt-get install xdg-dbus-proxy (Debian/Ubuntu), dnf install xdg-dbus-proxy (Fedora)");
}

/* ---- cgroups ---- */

static void check_cgroup(const struct doctor *d, struct check_result *r)
{
	struct drop_settings want = { .memory = 1, .pids = 1, .cpus_milli = 1000 };
	struct limits l;
	struct drop_err err = { 0 };

	limits_init(&l);
	if (limits_plan(&want, true, d->uid, &l, &err) == 0 && l.cgroup_base) {
		set(r, CHECK_OK, "cgroup v2 delegation: %s (memory, pids, cpu) is delegated; limits use cgroup2",
		    l.cgroup_base);
	} else {
		set(r, CHECK_WARN, "cgroup v2 delegation: none with the memory, pids and cpu controllers; memory "
				   "falls back to RLIMIT_AS (per process), pids to RLIMIT_NPROC%s, cpus cannot be limited",
		    d->uid == 0 ? " (not for root)" : "");
		set_fix(r, "run drop inside a systemd user session (e.g. systemd-run --user --scope drop ...) on a "
			   "cgroup v2 system (systemd.unified_cgroup_hierarchy=1); or accept the fallbacks");
	}
	limits_free(&l);
}

/* ---- kernel features drop calls directly ---- */

/* Each probe is a harmless call: only ENOSYS means the kernel lacks it. */
static bool has_openat2(void)
{
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC | O_DIRECTORY };
	int fd = sys_openat2(AT_FDCWD, "/", &how);

	if (fd >= 0)
		close(fd);
	return fd >= 0 || errno != ENOSYS;
}

static bool has_mount_setattr(void)
{
	struct mount_attr attr = { 0 };

	return sys_mount_setattr(-1, "", 0, &attr) == 0 || errno != ENOSYS;
}

static bool has_pidfd_open(void)
{
	int fd = sys_pidfd_open(getpid(), 0);

	if (fd >= 0)
		close(fd);
	return fd >= 0 || errno != ENOSYS;
}

static bool has_seccomp_filter(void)
{
	unsigned action = SECCOMP_RET_KILL_PROCESS;

	return prctl(PR_GET_SECCOMP, 0, 0, 0, 0) >= 0 &&
	       syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0;
}

static void check_kernel(const struct doctor *d, struct check_result *r)
{
	char missing[128] = "";
	struct {
		const char *name;
		bool (*probe)(void);
	} features[] = { { "openat2", has_openat2 }, { "mount_setattr", has_mount_setattr },
			 { "pidfd_open", has_pidfd_open }, { "seccomp", has_seccomp_filter } };

	(void)d;
	for (size_t i = 0; i < sizeof(features) / sizeof(features[0]); i++) {
		if (features[i].probe())
			continue;
		strncat(missing, " ", sizeof(missing) - strlen(missing) - 1);
		strncat(missing, features[i].name, sizeof(missing) - strlen(missing) - 1);
	}
	if (!missing[0]) {
		set(r, CHECK_OK, "kernel features: openat2, mount_setattr, pidfd_open, seccomp filters");
		return;
	}
	set(r, CHECK_FAIL, "kernel features missing:%s", missing);
	set_fix(r, "drop needs Linux 5.12 or newer built with CONFIG_SECCOMP_FILTER; upgrade the kernel");
}

/* ---- mandatory access control ---- */

static void check_selinux(const struct doctor *d, struct check_result *r)
{
	long v = read_sysctl("/sys/fs/selinux/enforce");

	(void)d;
	if (v < 0) {
		set(r, CHECK_OK, "SELinux: not active");
	} else if (v == 0) {
		set(r, CHECK_OK, "SELinux: permissive");
	} else {
		set(r, CHECK_WARN, "SELinux: enforcing; a policy may deny namespace or mount operations");
		set_fix(r, "if drop fails with permission errors, look for AVC denials (ausearch -m avc -ts recent)");
	}
}

static void check_apparmor(const struct doctor *d, struct check_result *r)
{
	autofree char *enabled = read_file("/sys/module/apparmor/parameters/enabled", 16);
	autofree char *label = read_file("/proc/self/attr/current", 256);

	(void)d;
	if (!enabled || enabled[0] != 'Y') {
		set(r, CHECK_OK, "AppArmor: not active");
		return;
	}
	if (label && strncmp(label, "unconfined", 10) != 0) {
		label[strcspn(label, "\n")] = '\0';
		set(r, CHECK_WARN, "AppArmor: enabled; drop runs confined as '%s'", label);
		set_fix(r, "if drop fails with permission errors, check the profile and the kernel log (dmesg)");
		return;
	}
	set(r, CHECK_OK, "AppArmor: enabled; drop runs unconfined");
}

/* ---- the report ---- */

static const struct {
	void (*run)(const struct doctor *d, struct check_result *r);
} checks[] = {
	{ check_userns }, { check_max_userns }, { check_userns_clone }, { check_apparmor_userns },
	{ check_kernel }, { check_pasta }, { check_tun }, { check_dbus_proxy }, { check_cgroup },
	{ check_selinux }, { check_apparmor },
};

static const char *level_name(enum check_level l)
{
	return l == CHECK_OK ? "ok" : l == CHECK_WARN ? "warn" : "fail";
}

static void print_check(const struct check_result *r)
{
	if (r->fix[0] && r->level != CHECK_OK)
		printf("%-4s  %s; fix: %s\n", level_name(r->level), r->msg, r->fix);
	else
		printf("%-4s  %s\n", level_name(r->level), r->msg);
}

int cmd_doctor(struct cmd_ctx *ctx, int argc, char **argv, struct drop_err *err)
{
	struct doctor d = { .uid = ctx->paths.uid };
	bool failed = false;

	(void)argc;
	(void)argv;
	(void)err;
	d.probe = probe_userns();
	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		struct check_result r = { CHECK_OK, "", "" };
		checks[i].run(&d, &r);
		print_check(&r);
		failed |= r.level == CHECK_FAIL;
	}
	fflush(stdout);
	return failed ? DROP_FAIL : DROP_OK;
}
