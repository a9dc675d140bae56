/* cmd-init.c: drop init: create an environment (SPEC 2.1). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "cmd.h"
#include "env.h"
#include "util.h"

int cmd_init(struct cmd_ctx *ctx, int argc, char **argv, struct drop_err *err)
{
	static const struct option opts[] = {
		{ "no-cwd", no_argument, NULL, 'N' }, { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	autofree char *id = NULL;
	autofree char *config = NULL;
	autofree char *base = NULL;
	autofree char *derived = NULL;
	autofree char *taken = NULL;
	bool mount_cwd = true;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'N')
			mount_cwd = false;
		else if (c == 'h')
			return cmd_help(ctx->cmd);
		else
			return cmd_usage_error(ctx->cmd, err);
	}
	if (argc - optind > 1)
		return cmd_usage_error(ctx->cmd, err);
	if (optind < argc) {
		if (!env_id_is_valid(argv[optind]))
			return err_set(err, DROP_FAIL, "invalid environment id '%s'", argv[optind]), DROP_FAIL;
		id = strdup(argv[optind]);
	} else if (env_id_for_init(&ctx->paths, &id, err) < 0) {
		return DROP_FAIL;
	} else if (!env_exists(&ctx->paths, id) && (derived = env_id_from_path(ctx->paths.cwd)) && strcmp(derived, id)) {
		taken = env_project(&ctx->paths, derived);
	}
	if (!id)
		return err_sys(err, DROP_FAIL, "out of memory"), DROP_FAIL;
	if (env_create(&ctx->paths, id, mount_cwd, ctx->paths.cwd, &config, &base, err) < 0)
		return DROP_FAIL;
	if (base)
		fprintf(stderr, "Wrote base config to %s\n", base);
	if (taken)
		fprintf(stderr, "The id %s belongs to %s; this environment is %s\n", derived, taken, id);
	fprintf(stderr, "Environment created with config at %s\n", config);
	return DROP_OK;
}
