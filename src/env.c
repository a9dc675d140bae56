/* env.c: environments (SPEC 2.1): create without leaving half-made state, list, remove. */
#include "env.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "instance.h"
#include "sys.h"
#include "util.h"

static const char base_ini_template[] =
#include "base-ini.h"
	;

/* Modes as the sandbox sees them: /etc and /var like a system's, /tmp sticky, home private.
 * envs/ID itself is 0700, so nobody else on the host reaches any of them. */
static const struct {
	const char *name;
	mode_t mode;
} env_subdirs[] = { { "home", 0700 }, { "etc", 0755 }, { "var", 0755 }, { "tmp", 01777 } };

bool env_exists(const struct drop_paths *p, const char *id)
{
	autofree char *dir = paths_env_dir(p, id);

	return dir && is_dir(dir);
}

/*
 * The cwd is mounted only when it is a project, not $HOME or one of its
 * parents. getcwd gives the physical path, so $HOME is compared as written
 * and with its symlinks resolved (a home reached through /home -> /usr/home).
 */
bool env_cwd_is_project(const struct drop_paths *p)
{
	autofree char *real_home = NULL;

	if (!p->cwd || strcmp(p->cwd, "/") == 0 || path_is_under(p->home, p->cwd))
		return false;
	real_home = realpath(p->home, NULL);
	return !real_home || !path_is_under(real_home, p->cwd);
}

/* Prefer "~/..." so the config reads naturally and survives a moved home. */
static char *config_path_for(const struct drop_paths *p, const char *path)
{
	char *s = NULL;

	if (path_is_under(path, p->home) && strcmp(path, p->home) != 0)
		return asprintf(&s, "~%s", path + strlen(p->home)) < 0 ? NULL : s;
	return strdup(path);
}

static int render_env_config(const struct drop_paths *p, const char *id, bool mount_cwd,
			     char **out, struct drop_err *err)
{
	autofree char *cwd = NULL;
	autofree char *header = NULL;
	autofree char *env = NULL;
	char *s = NULL;
	int n;

	if (asprintf(&header, "# drop environment \"%s\" (see drop.ini(5)).\n[drop]\ninclude = base.ini\n", id) < 0 ||
	    asprintf(&env, "\n[env]\n# The environment's id in Debian's and Ubuntu's default prompt.\n"
			   "set = debian_chroot=%s\n", id) < 0)
		return err_sys(err, 0, "out of memory");
	if (mount_cwd && env_cwd_is_project(p)) {
		if (strpbrk(p->cwd, ":;#\n") || strstr(p->cwd, "//"))
			return err_set(err, 0, "cannot mount the current directory '%s': its path has ':', ';' or '#'; use --no-cwd and add a mount by hand", p->cwd);
		if (!(cwd = config_path_for(p, p->cwd)))
			return err_sys(err, 0, "out of memory");
	}
	/* The project's .git follows the [fs] git rule at every run (SPEC 5): no line for it here. */
	if (cwd)
		n = asprintf(&s, "%s\n[fs]\n# The project, read-write (its .git read-only: [fs] git).\nmount = %s::rw\n%s",
			     header, cwd, env);
	else
		n = asprintf(&s, "%s%s", header, env);
	if (n < 0)
		return err_sys(err, 0, "out of memory");
	*out = s;
	return 0;
}

/* Write path exclusively: a concurrent init or an existing file makes it fail. */
static int write_new_file(const char *path, const char *data, struct drop_err *err)
{
	autoclose int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	size_t len = strlen(data);

	if (fd < 0)
		return err_sys(err, 0, "cannot create %s", path);
	if (sys_write_all(fd, data, len) < 0 || fsync(fd) < 0) {
		err_sys(err, 0, "cannot write %s", path);
		unlink(path);
		return -1;
	}
	return 0;
}

static int ensure_base_config(const struct drop_paths *p, char **wrote_base, struct drop_err *err)
{
	autofree char *base = paths_base_config(p);

	if (!base)
		return err_sys(err, 0, "out of memory");
	if (path_exists(base))
		return 0;
	if (write_new_file(base, base_ini_template, err) < 0)
		return -1;
	*wrote_base = steal_ptr(&base);
	return 0;
}

