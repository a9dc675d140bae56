/* child-seccomp.c: the seccomp policy (a readable deny table) built and loaded with libseccomp. */
#include "child-seccomp.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

/* Which calls a rule matches. */
enum match {
	ANY_CALL,         /* every call */
	NEWUSER_ARG0,     /* arg0 has CLONE_NEWUSER (clone, unshare) */
	IOCTL_REQUEST,    /* ioctl whose request's low 32 bits equal .arg (CVE-2019-10063) */
};

struct deny_rule {
	const char *name;
	int nr;             /* used when libseccomp cannot name it: numbers >= 424 are shared by all ABIs */
	int err;            /* errno returned */
	enum match match;
	unsigned long arg;
	bool lifted_by_userns;  /* allowed when [security] userns = yes */
	const char *why;
};

#define DENY(n, w) { n, -1, EPERM, ANY_CALL, 0, false, w }
#define DENY_NS(n, w) { n, -1, EPERM, ANY_CALL, 0, true, w }

/* The default policy: what a sandboxed tool never needs, and what escapes are made of. */
static const struct deny_rule policy[] = {
	DENY("add_key", "kernel keyring is not namespaced"),
	DENY("keyctl", "kernel keyring is not namespaced"),
	DENY("request_key", "kernel keyring is not namespaced"),
	DENY("bpf", "kernel attack surface"),
	DENY("perf_event_open", "kernel attack surface, side channels"),
	DENY("userfaultfd", "used to win kernel races"),
	DENY("init_module", "kernel modules"),
	DENY("finit_module", "kernel modules"),
	DENY("delete_module", "kernel modules"),
	DENY("kexec_load", "kexec"),
	DENY("kexec_file_load", "kexec"),
	DENY("reboot", "reboot"),
	DENY("swapon", "swap"),
	DENY("swapoff", "swap"),
	DENY("settimeofday", "clock setting"),
	DENY("clock_settime", "clock setting"),
	DENY("clock_adjtime", "clock setting"),
	DENY("adjtimex", "clock setting"),
	DENY("syslog", "kernel log"),
	DENY("acct", "process accounting"),
	DENY("quotactl", "disk quotas"),
	DENY("ptrace", "debugging other processes; seccomp_allow = ptrace for debuggers"),
	DENY_NS("mount", "mount family: the sandbox's filesystem is fixed"),
	DENY_NS("umount2", "mount family"),
	DENY_NS("open_tree", "mount family"),
	{ "open_tree_attr", 467, EPERM, ANY_CALL, 0, true, "mount family" },
	DENY_NS("move_mount", "mount family"),
	DENY_NS("fsopen", "mount family"),
	DENY_NS("fsconfig", "mount family"),
	DENY_NS("fsmount", "mount family"),
	DENY_NS("fspick", "mount family"),
	DENY_NS("mount_setattr", "mount family"),
	DENY_NS("pivot_root", "mount family"),
	DENY_NS("setns", "joining other namespaces"),
	{ "clone", -1, EPERM, NEWUSER_ARG0, CLONE_NEWUSER, true, "nested user namespaces" },
	{ "unshare", -1, EPERM, NEWUSER_ARG0, CLONE_NEWUSER, true, "nested user namespaces" },
	/* A filter cannot read clone3's flags: ENOSYS makes libc fall back to clone. */
	{ "clone3", -1, ENOSYS, ANY_CALL, 0, true, "flags unreadable by seccomp; libc falls back to clone" },
	{ "ioctl", -1, EPERM, IOCTL_REQUEST, TIOCSTI, false, "TIOCSTI: typing into the terminal" },
	{ "ioctl", -1, EPERM, IOCTL_REQUEST, TIOCLINUX, false, "TIOCLINUX: console selection injection" },
};

static bool name_in(const char *name, int nr, char *const *list)
{
	for (size_t i = 0; list && list[i]; i++) {
		char *end;
		long n = strtol(list[i], &end, 10);
		if (!strcmp(list[i], name) || (*end == '\0' && end != list[i] && n == nr))
			return true;
	}
	return false;
}

static int resolve(const char *name, int fallback)
{
	int nr = seccomp_syscall_resolve_name(name);

	return nr == __NR_SCMP_ERROR ? fallback : nr;
}

static int add_rule(scmp_filter_ctx ctx, const struct deny_rule *r, int nr)
{
	uint32_t act = SCMP_ACT_ERRNO((uint32_t)r->err);

	switch (r->match) {
	case NEWUSER_ARG0:
		return seccomp_rule_add(ctx, act, nr, 1, SCMP_A0(SCMP_CMP_MASKED_EQ, r->arg, r->arg));
	case IOCTL_REQUEST:
		return seccomp_rule_add(ctx, act, nr, 1, SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, r->arg));
	case ANY_CALL:
	default:
		return seccomp_rule_add(ctx, act, nr, 0);
	}
}

static bool rule_applies(const struct deny_rule *r, int nr, const struct drop_setup *s)
{
	return !(r->lifted_by_userns && s->userns) && !name_in(r->name, nr, s->seccomp_allow);
}

