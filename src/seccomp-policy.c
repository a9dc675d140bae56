/* seccomp-policy.c: the seccomp policy (a readable deny table), compiled to BPF and loaded by the child. */
#include "seccomp-policy.h"

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
#include <sys/mman.h>
#include <unistd.h>

/* Which calls a rule matches. */
enum match {
	ANY_CALL,         /* every call */
	NEWUSER_ARG0,     /* arg0 has CLONE_NEWUSER (clone, unshare) */
	IOCTL_REQUEST,    /* ioctl whose request's low 32 bits equal .arg (CVE-2019-10063) */
	ODD_PERSONA,      /* personality with a persona other than the standard ones (hand-written BPF) */
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
	DENY("process_vm_readv", "reading another process's memory"),
	DENY("process_vm_writev", "writing another process's memory"),
	{ "pidfd_getfd", 438, EPERM, ANY_CALL, 0, false, "taking another process's fds" },
	{ "io_uring_setup", 425, EPERM, ANY_CALL, 0, false, "io_uring: kernel attack surface, bypasses the filter" },
	{ "io_uring_enter", 426, EPERM, ANY_CALL, 0, false, "io_uring" },
	{ "io_uring_register", 427, EPERM, ANY_CALL, 0, false, "io_uring" },
	{ "personality", -1, EPERM, ODD_PERSONA, 0, false, "all but the queries, PER_LINUX, PER_LINUX32 (+UNAME26)" },
};

/* The personas personality may set or query (as Docker's profile): the rest turn off ASLR and the like. */
static const uint32_t standard_personas[] = { 0x0, 0x8, 0x20000, 0x20008, 0xffffffff };

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

		/* Calls the installed libseccomp cannot name, and the persona check
		 * (one rule cannot compare an argument with several values), go into
		 * the hand-written prefix. */
		if (nr == __NR_SCMP_ERROR || r->match == ODD_PERSONA || !rule_applies(r, nr, s))
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
#if defined(__x86_64__)
static const uint32_t extra_arches[] = { SCMP_ARCH_X86, SCMP_ARCH_X32 };
#elif defined(__aarch64__)
static const uint32_t extra_arches[] = { SCMP_ARCH_ARM };
#else
static const uint32_t extra_arches[] = { 0 };
#endif
#define N_EXTRA_ARCHES (sizeof(extra_arches) / sizeof(extra_arches[0]))

static int add_arches(scmp_filter_ctx ctx)
{
	for (size_t i = 0; i < N_EXTRA_ARCHES; i++) {
		int rc = extra_arches[i] ? seccomp_arch_add(ctx, extra_arches[i]) : 0;
		if (rc < 0 && rc != -EEXIST)
			return rc;
	}
	return 0;
}

/* ---- the blob: filters serialised in a fixed byte order ---- */

#define MAX_FILTER_INSNS 4096  /* the kernel's BPF_MAXINSNS */
#define INSN_SIZE 8

static int blob_append(struct seccomp_blob *b, const struct sock_filter *insns, size_t n)
{
	size_t need = 4 + n * INSN_SIZE;
	uint8_t *p = realloc(b->data, b->len + need);

	if (!p)
		return -1;
	b->data = p;
	p += b->len;
	b->len += need;
	p[0] = (uint8_t)(n >> 24), p[1] = (uint8_t)(n >> 16), p[2] = (uint8_t)(n >> 8), p[3] = (uint8_t)n;
	p += 4;
	for (size_t i = 0; i < n; i++, p += INSN_SIZE) {
		p[0] = (uint8_t)(insns[i].code >> 8), p[1] = (uint8_t)insns[i].code;
		p[2] = insns[i].jt, p[3] = insns[i].jf;
		p[4] = (uint8_t)(insns[i].k >> 24), p[5] = (uint8_t)(insns[i].k >> 16);
		p[6] = (uint8_t)(insns[i].k >> 8), p[7] = (uint8_t)insns[i].k;
	}
	return 0;
}

