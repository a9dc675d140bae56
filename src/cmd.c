/* cmd.c: the subcommand table: each entry's name, usage line and argument counts, and running one. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "util.h"

/*
 * An entry with args_min >= 0 takes no options but -h/--help: cmd_exec checks
 * them and the argument count, and its run gets the arguments alone. An entry
 * with args_min = -1 parses its own options and gets argv from its name on.
 */
static const struct cmd_entry commands[] = {
	{ "init", "drop init [ENV_ID] [--no-cwd]", -1, 0, DROP_USAGE, cmd_init },
	{ "run", "drop run [OPTIONS] [--] [COMMAND [ARG...]]", -1, 0, DROP_ESETUP, cmd_run },
	{ "enter", "drop enter [-e ENV_ID | INSTANCE] [--] [COMMAND [ARG...]]", -1, 0, DROP_ESETUP, cmd_enter },
	{ "ls", "drop ls [-l]", -1, 0, DROP_USAGE, cmd_ls },
	{ "rm", "drop rm ENV_ID", 1, 1, DROP_USAGE, cmd_rm },
	{ "show-config", "drop show-config [-e ENV_ID] [-p PROFILE]...", -1, 0, DROP_USAGE, cmd_show_config },
	{ "profiles", "drop profiles", 0, 0, DROP_USAGE, cmd_profiles },
	{ "ps", "drop ps", 0, 0, DROP_USAGE, cmd_ps },
	{ "doctor", "drop doctor", 0, 0, DROP_USAGE, cmd_doctor },
};

const struct cmd_entry *cmd_find(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

const char *cmd_closest(const char *word, size_t max_edits)
{
	const char *best = NULL;
	size_t best_d = max_edits + 1;

	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		size_t d = edit_distance(word, commands[i].name);

		if (d < best_d) {
			best_d = d;
			best = commands[i].name;
		}
	}
	return best;
}

void cmd_print_usages(FILE *out)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %s\n", commands[i].usage);
}

int cmd_help(const struct cmd_entry *e)
{
	printf("usage: %s\n", e->usage);
	return DROP_OK;
}

int cmd_usage_error(const struct cmd_entry *e, struct drop_err *err)
{
	return err_set(err, e->usage_status, "usage: %s", e->usage), e->usage_status;
}

/* -h/--help and the argument count of an entry without options of its own. */
static int exec_plain(const struct cmd_entry *e, struct cmd_ctx *ctx, int argc, char **argv,
		      struct drop_err *err)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 } };
	int c, n;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1)
		return c == 'h' ? cmd_help(e) : cmd_usage_error(e, err);
	n = argc - optind;
	if (n < e->args_min || n > e->args_max)
		return cmd_usage_error(e, err);
	return e->run(ctx, n, argv + optind, err);
}

int cmd_exec(const struct cmd_entry *e, struct cmd_ctx *ctx, int argc, char **argv,
	     struct drop_err *err)
{
	ctx->cmd = e;
	if (e->args_min >= 0)
		return exec_plain(e, ctx, argc, argv, err);
	optind = 1;
	return e->run(ctx, argc, argv, err);
}
