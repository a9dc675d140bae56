/* plan.h: turns the merged configuration into the child's setup message (mounts, environment, argv). */
#ifndef DROP_PLAN_H
#define DROP_PLAN_H

#include "config.h"
#include "gui-plan.h"
#include "log.h"
#include "paths.h"
#include "proto.h"

struct plan_input {
	const struct drop_paths *paths;
	const struct drop_config *config;      /* for [env] expose and set, in order */
	const struct drop_settings *settings;
	const char *env_id;
	const char *run_dir;
	char *const *argv;     /* command and arguments; NULL or empty: $SHELL, else /bin/sh */
	char *const *host_env; /* environ */
	int as_root;
	int verbosity;
	const struct gui_plan *gui; /* [gui] mounts and variables (gui_prepare), or NULL */
	unsigned proxy_port;        /* filtered network: the proxy's port inside, else 0 */
};

/* Fill setup (owned by the caller, free with setup_free). Missing mount sources are reported and left out. */
int plan_setup(const struct plan_input *in, struct drop_setup *setup, struct drop_err *err);

/* "${VAR}" expansion from the host environment (unset -> empty). malloc'd or NULL on error. */
char *plan_expand_vars(const char *value, char *const *host_env);

#endif