void seccomp_blob_free(struct seccomp_blob *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int seccomp_load_blob(const uint8_t *data, size_t len, struct drop_err *err)
{
	struct sock_filter *insns = NULL;
	size_t off = 0;

	while (off < len) {
		uint32_t n;
		struct sock_fprog prog;

		if (len - off < 4 || (n = get_be32(data + off)) == 0 || n > MAX_FILTER_INSNS ||
		    (len - off - 4) / INSN_SIZE < n)
			return free(insns), err_set(err, DROP_ESETUP, "malformed seccomp filter from the parent");
		off += 4;
		free(insns);
		insns = calloc(n, sizeof(*insns));
		if (!insns)
			return err_sys(err, DROP_ESETUP, "out of memory");
		for (uint32_t i = 0; i < n; i++, off += INSN_SIZE) {
			insns[i].code = (uint16_t)(data[off] << 8 | data[off + 1]);
			insns[i].jt = data[off + 2];
			insns[i].jf = data[off + 3];
			insns[i].k = get_be32(data + off + 4);
		}
		prog = (struct sock_fprog){ .len = (unsigned short)n, .filter = insns };
		if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0) {
			free(insns);
			return err_sys(err, DROP_ESETUP, "cannot load the seccomp filter");
		}
	}
	free(insns);
	return 0;
}

/*
 * libseccomp 2.5 refuses syscall numbers it has no name for on the compat
 * ABIs, so those are checked by a hand-written prefix in front of
 * libseccomp's program (its jumps are relative, so it can be moved). Numbers
 * from 424 on are the same on every ABI, and x32 adds its marker bit. One
 * filter, not two: each filter costs the kernel its own set-up and check.
 */
#define X32_BIT 0x40000000u
#define MAX_NUMBERED 8
#define MAX_ARCHES 3
#define N_PERSONAS (sizeof(standard_personas) / sizeof(standard_personas[0]))
#define MAX_PERSONA (4 * MAX_ARCHES + 1 + 1 + N_PERSONAS + 1)
#define MAX_PREFIX (1 + 4 * MAX_NUMBERED + MAX_PERSONA)

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ARG0_LOW offsetof(struct seccomp_data, args[0])
#else
#define ARG0_LOW (offsetof(struct seccomp_data, args[0]) + 4)
#endif

/* The audit arch the kernel reports for a libseccomp arch: x32 calls come as x86_64 with the marker bit. */
static uint32_t kernel_arch(uint32_t arch)
{
	return arch == SCMP_ARCH_X32 ? SCMP_ARCH_X86_64 : arch;
}

/*
 * personality on every ABI of the filter, its number looked up per ABI:
 * the standard personas (compared on the low 32 bits, as the kernel reads
 * them) go on to the rest of the filter, any other gets EPERM.
 *
 *   for each ABI:  ld arch; jeq ARCH ? next : skip 2; ld nr; jeq NR ? check : next
 *                  ja end
 *   check:         ld args[0] low; jeq P1 ? end : next; ...; ret ERRNO
 *   end:
 */
static size_t persona_prefix(const struct drop_setup *s, struct sock_filter *prog)
{
	const struct deny_rule *r = NULL;
	uint32_t arch[MAX_ARCHES], nr[MAX_ARCHES];
	size_t n = 0, len = 0, check;

	for (size_t i = 0; i < sizeof(policy) / sizeof(policy[0]); i++)
		if (policy[i].match == ODD_PERSONA)
			r = &policy[i];
	if (!r || !rule_applies(r, resolve(r->name, -1), s))
		return 0;
	for (size_t i = 0; i <= N_EXTRA_ARCHES && n < MAX_ARCHES; i++) {
		uint32_t a = i == 0 ? seccomp_arch_native() : extra_arches[i - 1];
		int num = a ? seccomp_syscall_resolve_name_arch(a, r->name) : __NR_SCMP_ERROR;

		if (num == __NR_SCMP_ERROR || num < 0)
			continue;
		arch[n] = kernel_arch(a);
		nr[n++] = (uint32_t)num;
	}
	check = 4 * n + 1;
	for (size_t i = 0; i < n; i++) {
		prog[len++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
		prog[len++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, arch[i], 0, 2);
		prog[len++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
		prog[len] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr[i], (uint8_t)(check - len - 1), 0);
		len++;
	}
	prog[len++] = (struct sock_filter)BPF_STMT(BPF_JMP | BPF_JA, (uint32_t)(1 + N_PERSONAS + 1));
	prog[len++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG0_LOW);
	for (size_t i = 0; i < N_PERSONAS; i++) {
		prog[len] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, standard_personas[i],
							 (uint8_t)(N_PERSONAS - i), 0);
		len++;
	}
	prog[len++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (uint32_t)r->err);
	return len;
}

