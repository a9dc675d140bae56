/* instance.c: running instances under DATA_DIR/run/ID-NNNN: lock held for the run's lifetime, info, stale cleanup. */
#include "instance.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "sys.h"
#include "util.h"

char *instance_file(const struct instance *inst, const char *name)
{
	return path_join(inst->dir, name);
}

static int lock_instance_dir(struct instance *inst, struct drop_err *err)
{
	autofree char *lock = instance_file(inst, "lock");

	if (!lock)
		return err_sys(err, 0, "out of memory");
	inst->lock_fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (inst->lock_fd < 0 || flock(inst->lock_fd, LOCK_EX | LOCK_NB) < 0)
		return err_sys(err, 0, "cannot lock %s", lock);
	return 0;
}

int instance_create(const struct drop_paths *p, const char *id, struct instance *inst,
		    struct drop_err *err)
{
	autofree char *run = paths_run_dir(p);

	memset(inst, 0, sizeof(*inst));
	inst->lock_fd = -1;
	if (!run)
		return err_sys(err, 0, "out of memory");
	if (mkdir_p(run, 0700) < 0)
		return err_sys(err, 0, "cannot create %s", run);
	/* The pid makes the name unique among live instances; a leftover of a
	 * recycled pid is stale and was removed by instance_clean_stale. */
	if (asprintf(&inst->name, "%s-%d", id, (int)getpid()) < 0 || !(inst->dir = path_join(run, inst->name)))
		return err_sys(err, 0, "out of memory");
	if (mkdir(inst->dir, 0700) < 0) {
		err_sys(err, 0, "cannot create %s", inst->dir);
		free(inst->dir);
		inst->dir = NULL;
		return -1;
	}
	if (lock_instance_dir(inst, err) < 0) {
		instance_destroy(inst);
		return -1;
	}
	return 0;
}

int instance_write_info(const struct instance *inst, pid_t pid, char *const argv[])
{
	autofree char *path = instance_file(inst, "info");
	char buf[4096];
	size_t len;

	if (!path)
		return -1;
	len = (size_t)snprintf(buf, sizeof(buf), "pid=%d\nstarted=%lld\ncommand=", (int)pid,
			       (long long)time(NULL));
	for (size_t i = 0; argv[i] && len < sizeof(buf) - 2; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s", i ? " " : "", argv[i]);
	if (len > sizeof(buf) - 2)
		len = sizeof(buf) - 2;
	buf[len++] = '\n';
	return write_file_at(AT_FDCWD, path, buf, len, 0600);
}

void instance_destroy(struct instance *inst)
{
	if (inst->dir)
		remove_tree(inst->dir);
	if (inst->lock_fd >= 0)
		close(inst->lock_fd);
	free(inst->dir);
	free(inst->name);
	memset(inst, 0, sizeof(*inst));
	inst->lock_fd = -1;
}

/* A directory without its lock file yet may be an instance a moment before it locks. */
static bool being_created(const char *dir)
{
	struct stat st;

	return stat(dir, &st) == 0 && time(NULL) - st.st_mtime < 10;
}

/* True when some process holds the instance's lock. */
static bool instance_locked(const char *dir)
{
	autofree char *lock = path_join(dir, "lock");
	autoclose int fd = -1;

	if (!lock)
		return true;
	fd = open(lock, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return being_created(dir);
	return flock(fd, LOCK_EX | LOCK_NB) < 0 && errno == EWOULDBLOCK;
}

/* Kill a leftover pasta only after checking the pid still names a pasta. */
static void kill_stale_pasta(const char *dir)
{
	autofree char *pidfile = path_join(dir, "pasta.pid");
	autofree char *text = pidfile ? read_file(pidfile, 64) : NULL;
	autofree char *comm_path = NULL;
	autofree char *comm = NULL;
	long pid;

	if (!text || (pid = strtol(text, NULL, 10)) <= 1)
		return;
	if (asprintf(&comm_path, "/proc/%ld/comm", pid) < 0)
		return;
	comm = read_file(comm_path, 64);
	if (comm && (!strcmp(comm, "pasta\n") || !strcmp(comm, "pasta.avx2\n")))
		kill((pid_t)pid, SIGKILL);
}

static bool instance_name_is_env(const char *name, const char *id)
{
	size_t n = strlen(id);
	const char *rest = name + n;

	if (strncmp(name, id, n) != 0 || rest[0] != '-' || !rest[1])
		return false;
	return strspn(rest + 1, "0123456789") == strlen(rest + 1);
}

/* Call fn for each instance directory; stops early when fn returns true. */
static bool instance_each(const struct drop_paths *p, bool (*fn)(const char *dir, const char *name, void *ctx),
			  void *ctx)
{
	autofree char *run = paths_run_dir(p);
	struct dirent *de;
	bool stop = false;
	DIR *d;

	if (!run || !(d = opendir(run)))
		return false;
	while (!stop && (de = readdir(d))) {
		autofree char *dir = NULL;
		if (de->d_name[0] == '.')
			continue;
		dir = path_join(run, de->d_name);
		if (dir)
			stop = fn(dir, de->d_name, ctx);
	}
	closedir(d);
	return stop;
}

static bool running_of_env(const char *dir, const char *name, void *ctx)
{
	return instance_name_is_env(name, ctx) && instance_locked(dir);
}

bool instance_env_running(const struct drop_paths *p, const char *id)
{
	return instance_each(p, running_of_env, (void *)id);
}

static bool clean_if_stale(const char *dir, const char *name, void *ctx)
{
	if (!instance_locked(dir)) {
		kill_stale_pasta(dir);
		remove_tree(dir);
	}
	return false;
}

void instance_clean_stale(const struct drop_paths *p)
{
	instance_each(p, clean_if_stale, NULL);
}
