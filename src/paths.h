/* paths.h: where drop keeps things: CONFIG_DIR, DATA_DIR, SYSCONF_DIR (SPEC 3.1), and who the user is. */
#ifndef DROP_PATHS_H
#define DROP_PATHS_H

#include <sys/types.h>

#include "log.h"

struct drop_paths {
	char *home;         /* $HOME, else the passwd entry */
	char *user;         /* $USER, else the passwd entry */
	char *config_dir;   /* $DROP_HOME/config | ${XDG_CONFIG_HOME:-~/.config}/drop */
	char *data_dir;     /* $DROP_HOME | ${XDG_DATA_HOME:-~/.local/share}/drop */
	char *sysconf_dir;  /* $DROP_SYSCONF_DIR | SYSCONFDIR */
	char *cwd;          /* may be NULL if the cwd is gone */
	uid_t uid;
	gid_t gid;
};

int paths_init(struct drop_paths *p, struct drop_err *err);
void paths_free(struct drop_paths *p);

/* Each returns a malloc'd path or NULL on ENOMEM. */
char *paths_env_config(const struct drop_paths *p, const char *id);  /* CONFIG_DIR/ID.ini */
char *paths_env_dir(const struct drop_paths *p, const char *id);     /* DATA_DIR/envs/ID */
char *paths_base_config(const struct drop_paths *p);                 /* CONFIG_DIR/base.ini */
char *paths_run_dir(const struct drop_paths *p);                     /* DATA_DIR/run */

#endif