static size_t numbered_prefix(const struct drop_setup *s, struct sock_filter *prog)
{
	size_t len = 0;

	prog[len++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
	for (size_t i = 0; i < sizeof(policy) / sizeof(policy[0]) && len < MAX_PREFIX; i++) {
		const struct deny_rule *r = &policy[i];
		uint32_t nr = (uint32_t)r->nr;

		if (r->nr < 0 || seccomp_syscall_resolve_name(r->name) != __NR_SCMP_ERROR || !rule_applies(r, r->nr, s))
			continue;
		prog[len++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 1);
		prog[len++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (uint32_t)r->err);
		prog[len++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr | X32_BIT, 0, 1);
		prog[len++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (uint32_t)r->err);
	}
	if (len == 1)
		len = 0;
	return len + persona_prefix(s, prog + len);
}

/* libseccomp writes BPF to an fd; a memfd brings it back into memory, after the prefix. */
static int export_filter(scmp_filter_ctx ctx, const struct drop_setup *s, struct seccomp_blob *out,
			 struct drop_err *err)
{
	int fd = memfd_create("drop-seccomp", MFD_CLOEXEC);
	struct sock_filter *insns = NULL;
	size_t prefix;
	off_t size;
	int rc = -1;

	if (fd < 0)
		return err_sys(err, DROP_ESETUP, "memfd_create");
	if ((rc = seccomp_export_bpf(ctx, fd)) < 0) {
		errno = -rc;
		err_sys(err, DROP_ESETUP, "cannot compile the seccomp filter");
		goto out;
	}
	rc = -1;
	size = lseek(fd, 0, SEEK_END);
	if (size <= 0 || size % INSN_SIZE || size / INSN_SIZE > (off_t)(MAX_FILTER_INSNS - MAX_PREFIX) ||
	    !(insns = malloc((size_t)size + MAX_PREFIX * INSN_SIZE))) {
		err_sys(err, DROP_ESETUP, "cannot read back the seccomp filter");
		goto out;
	}
	prefix = numbered_prefix(s, insns);
	if (pread(fd, insns + prefix, (size_t)size, 0) != size) {
		err_sys(err, DROP_ESETUP, "cannot read back the seccomp filter");
		goto out;
	}
	if (blob_append(out, insns, prefix + (size_t)size / INSN_SIZE) < 0) {
		err_sys(err, DROP_ESETUP, "out of memory");
		goto out;
	}
	rc = 0;
out:
	free(insns);
	close(fd);
	return rc;
}

int seccomp_compile(const struct drop_setup *s, struct seccomp_blob *out, struct drop_err *err)
{
	scmp_filter_ctx ctx;
	int rc;

	out->data = NULL;
	out->len = 0;
	if (!s->seccomp)
		return 0;
	ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx)
		return err_set(err, DROP_ESETUP, "cannot create the seccomp filter");
	/* A binary search over the syscall numbers: fewer instructions run per
	 * call, and the kernel's per-syscall cache of the filter builds faster. */
	rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if (rc == 0)
		rc = add_arches(ctx);
	if (rc < 0) {
		seccomp_release(ctx);
		errno = -rc;
		return err_sys(err, DROP_ESETUP, "seccomp: cannot set up the filter's ABIs and options");
	}
	if (add_policy(ctx, s, err) < 0 || add_user_denies(ctx, s, err) < 0 || export_filter(ctx, s, out, err) < 0) {
		seccomp_release(ctx);
		seccomp_blob_free(out);
		return -1;
	}
	seccomp_release(ctx);
	return 0;
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
