/* load.c: the merge order of SPEC 3.2: system base, the env's config with includes, -p profiles, flags. */
#include "load.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builtin.h"
#include "cleanup.h"
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
