/* cmd-ls.c: drop ls and drop rm: list and remove environments. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "cmd.h"
#include "env.h"
#include "load.h"
#include "util.h"

/* ls -l's last column: the app profile of an environment made by drop PROGRAM, else its config file. */
static char *profile_or_config(const struct drop_paths *p, const char *id, bool has_project)
{
	autofree char *profile = has_project ? NULL : profile_find(p, id);

	if (profile)
		return strdup(id);
	return paths_env_config(p, id);
}

static int print_long(const struct drop_paths *p, char **ids, struct drop_err *err)
{
	printf("%-24s  %-32s  %s\n", "ENV", "PROJECT", "PROFILE-OR-CONFIG");
	for (size_t i = 0; ids[i]; i++) {
		autofree char *project = env_project(p, ids[i]);
		autofree char *last = profile_or_config(p, ids[i], project != NULL);

		if (!last)
			return err_sys(err, DROP_FAIL, "out of memory");
		printf("%-24s  %-32s  %s\n", ids[i], project ? project : "-", last);
	}
	return 0;
}

int cmd_ls(struct cmd_ctx *ctx, int argc, char **argv, struct drop_err *err)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
	autostrv char **ids = NULL;
	bool long_form = false;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "lh", opts, NULL)) != -1) {
		if (c == 'l')
			long_form = true;
		else if (c == 'h')
			return cmd_help(ctx->cmd);
		else
			return cmd_usage_error(ctx->cmd, err);
	}
	if (optind < argc)
		return cmd_usage_error(ctx->cmd, err);
	if (env_list(&ctx->paths, &ids, err) < 0)
		return DROP_FAIL;
	if (long_form)
		return print_long(&ctx->paths, ids, err) < 0 ? DROP_FAIL : DROP_OK;
	for (size_t i = 0; ids[i]; i++)
		printf("%s\n", ids[i]);
	return DROP_OK;
}

int cmd_rm(struct cmd_ctx *ctx, int argc, char **argv, struct drop_err *err)
{
	(void)argc;
	if (!env_id_is_valid(argv[0]))
		return err_set(err, DROP_FAIL, "invalid environment id '%s'", argv[0]), DROP_FAIL;
	if (env_remove(&ctx->paths, argv[0], err) < 0)
		return DROP_FAIL;
	return DROP_OK;
}