/* The project directory, in envs/ID where no sandbox writes (SPEC 2.1). */
static int write_project(const char *dir, const char *project)
{
	autoclose int dfd = open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	return dfd < 0 ? -1 : write_file_at(dfd, ENV_PROJECT_FILE, project, strlen(project), 0600);
}

/* Build the data directories under a temporary name, then rename into place. */
static int create_data_dir(const struct drop_paths *p, const char *id, const char *project, struct drop_err *err)
{
	autofree char *dir = paths_env_dir(p, id);
	autofree char *tmp = NULL;

	if (!dir || asprintf(&tmp, "%s.new-%d", dir, (int)getpid()) < 0)
		return err_sys(err, 0, "out of memory");
	if (mkdir(tmp, 0700) < 0)
		return err_sys(err, 0, "cannot create %s", tmp);
	for (size_t i = 0; i < sizeof(env_subdirs) / sizeof(env_subdirs[0]); i++) {
		autofree char *sub = path_join(tmp, env_subdirs[i].name);
		if (!sub || mkdir(sub, 0700) < 0 || chmod(sub, env_subdirs[i].mode) < 0) {
			err_sys(err, 0, "cannot create %s", sub ? sub : tmp);
			remove_tree(tmp);
			return -1;
		}
	}
	if (project && write_project(tmp, project) < 0) {
		err_sys(err, 0, "cannot record the project directory in %s", tmp);
		remove_tree(tmp);
		return -1;
	}
	if (rename(tmp, dir) < 0) {
		err_sys(err, 0, "cannot create %s", dir);
		remove_tree(tmp);
		return -1;
	}
	return 0;
}

static int make_parent_dirs(const struct drop_paths *p, struct drop_err *err)
{
	autofree char *envs = path_join(p->data_dir, "envs");

	if (!envs)
		return err_sys(err, 0, "out of memory");
	if (mkdir_p(p->config_dir, 0700) < 0)
		return err_sys(err, 0, "cannot create %s", p->config_dir);
	if (mkdir_p(envs, 0700) < 0)
		return err_sys(err, 0, "cannot create %s", envs);
	return 0;
}

int env_create(const struct drop_paths *p, const char *id, bool mount_cwd, const char *project,
	       char **config_path, char **wrote_base, struct drop_err *err)
{
	autofree char *cfg = paths_env_config(p, id);
	autofree char *text = NULL;
	autofree char *base_written = NULL;

	*config_path = NULL;
	*wrote_base = NULL;
	if (!cfg)
		return err_sys(err, 0, "out of memory");
	if (env_exists(p, id) || path_exists(cfg))
		return err_set(err, 0, "environment %s already exists", id);
	if (render_env_config(p, id, mount_cwd, &text, err) < 0)
		return -1;
	if (make_parent_dirs(p, err) < 0)
		return -1;
	if (ensure_base_config(p, &base_written, err) < 0)
		return -1;
	if (create_data_dir(p, id, project, err) < 0 || write_new_file(cfg, text, err) < 0) {
		autofree char *dir = paths_env_dir(p, id);
		if (dir && !path_exists(cfg))
			remove_tree(dir);
		if (base_written)
			unlink(base_written);
		return -1;
	}
	*config_path = steal_ptr(&cfg);
	*wrote_base = steal_ptr(&base_written);
	return 0;
}

