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

static int lock_instance_dir(struct instance *inst, struct drop_err *err)
{
	inst->lock_fd = openat(inst->dir_fd, "lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (inst->lock_fd < 0 || flock(inst->lock_fd, LOCK_EX | LOCK_NB) < 0)
		return err_sys(err, 0, "cannot lock %s/lock", inst->dir);
	return 0;
}

int instance_name(const struct drop_paths *p, const char *id, struct instance *inst, struct drop_err *err)
{
	autofree char *run = paths_run_dir(p);

	instance_init(inst);
	/* The pid makes the name unique among live instances; a leftover of a
	 * recycled pid is stale and was removed by instance_clean_stale. */
	if (!run || asprintf(&inst->name, "%s-%d", id, (int)getpid()) < 0 || !(inst->dir = path_join(run, inst->name)))
		return err_sys(err, 0, "out of memory");
	return 0;
}

static bool clean_if_stale(const char *dir, const char *name, void *ctx);

int instance_open(struct instance *inst, struct drop_err *err)
{
	autofree char *run = strdup(inst->dir);
	char *slash = run ? strrchr(run, '/') : NULL;

	if (!slash)
		return err_sys(err, 0, "out of memory");
	*slash = '\0';
	if (mkdir(inst->dir, 0700) < 0) {
		/* DATA_DIR/run is missing on a first run; a leftover of a recycled pid
		 * is stale (drop run cleans stale ones only once its program runs). */
		if (errno == ENOENT)
			mkdir_p(run, 0700);
		else if (errno == EEXIST)
			clean_if_stale(inst->dir, inst->name, NULL);
		if (mkdir(inst->dir, 0700) < 0)
			return err_sys(err, 0, "cannot create %s", inst->dir);
	}
	inst->dir_fd = open(inst->dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (inst->dir_fd < 0) {
		err_sys(err, 0, "cannot open %s", inst->dir);
		rmdir(inst->dir);
		return -1;
	}
	inst->created = true;
	if (lock_instance_dir(inst, err) < 0) {
		instance_destroy(inst);
		return -1;
	}
	return 0;
}

int instance_write_info(const struct instance *inst, pid_t pid, unsigned long userns, unsigned proxy_port,
			char *const argv[])
{
	char buf[4096];
	size_t len;

	len = (size_t)snprintf(buf, sizeof(buf), "pid=%d\nuserns=%lu\nstarted=%lld\nproxy_port=%u\ncommand=", (int)pid,
			       userns, (long long)time(NULL), proxy_port);
	for (size_t i = 0; argv[i] && len < sizeof(buf) - 2; i++)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s", i ? " " : "", argv[i]);
	if (len > sizeof(buf) - 2)
		len = sizeof(buf) - 2;
	buf[len++] = '\n';
	return write_file_at(inst->dir_fd, "info", buf, len, 0600);
}

/* The usual contents by name; anything else (pasta's files, the proxy's) the long way. */
static void remove_instance_dir(struct instance *inst)
{
	unlinkat(inst->dir_fd, "info", 0);
	unlinkat(inst->dir_fd, "lock", 0);
	if (rmdir(inst->dir) < 0 && errno != ENOENT)
		remove_tree(inst->dir);
	close(inst->dir_fd);
}

void instance_init(struct instance *inst)
{
	*inst = (struct instance){ .lock_fd = -1, .dir_fd = -1 };
}

void instance_destroy(struct instance *inst)
{
	if (!inst)
		return;
	if (inst->created)
		remove_instance_dir(inst);
	if (inst->lock_fd >= 0)
		close(inst->lock_fd);
	free(inst->dir);
	free(inst->name);
	instance_init(inst);
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

/* ---- listing for drop ps ---- */

struct info_list {
	struct instance_info *v;
	size_t n, cap;
	bool oom;
};

/* "ID-NNNN" -> "ID": the env id is everything before the last '-'. */
static char *env_of_instance(const char *name)
{
	const char *dash = strrchr(name, '-');

	return dash ? strndup(name, (size_t)(dash - name)) : strdup(name);
}

static void parse_info(struct instance_info *inf, const char *text)
{
	for (const char *line = text; line && *line;) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);

		if (!strncmp(line, "pid=", 4))
			inf->pid = (pid_t)strtol(line + 4, NULL, 10);
		else if (!strncmp(line, "userns=", 7))
			inf->userns = strtoul(line + 7, NULL, 10);
		else if (!strncmp(line, "started=", 8))
			inf->started = strtoll(line + 8, NULL, 10);
		else if (!strncmp(line, "proxy_port=", 11))
			inf->proxy_port = (unsigned)strtoul(line + 11, NULL, 10) & 0xffff;
		else if (!strncmp(line, "command=", 8) && !inf->command)
			inf->command = strndup(line + 8, len - 8);
		line = end ? end + 1 : NULL;
	}
}

static void instance_info_free_one(struct instance_info *inf)
{
	free(inf->name);
	free(inf->env);
	free(inf->command);
}

void instance_info_free(struct instance_info *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		instance_info_free_one(&v[i]);
	free(v);
}

static bool collect_running(const char *dir, const char *name, void *ctx)
{
	struct info_list *l = ctx;
	autofree char *info = NULL;
	autofree char *text = NULL;
	struct instance_info *inf;

	if (!instance_locked(dir))
		return false;
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 8;
		struct instance_info *nv = realloc(l->v, cap * sizeof(*nv));
		if (!nv)
			return l->oom = true;
		l->v = nv;
		l->cap = cap;
	}
	inf = &l->v[l->n];
	memset(inf, 0, sizeof(*inf));
	inf->name = strdup(name);
	inf->env = env_of_instance(name);
	if (!inf->name || !inf->env) {
		instance_info_free_one(inf);
		return l->oom = true;
	}
	l->n++;
	info = path_join(dir, "info");
	text = info ? read_file(info, 8192) : NULL;
	if (text)
		parse_info(inf, text);
	return false;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct instance_info *)a)->name, ((const struct instance_info *)b)->name);
}

int instance_list(const struct drop_paths *p, struct instance_info **out, size_t *n, struct drop_err *err)
{
	struct info_list l = { 0 };

	instance_each(p, collect_running, &l);
	if (l.oom) {
		instance_info_free(l.v, l.n);
		return err_set(err, DROP_FAIL, "out of memory");
	}
	if (l.n)
		qsort(l.v, l.n, sizeof(*l.v), by_name);
	*out = l.v;
	*n = l.n;
	return 0;
}
