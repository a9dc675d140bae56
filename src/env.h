/* env.h: environments (SPEC 2.1): create without leaving half-made state, list, remove. */
#ifndef DROP_ENV_H
#define DROP_ENV_H

#include <stdbool.h>

#include "log.h"
#include "paths.h"

/* envs/ID/project: the directory init was run in (SPEC 2.1), out of every sandbox's reach. */
#define ENV_PROJECT_FILE "project"

/*
 * drop init without ENV_ID: the id derived from the cwd, or, when another
 * project directory holds it, the first free ID-2, ID-3...
 */
int env_id_for_init(const struct drop_paths *p, char **id, struct drop_err *err);
/*
 * run, enter and show-config without -e: the environment whose project is
 * the cwd or its nearest ancestor, as git finds its repository; else one of an
 * earlier version by its derived id; else the id init would create here.
 * An environment made in $HOME or above holds only that very directory.
 */
int env_id_for_cwd(const struct drop_paths *p, char **id, struct drop_err *err);
/* The recorded project directory of id, malloc'd, or NULL (none recorded). */
char *env_project(const struct drop_paths *p, const char *id);
bool env_exists(const struct drop_paths *p, const char *id);
/* Whether the cwd is a project directory: not /, not $HOME and not one of its parents. */
bool env_cwd_is_project(const struct drop_paths *p);
/*
 * Create environment id: base.ini first if missing (reported through
 * *wrote_base), then DATA_DIR/envs/ID and CONFIG_DIR/ID.ini. mount_cwd adds
 * the cwd rw; project (or NULL) is recorded as the environment's project
 * directory. On failure nothing new is left behind.
 */
int env_create(const struct drop_paths *p, const char *id, bool mount_cwd, const char *project,
	       char **config_path, char **wrote_base, struct drop_err *err);
int env_remove(const struct drop_paths *p, const char *id, struct drop_err *err);
/* Sorted, NULL-terminated list of ids. */
int env_list(const struct drop_paths *p, char ***ids, struct drop_err *err);

#endif
