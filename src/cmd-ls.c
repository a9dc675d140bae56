/* cmd-ls.c: drop ls and drop rm: list and remove environments. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cleanup.h"
#include "cmd.h"
#include "env.h"
#include "util.h"

int cmd_ls(struct cmd_ctx *ctx, int argc, char **argv, struct drop_err *err)
{
	static const char usage[] = "usage: drop ls";
	autostrv char **ids = NULL;
	int rc = cmd_only_help(argc, argv, usage, err);

	if (rc >= 0)
		return rc;
	if (optind != argc)
		return cmd_usage_error(err, usage);
	if (env_list(&ctx->paths, &ids, err) < 0)
		return DROP_FAIL;
	for (size_t i = 0; ids[i]; i++)
		printf("%s\n", ids[i]);
	return DROP_OK;
}

int cmd_rm(struct cmd_ctx *ctx, int argc, char **argv, struct drop_err *err)
{
	static const char usage[] = "usage: drop rm ENV_ID";
	int rc = cmd_only_help(argc, argv, usage, err);

	if (rc >= 0)
		return rc;
	if (argc - optind != 1)
		return cmd_usage_error(err, usage);
	if (!env_id_is_valid(argv[optind]))
		return err_set(err, DROP_FAIL, "invalid environment id '%s'", argv[optind]), DROP_FAIL;
	if (env_remove(&ctx->paths, argv[optind], err) < 0)
		return DROP_FAIL;
	return DROP_OK;
}