int env_remove(const struct drop_paths *p, const char *id, struct drop_err *err)
{
	autofree char *dir = paths_env_dir(p, id);
	autofree char *cfg = paths_env_config(p, id);

	if (!dir || !cfg)
		return err_sys(err, 0, "out of memory");
	if (!env_exists(p, id) && !path_exists(cfg))
		return err_set(err, 0, "environment %s does not exist", id);
	if (instance_env_running(p, id))
		return err_set(err, 0, "environment %s has a running instance; stop it first (see drop ps)", id);
	if (remove_tree(dir) < 0)
		return err_sys(err, 0, "cannot remove %s", dir);
	if (unlink(cfg) < 0 && errno != ENOENT)
		return err_sys(err, 0, "cannot remove %s", cfg);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int env_list(const struct drop_paths *p, char ***ids, struct drop_err *err)
{
	autofree char *envs = path_join(p->data_dir, "envs");
	struct strv list = { 0 };
	struct dirent *de;
	size_t n;
	DIR *dir;

	*ids = NULL;
	if (!envs)
		return err_sys(err, 0, "out of memory");
	dir = opendir(envs);
	if (!dir && errno != ENOENT)
		return err_sys(err, 0, "cannot read %s", envs);
	while (dir && (de = readdir(dir))) {
		if (!env_id_is_valid(de->d_name) || strstr(de->d_name, ".new-"))
			continue;
		if (strv_push(&list, de->d_name) < 0) {
			closedir(dir);
			strv_clear(&list);
			return err_sys(err, 0, "out of memory");
		}
	}
	if (dir)
		closedir(dir);
	n = list.n;
	*ids = strv_steal(&list);
	if (!*ids)
		return err_sys(err, 0, "out of memory");
	qsort(*ids, n, sizeof(char *), cmp_str);
	return 0;
}

char *env_project(const struct drop_paths *p, const char *id)
{
	autofree char *dir = paths_env_dir(p, id);
	autoclose int dfd = dir ? open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
	autofree char *text = NULL;
	size_t len = 0;

	if (dfd < 0 || read_file_at(dfd, ENV_PROJECT_FILE, PATH_MAX, READ_NOFOLLOW | READ_REGULAR | READ_TRUNCATE, &text,
				    &len) < 0)
		return NULL;
	return len > 0 && text[0] == '/' && strlen(text) == len ? steal_ptr(&text) : NULL;
}

/* Which environment holds dir: the one recorded for it, else a legacy one by its derived id. */
static int env_of_dir(const struct drop_paths *p, const char *id, const char *dir)
{
	autofree char *project = NULL;

	if (!env_exists(p, id))
		return 0;       /* free */
	project = env_project(p, id);
	if (!project || !strcmp(project, dir))
		return 1;       /* this directory's (or an environment of an earlier version) */
	return -1;              /* another project's */
}

int env_id_for_init(const struct drop_paths *p, char **id, struct drop_err *err)
{
	autofree char *derived = NULL;

	*id = NULL;
	if (!p->cwd)
		return err_set(err, 0, "cannot determine the current directory; give an ENV_ID");
	derived = env_id_from_path(p->cwd);
	if (!derived)
		return err_set(err, 0, "cannot derive an environment id from '%s'; give an ENV_ID", p->cwd);
	if (env_of_dir(p, derived, p->cwd) >= 0) {
		*id = steal_ptr(&derived);
		return 0;
	}
	for (int n = 2; n < 1000; n++) {
		if (asprintf(id, "%s-%d", derived, n) < 0) {
			*id = NULL;
			return err_sys(err, 0, "out of memory");
		}
		if (env_of_dir(p, *id, p->cwd) >= 0)
			return 0;
		free(*id);
		*id = NULL;
	}
	return err_set(err, 0, "no free environment id for '%s'; give an ENV_ID", p->cwd);
}

/*
 * Whether the project directory holds the cwd. One made in the home
 * directory or above it mounts nothing and is no project: it holds only its
 * own directory, or every run under $HOME would silently land in it.
 */
static bool holds(const struct drop_paths *p, const char *project)
{
	if (path_is_under(p->home, project))
		return !strcmp(p->cwd, project);
	return path_is_under(p->cwd, project);
}

int env_id_for_cwd(const struct drop_paths *p, char **id, struct drop_err *err)
{
	autostrv char **ids = NULL;
	autofree char *best_dir = NULL;
	const char *best = NULL;

	*id = NULL;
	if (!p->cwd)
		return err_set(err, 0, "cannot determine the current directory; use -e ID");
	if (env_list(p, &ids, err) < 0)
		return -1;
	for (size_t i = 0; ids[i]; i++) {
		autofree char *project = env_project(p, ids[i]);

		/* The nearest ancestor wins; among equals, the first id in sorted order. */
		if (project && holds(p, project) && (!best_dir || strlen(project) > strlen(best_dir))) {
			free(best_dir);
			best_dir = steal_ptr(&project);
			best = ids[i];
		}
	}
	if (best) {
		*id = strdup(best);
		return *id ? 0 : err_sys(err, 0, "out of memory");
	}
	/* None: an environment of an earlier version by its derived id, else the id init would create. */
	return env_id_for_init(p, id, err);
}
