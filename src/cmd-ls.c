/* cmd-ls.c: drop ls and drop rm: list and remove environments. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cleanup.h"
#include "cmd.h"
#include "env.h"
#include "util.h"

/* No options besides --help; anything else is a usage error. */
static int only_help(int argc, char **argv, const char *usage, struct drop_err *err, bool *helped)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
	int c;

	*helped = false;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c != 'h')
			return cmd_usage_error(err, usage);
		printf("%s\n", usage);
		*helped = true;
	}
	return DROP_OK;
}

int cmd_ls(struct cmd_ctx *ctx, int argc, char **argv, struct drop_err *err)
{
	static const char usage[] = "usage: drop ls";
	autostrv char **ids = NULL;
	bool helped;
	int rc = only_help(argc, argv, usage, err, &helped);

	if (rc != DROP_OK || helped)
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
	bool helped;
	int rc = only_help(argc, argv, usage, err, &helped);

	if (rc != DROP_OK || helped)
		return rc;
	if (argc - optind != 1)
		return cmd_usage_error(err, usage);
	if (!env_id_is_valid(argv[optind]))
		return err_set(err, DROP_FAIL, "invalid environment id '%s'", argv[optind]), DROP_FAIL;
	if (env_remove(&ctx->paths, argv[optind], err) < 0)
		return DROP_FAIL;
	return DROP_OK;
}
