/* load.c: the merge order of SPEC 3.2: system base, the env's config with includes, -p profiles, flags. */
#include "load.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtin.h"
#include "cleanup.h"
#include "env.h"
#include "sys.h"
#include "util.h"

/* path is a file, or a built-in's origin name from profile_find. */
int load_path(struct drop_config *c, const struct drop_paths *p, const char *path, struct drop_err *err)
{
	struct cfg_load_ctx ctx = { .home = p->home };
	size_t len;
	const char *text = builtin_is_origin(path) ? builtin_profile(path, &len) : NULL;

	if (text)
		return config_load_string(c, path, text, len, &ctx, err);
	return config_load_file(c, path, &ctx, err);
}

char *profile_find(const struct drop_paths *p, const char *name)
{
	const char *dirs[] = { p->config_dir, p->sysconf_dir };
	autofree char *file = NULL;
	char *path = NULL;
	size_t len;

	for (size_t i = 0; i < 2; i++) {
		if (asprintf(&path, "%s/profiles/%s.ini", dirs[i], name) < 0)
			return NULL;
		if (path_exists(path))
			return path;
		free(path);
		path = NULL;
	}
	if (asprintf(&file, "%s.ini", name) < 0)
		return NULL;
	if (!strchr(name, '/') && builtin_profile(file, &len) && asprintf(&path, "%s%s", BUILTIN_PREFIX, file) < 0)
		return NULL;
	return path;
}

static int load_profiles(struct drop_config *c, const struct load_request *r, struct drop_err *err)
{
	for (size_t i = 0; r->profiles && r->profiles[i]; i++) {
		autofree char *path = profile_find(r->paths, r->profiles[i]);
		if (!path)
			return err_set(err, DROP_ESETUP, "profile '%s' not found in %s/profiles, %s/profiles or the built-in profiles",
				       r->profiles[i], r->paths->config_dir, r->paths->sysconf_dir);
		if (load_path(c, r->paths, path, err) < 0)
			return -1;
	}
	return 0;
}

int load_config(struct drop_config *c, const struct load_request *r, struct drop_err *err)
{
	autofree char *system_base = path_join(r->paths->sysconf_dir, "base.ini");
	autofree char *env_config = r->config_file ? strdup(r->config_file) : paths_env_config(r->paths, r->env_id);

	if (!system_base || !env_config)
		return err_sys(err, DROP_ESETUP, "out of memory");
	if (path_exists(system_base) && load_path(c, r->paths, system_base, err) < 0)
		return -1;
	if (load_path(c, r->paths, env_config, err) < 0)
		return -1;
	return load_profiles(c, r, err);
}

int load_cwd_mount(struct drop_config *c, const struct drop_paths *p, const char *name, bool strict,
		   struct drop_err *err)
{
	const struct cfg_entry *e = config_last(c, CFG_DROP_CWD);
	autofree char *spec = NULL;

	if (!e || e->as.choice == CWD_NO)
		return 0;
	if (!env_cwd_is_project(p)) {
		if (!strict)
			return 0;
		return err_set(err, DROP_ESETUP, "%s works on a project directory; cd into one first", name);
	}
	/* getcwd gives an absolute, normalized path; ':' is the one thing a mount spec cannot hold. */
	if (strchr(p->cwd, ':'))
		return err_set(err, DROP_ESETUP,
			       "cannot mount the current directory '%s' ([drop] cwd): its path has ':'; "
			       "run from a directory without one", p->cwd);
	if (asprintf(&spec, "%s::%s", p->cwd, e->as.choice == CWD_RW ? "rw" : "ro") < 0)
		return err_sys(err, DROP_ESETUP, "out of memory");
	if (config_add(c, CFG_FS_MOUNT, spec, CFG_ORIGIN_CWD, 0, err) < 0) {
		err->status = DROP_ESETUP;
		return -1;
	}
	return 0;
}

int load_profile_cwd_check(const struct drop_paths *p, const char *profile, const char *name,
			   struct drop_err *err)
{
	autofree char *system_base = path_join(p->sysconf_dir, "base.ini");
	autofree char *path = profile_find(p, profile);
	struct drop_config c;
	int rc = -1;

	config_init(&c);
	if (!system_base || !path)
		err_sys(err, DROP_ESETUP, "out of memory");
	else if ((!path_exists(system_base) || load_path(&c, p, system_base, err) == 0) &&
		 load_path(&c, p, path, err) == 0)
		rc = load_cwd_mount(&c, p, name, true, err);
	if (rc < 0)
		err->status = DROP_ESETUP;
	config_free(&c);
	return rc;
}
