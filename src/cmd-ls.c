/* cmd-ls.c: drop ls and drop rm: list and remove environments. */
#include <stdio.h>
#include <string.h>

#include "cleanup.h"
#include "cmd.h"
#include "env.h"
#include "util.h"

int cmd_ls(struct cmd_ctx *ctx, int argc, char **argv, struct drop_err *err)
{
	autostrv char **ids = NULL;

	(void)argc;
	(void)argv;
	if (env_list(&ctx->paths, &ids, err) < 0)
		return DROP_FAIL;
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