static int add_policy(scmp_filter_ctx ctx, const struct drop_setup *s, struct drop_err *err)
{
	for (size_t i = 0; i < sizeof(policy) / sizeof(policy[0]); i++) {
		const struct deny_rule *r = &policy[i];
		int nr = seccomp_syscall_resolve_name(r->name);
		int rc;

		/* Calls the installed libseccomp cannot name go into the numbered filter. */
		if (nr == __NR_SCMP_ERROR || !rule_applies(r, nr, s))
			continue;
		rc = add_rule(ctx, r, nr);
		if (rc < 0) {
			errno = -rc;
			return err_sys(err, DROP_ESETUP, "seccomp rule for %s", r->name);
		}
	}
	return 0;
}

static int add_user_denies(scmp_filter_ctx ctx, const struct drop_setup *s, struct drop_err *err)
{
	for (size_t i = 0; s->seccomp_deny && s->seccomp_deny[i]; i++) {
		const char *name = s->seccomp_deny[i];
		char *end;
		long n = strtol(name, &end, 10);
		int nr = (*end == '\0' && end != name) ? (int)n : seccomp_syscall_resolve_name(name);
		int rc;

		if (nr == __NR_SCMP_ERROR)
			return err_set(err, DROP_ESETUP, "seccomp_deny: unknown system call '%s'", name);
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
		if (rc < 0 && rc != -EEXIST) {
			errno = -rc;
			return err_sys(err, DROP_ESETUP, "seccomp rule for %s", name);
		}
	}
	return 0;
}

/* Every ABI the kernel accepts must be filtered, or a 32-bit call would bypass the policy. */
static int add_arches(scmp_filter_ctx ctx)
{
#if defined(__x86_64__)
	static const uint32_t extra[] = { SCMP_ARCH_X86, SCMP_ARCH_X32 };
#elif defined(__aarch64__)
	static const uint32_t extra[] = { SCMP_ARCH_ARM };
#else
	static const uint32_t extra[] = { 0 };
#endif
	for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
		int rc = extra[i] ? seccomp_arch_add(ctx, extra[i]) : 0;
		if (rc < 0 && rc != -EEXIST)
			return rc;
	}
	return 0;
}

/*
 * libseccomp 2.5 refuses syscall numbers it has no name for on the compat
 * ABIs, so those go into a second, hand-written classic BPF filter; the
 * kernel applies both. Numbers from 424 on are the same on every ABI, and
 * x32 adds its marker bit.
 */
#define X32_BIT 0x40000000u
#define MAX_NUMBERED 8

static int install_numbered(const struct drop_setup *s, struct drop_err *err)
{
	struct sock_filter prog[8 + 4 * MAX_NUMBERED];
	uint32_t nrs[MAX_NUMBERED];
	size_t n = 0, len = 0;

	for (size_t i = 0; i < sizeof(policy) / sizeof(policy[0]) && n < MAX_NUMBERED; i++)
		if (policy[i].nr >= 0 && seccomp_syscall_resolve_name(policy[i].name) == __NR_SCMP_ERROR &&
		    rule_applies(&policy[i], policy[i].nr, s))
			nrs[n++] = (uint32_t)policy[i].nr;
	if (n == 0)
		return 0;
	prog[len++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
	for (size_t i = 0; i < n; i++) {
		/* Each number is checked plain and with the x32 bit: both ABIs carry it. */
		prog[len++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nrs[i], 0, 1);
		prog[len++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM);
		prog[len++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nrs[i] | X32_BIT, 0, 1);
		prog[len++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM);
	}
	prog[len++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	{
		struct sock_fprog fprog = { .len = (unsigned short)len, .filter = prog };
		if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog, 0, 0) < 0)
			return err_sys(err, DROP_ESETUP, "cannot load the numbered seccomp filter");
	}
	return 0;
}

int seccomp_install(const struct drop_setup *s, struct drop_err *err)
{
	scmp_filter_ctx ctx;
	int rc;

	if (!s->seccomp)
		return 0;
	ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx)
		return err_set(err, DROP_ESETUP, "cannot create the seccomp filter");
	rc = add_arches(ctx);
	if (rc < 0) {
		seccomp_release(ctx);
		errno = -rc;
		return err_sys(err, DROP_ESETUP, "seccomp: cannot add the compat ABIs");
	}
	/* no_new_privs is already set by caps_drop_all; keep libseccomp from touching it. */
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	if (add_policy(ctx, s, err) < 0 || add_user_denies(ctx, s, err) < 0) {
		seccomp_release(ctx);
		return -1;
	}
	rc = seccomp_load(ctx);
	seccomp_release(ctx);
	if (rc < 0) {
		errno = -rc;
		return err_sys(err, DROP_ESETUP, "cannot load the seccomp filter");
	}
	return install_numbered(s, err);
}

void seccomp_describe(FILE *out, int userns, char *const *allow, char *const *deny)
{
	for (size_t i = 0; i < sizeof(policy) / sizeof(policy[0]); i++) {
		const struct deny_rule *r = &policy[i];
		int nr = resolve(r->name, r->nr);

		if ((r->lifted_by_userns && userns) || name_in(r->name, nr, (char *const *)allow))
			continue;
		fprintf(out, "# deny %-16s %-7s %s\n", r->name, r->err == ENOSYS ? "ENOSYS" : "EPERM", r->why);
	}
	for (size_t i = 0; deny && deny[i]; i++)
		fprintf(out, "# deny %-16s EPERM   seccomp_deny\n", deny[i]);
}
