/* env.h: environments (SPEC 2.1): create without leaving half-made state, list, remove. */
#ifndef DROP_ENV_H
#define DROP_ENV_H

#include <stdbool.h>

#include "log.h"
#include "paths.h"

/* Resolve the id for "drop init/run" without -e: derived from the cwd. */
int env_id_default(const struct drop_paths *p, char **id, struct drop_err *err);
bool env_exists(const struct drop_paths *p, const char *id);
/*
 * Create environment id: base.ini first if missing (reported through
 * *wrote_base), then DATA_DIR/envs/ID and CONFIG_DIR/ID.ini. mount_cwd adds
 * the cwd rw and its .git ro. On failure nothing new is left behind.
 */
int env_create(const struct drop_paths *p, const char *id, bool mount_cwd, char **config_path,
	       char **wrote_base, struct drop_err *err);
int env_remove(const struct drop_paths *p, const char *id, struct drop_err *err);
/* Sorted, NULL-terminated list of ids. */
int env_list(const struct drop_paths *p, char ***ids, struct drop_err *err);

#endif
