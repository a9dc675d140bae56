/* load.h: the merge order of SPEC 3.2: system base, the env's config with includes, -p profiles, flags. */
#ifndef DROP_LOAD_H
#define DROP_LOAD_H

#include <stdbool.h>

#include "config.h"
#include "log.h"
#include "paths.h"

struct load_request {
	const struct drop_paths *paths;
	const char *env_id;
	const char *config_file;     /* -c FILE, or NULL for CONFIG_DIR/ID.ini */
	char *const *profiles;       /* -p NAMEs, NULL-terminated or NULL */
};

/* Load everything but the command-line flags into c (which the caller initialised). */
int load_config(struct drop_config *c, const struct load_request *r, struct drop_err *err);

/*
 * CONFIG_DIR/profiles/NAME.ini, else SYSCONF_DIR/profiles/NAME.ini, else the
 * built-in's origin name "built-in:NAME.ini"; NULL if none exists.
 */
char *profile_find(const struct drop_paths *p, const char *name);
/* Load a file or a built-in (its origin name, as profile_find returns it) with its includes into c. */
int load_path(struct drop_config *c, const struct drop_paths *p, const char *path, struct drop_err *err);

/*
 * SPEC 2.3: with [drop] cwd = ro or rw (the last value in c), append a mount
 * of the current directory at its own path, origin CFG_ORIGIN_CWD. Call it
 * after the files and before the command-line flags (the merge order), so a
 * broader mount in a file cannot cover the project and its .git rule. When
 * the cwd is /, $HOME or one of its parents: strict (a run) fails with
 * "NAME works on a project directory; cd into one first" (DROP_ESETUP),
 * otherwise (show-config) nothing is added.
 */
int load_cwd_mount(struct drop_config *c, const struct drop_paths *p, const char *name, bool strict,
		   struct drop_err *err);

/*
 * drop PROGRAM before it creates the environment: the system base and the
 * profile alone decide cwd; the same failure as load_cwd_mount's strict one.
 */
int load_profile_cwd_check(const struct drop_paths *p, const char *profile, const char *name,
			   struct drop_err *err);

#endif
