/* test-limits.c: limits: the cgroup2/rlimit decision on fake cgroup trees, cgroup files, real rlimits. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "parent-limits.h"
#include "tap.h"

static char tmpdir[] = "/tmp/test-limits.XXXXXX";
static char root[300];

static void put(const char *dir, const char *name, const char *text)
{
	char path[600];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f) {
		tap_diag("cannot write %s", path);
		return;
	}
	fputs(text, f);
	fclose(f);
}

static char *get(const char *dir, const char *name)
{
	static char buf[4096];
	char path[600];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* A fake cgroup directory below root, with the files delegation is judged by. */
static void make_cg(const char *rel, const char *subtree_control)
{
	char dir[600], cmd[700];

	snprintf(dir, sizeof(dir), "%s%s", root, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", dir);
	if (system(cmd) != 0)
		tap_diag("mkdir %s failed", dir);
	put(dir, "cgroup.controllers", "cpuset cpu io memory pids\n");
	put(dir, "cgroup.subtree_control", subtree_control);
	put(dir, "cgroup.procs", "");
}

static struct drop_settings want(uint64_t memory, uint64_t pids, uint64_t cpus_milli)
{
	return (struct drop_settings){ .memory = memory, .pids = pids, .cpus_milli = cpus_milli };
}

static void test_plan(void)
{
	/* other is never 0: the uid 0 rules are tested with 0 explicitly. */
	uid_t me = getuid(), other = getuid() + 4242;
	struct drop_settings s = want(64 << 20, 20, 1500);
	struct drop_err err = { 0 };
	struct limits l;
	char base[600];

	make_cg("/user.slice/app.slice/me.scope", "");
	make_cg("/user.slice/app.slice", "cpu memory pids\n");
	snprintf(base, sizeof(base), "%s/user.slice/app.slice", root);

	ok(limits_plan_at(&s, false, me, root, "0::/user.slice/app.slice/me.scope\n", &l, &err) == 0,
	   "delegated parent with all controllers: plan succeeds");
	ok(l.memory_mech == MECH_CGROUP2 && l.pids_mech == MECH_CGROUP2 && l.cpus_mech == MECH_CGROUP2,
	   "every limit uses cgroup2");
	is_str(l.cgroup_base, base, "the instance cgroup goes under our cgroup's parent");
	is_str(limits_mechanism(&l), "cgroup2", "mechanism cgroup2");
	limits_free(&l);

	ok(limits_plan_at(&s, false, me, root, "12:pids:/x\n1:name=systemd:/y\n0::/user.slice/app.slice/me.scope",
			  &l, &err) == 0 && l.cgroup_base, "the 0:: line is found among v1 lines, without a final newline");
	limits_free(&l);

	ok(limits_plan_at(&s, false, other, root, "0::/user.slice/app.slice/me.scope\n", &l, &err) < 0,
	   "not delegated to this uid: cpus cannot be enforced");
	ok(strstr(err.msg, "cannot enforce cpus = 1.500") && strstr(err.msg, "--best-effort-limits") &&
	   err.status == DROP_ESETUP, "the error names the limit and the way out");
	limits_free(&l);
	ok(limits_plan_at(&s, true, other, root, "0::/user.slice/app.slice/me.scope\n", &l, &err) == 0,
	   "not delegated, best effort: plan succeeds");
	ok(!l.cgroup_base && l.memory_mech == MECH_RLIMIT && l.pids_mech == MECH_RLIMIT &&
	   l.cpus_mech == MECH_UNENFORCED, "memory and pids fall back to rlimits, cpus is unenforced");
	is_str(l.unenforced[0], "cpus", "unenforced lists cpus");
	ok(l.unenforced[1] == NULL, "and nothing else");
	is_str(limits_mechanism(&l), "rlimit", "mechanism rlimit");
	limits_free(&l);

	s = want(64 << 20, 20, 0);
	ok(limits_plan_at(&s, false, other, root, "9:name=systemd:/\n", &l, &err) == 0 && !l.cgroup_base &&
	   l.memory_mech == MECH_RLIMIT && l.pids_mech == MECH_RLIMIT && l.cpus_mech == MECH_NONE,
	   "pure cgroup v1 (no 0:: line): memory and pids use rlimits");
	limits_free(&l);
	ok(limits_plan_at(&s, false, other, NULL, "0::/user.slice/app.slice/me.scope\n", &l, &err) == 0 &&
	   !l.cgroup_base && l.memory_mech == MECH_RLIMIT, "no cgroup2 mount: rlimits");
	limits_free(&l);

	ok(limits_plan_at(&s, false, 0, NULL, "", &l, &err) < 0 && strstr(err.msg, "cannot enforce pids = 20") &&
	   strstr(err.msg, "uid 0"), "uid 0 without cgroup2: pids has no fallback");
	limits_free(&l);
	ok(limits_plan_at(&s, true, 0, NULL, "", &l, &err) == 0 && l.pids_mech == MECH_UNENFORCED &&
	   l.memory_mech == MECH_RLIMIT, "uid 0, best effort: pids unenforced, memory by RLIMIT_AS");
	is_str(l.unenforced[0], "pids", "unenforced lists pids");
	limits_free(&l);

	s = want(0, 0, 0);
	ok(limits_plan_at(&s, false, 0, NULL, "", &l, &err) == 0 && l.memory_mech == MECH_NONE &&
	   l.pids_mech == MECH_NONE && l.cpus_mech == MECH_NONE && !l.cgroup_base, "no limits: nothing to do");
	is_str(limits_mechanism(&l), "none", "mechanism none");
	limits_free(&l);

	/* A parent missing one needed controller is not used at all: no mixing of mechanisms. */
	make_cg("/user.slice/nocpu.slice/me.scope", "");
	make_cg("/user.slice/nocpu.slice", "memory pids\n");
	s = want(64 << 20, 0, 500);
	ok(limits_plan_at(&s, true, me, root, "0::/user.slice/nocpu.slice/me.scope\n", &l, &err) == 0 &&
	   !l.cgroup_base && l.memory_mech == MECH_RLIMIT && l.cpus_mech == MECH_UNENFORCED,
	   "a cgroup without the cpu controller is not used for a cpus limit");
	limits_free(&l);
	s = want(64 << 20, 0, 0);
	ok(limits_plan_at(&s, false, me, root, "0::/user.slice/nocpu.slice/me.scope\n", &l, &err) == 0 &&
	   l.cgroup_base && l.memory_mech == MECH_CGROUP2, "but it is used when only memory is asked for");
	limits_free(&l);

	/* Our own cgroup is the base when it has the controllers (the root cgroup). */
	put(root, "cgroup.subtree_control", "memory pids cpu\n");
	put(root, "cgroup.procs", "");
	s = want(64 << 20, 20, 1000);
	ok(limits_plan_at(&s, false, me, root, "0::/\n", &l, &err) == 0, "in the root cgroup: plan succeeds");
	is_str(l.cgroup_base, root, "the root cgroup itself is the base");
	limits_free(&l);
	put(root, "cgroup.subtree_control", "");
	ok(limits_plan_at(&s, true, me, root, "0::/\n", &l, &err) == 0 && !l.cgroup_base,
	   "the search does not go above the cgroup root");
	limits_free(&l);

	/* The grandparent is never used: it would put the sandbox outside the user's slice. */
	make_cg("/deep/a/b", "");
	make_cg("/deep/a", "");
	make_cg("/deep", "cpu memory pids\n");
	ok(limits_plan_at(&s, true, me, root, "0::/deep/a/b\n", &l, &err) == 0 && !l.cgroup_base,
	   "only our cgroup and its parent are candidates");
	limits_free(&l);
}

static void test_configure(void)
{
	char dir[600];
	struct limits l = { .memory = 64 << 20, .pids = 20, .cpus_milli = 1500, .memory_mech = MECH_CGROUP2,
			    .pids_mech = MECH_CGROUP2, .cpus_mech = MECH_CGROUP2, .cgroup_fd = -1 };
	struct drop_err err = { 0 };
	int fd;

	snprintf(dir, sizeof(dir), "%s/fakecg", tmpdir);
	mkdir(dir, 0755);
	put(dir, "memory.max", "max\n");
	put(dir, "pids.max", "max\n");
	put(dir, "cpu.max", "max 100000\n");
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	ok(limits_cgroup_configure(fd, &l, &err) == 0, "configure without memory.swap.max (no swap accounting)");
	is_str(get(dir, "memory.max"), "67108864\n", "memory.max in bytes");
	is_str(get(dir, "pids.max"), "20\n", "pids.max");
	is_str(get(dir, "cpu.max"), "150000 100000\n", "cpu.max: 1.5 CPUs is 150000 per 100000");
	ok(get(dir, "memory.swap.max") == NULL, "an absent memory.swap.max is not created");
	put(dir, "memory.swap.max", "max\n");
	ok(limits_cgroup_configure(fd, &l, &err) == 0, "configure with memory.swap.max");
	is_str(get(dir, "memory.swap.max"), "0\n", "swap is off when memory is limited");
	l.pids_mech = MECH_RLIMIT;
	put(dir, "pids.max", "max\n");
	ok(limits_cgroup_configure(fd, &l, &err) == 0, "configure with pids left to rlimits");
	is_str(get(dir, "pids.max"), "max\n", "pids.max is untouched then");
	close(fd);
}

static void test_create(void)
{
	char base[600], leaf[700];
	struct limits l = { .memory = 64 << 20, .memory_mech = MECH_CGROUP2, .cgroup_fd = -1 };
	struct drop_err err = { 0 };
	struct stat st;

	snprintf(base, sizeof(base), "%s/createbase", tmpdir);
	mkdir(base, 0755);
	snprintf(leaf, sizeof(leaf), "%s/drop-proj-123", base);
	l.cgroup_base = strdup(base);
	/* A plain directory lacks memory.max, as a cgroup without the memory controller would. */
	ok(limits_cgroup_create(&l, "proj-123", 0, &err) < 0 && strstr(err.msg, "memory.max"),
	   "create fails when the cgroup has no memory.max");
	ok(stat(leaf, &st) < 0 && errno == ENOENT, "and leaves no cgroup directory behind");
	ok(l.cgroup_dir == NULL && l.cgroup_fd == -1, "and holds nothing");
	limits_free(&l);

	l = (struct limits){ .cgroup_fd = -1 };
	ok(limits_cgroup_create(&l, "proj-123", 0, &err) == 0 && !l.cgroup_dir, "create without a cgroup2 plan does nothing");
	limits_cgroup_destroy(&l);
}

static void test_peak_oom(void)
{
	char dir[600];
	struct limits l = { .cgroup_fd = -1 };
	uint64_t peak = 0;

	ok(limits_cgroup_peak(&l, &peak) < 0 && !limits_cgroup_oom(&l), "no cgroup: no peak, no OOM");
	snprintf(dir, sizeof(dir), "%s/events", tmpdir);
	mkdir(dir, 0755);
	l.cgroup_dir = dir;
	ok(limits_cgroup_peak(&l, &peak) < 0, "no memory.peak (kernel < 5.19): no peak");
	put(dir, "memory.peak", "123456789\n");
	ok(limits_cgroup_peak(&l, &peak) == 0 && peak == 123456789, "memory.peak is read");
	put(dir, "memory.events", "low 0\nhigh 0\nmax 12\noom 1\noom_kill 0\noom_group_kill 0\n");
	ok(!limits_cgroup_oom(&l), "oom_kill 0: no OOM kill");
	put(dir, "memory.events", "low 0\nhigh 0\nmax 12\noom 1\noom_kill 2\noom_group_kill 0\n");
	ok(limits_cgroup_oom(&l), "oom_kill 2: OOM kill");
	l.cgroup_dir = NULL;
}

/* ---- the rlimit fallbacks, for real ---- */

static long vm_size_bytes(void)
{
	char *text = get("/proc/self", "status");
	char *p = text ? strstr(text, "VmSize:") : NULL;

	/* /proc/self/status is longer than get()'s buffer; VmSize comes early. */
	return p ? strtol(p + strlen("VmSize:"), NULL, 10) * 1024 : -1;
}

static void test_rlimit_as(void)
{
	int status = 0;
	pid_t pid = fork();

	if (pid == 0) {
		struct drop_err err = { 0 };
		long vm = vm_size_bytes();
		void *small, *big;

		/* Relative to what is mapped already, so sanitizer reservations do not matter. */
		if (vm < 0 || rlimits_apply((uint64_t)vm + (64 << 20), 0, &err) < 0)
			_exit(10);
		small = mmap(NULL, 16 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		big = mmap(NULL, 128 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (small == MAP_FAILED)
			_exit(11);
		_exit(big == MAP_FAILED && errno == ENOMEM ? 0 : 12);
	}
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "RLIMIT_AS: 16M more maps, 128M more fails with ENOMEM under a 64M margin (status %d)",
	   WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

/* In a fresh user namespace, as the sandbox is: RLIMIT_NPROC counts only that namespace's tasks of the uid. */
static int count_forks_under_nproc(uint64_t nproc)
{
	struct drop_err err = { 0 };
	pid_t kids[64];
	int n = 0;

	if (getuid() == 0 && (setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 65534, 65534) < 0))
		return -1;
	if (unshare(CLONE_NEWUSER) < 0 || rlimits_apply(0, nproc, &err) < 0)
		return -2;
	for (; n < 64; n++) {
		kids[n] = fork();
		if (kids[n] == 0) {
			pause();
			_exit(0);
		}
		if (kids[n] < 0)
			break;
	}
	if (n < 64 && errno != EAGAIN)
		n = -3;
	for (int i = 0; i < n; i++) {
		kill(kids[i], SIGKILL);
		waitpid(kids[i], NULL, 0);
	}
	return n;
}

static void test_rlimit_nproc(void)
{
	int status = 0;
	pid_t pid = fork();

	if (pid == 0)
		_exit(count_forks_under_nproc(5) + 100);
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 104,
	   "RLIMIT_NPROC 5 in a new user namespace: the process and exactly 4 more (got %d forks)",
	   WIFEXITED(status) ? WEXITSTATUS(status) - 100 : -999);
}

/* limits_init makes an empty plan; limits_free takes NULL, an empty plan, and one freed already. */
static void test_init_free(void)
{
	struct limits l;

	memset(&l, 0x5a, sizeof(l));
	limits_init(&l);
	ok(l.cgroup_fd == -1 && !l.cgroup_base && !l.cgroup_dir && l.memory_mech == MECH_NONE,
	   "limits_init: no cgroup, fd -1, nothing set");
	limits_free(NULL);
	l.cgroup_base = strdup("/sys/fs/cgroup/x");
	limits_free(&l);
	ok(l.cgroup_fd == -1 && !l.cgroup_base, "limits_free leaves an empty plan");
	limits_free(&l);
	ok(1, "limits_free: NULL and twice are safe");
}

int main(void)
{
	if (!mkdtemp(tmpdir)) {
		ok(0, "mkdtemp");
		return tap_done();
	}
	snprintf(root, sizeof(root), "%s/cgroot", tmpdir);
	mkdir(root, 0755);
	test_init_free();
	test_plan();
	test_configure();
	test_create();
	test_peak_oom();
	test_rlimit_as();
	test_rlimit_nproc();
	{
		char cmd[400];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			tap_diag("could not remove %s", tmpdir);
	}
	return tap_done();
}
