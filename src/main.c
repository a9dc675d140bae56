/* main.c: entry point: global options, subcommand table lookup, the one place errors are printed. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "instance.h"

static void print_help(FILE *out)
{
	fputs("usage: drop [-q|-v] COMMAND [ARGS...]\n"
	      "       drop [-q|-v] PROGRAM [ARG...]     run PROGRAM with its app profile\n\n"
	      "Commands:\n", out);
	cmd_print_usages(out);
	fputs("\nOptions of drop run:\n", out);
	cmd_run_help(out);
	fputs("\nSee drop(1) and drop.ini(5).\n", out);
}

/* Global options stand before the subcommand; returns the index of the subcommand or -1 to exit. */
static int parse_global(int argc, char **argv, struct cmd_ctx *ctx, int *status)
{
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			ctx->verbosity = V_QUIET;
		} else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
			ctx->verbosity = V_VERBOSE;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			print_help(stdout);
			*status = DROP_OK;
			return -1;
		} else if (!strcmp(a, "--version")) {
			printf("drop %s\n", DROP_VERSION);
			*status = DROP_OK;
			return -1;
		} else {
			break; /* run options before PROGRAM (SPEC 2.3) */
		}
	}
	if (i >= argc) {
		print_help(stderr);
		*status = DROP_USAGE;
		return -1;
	}
	return i;
}

int main(int argc, char **argv)
{
	struct cmd_ctx ctx = { .verbosity = V_NORMAL, .progname = argv[0] };
	struct drop_err err = { 0 };
	const struct cmd_entry *cmd;
	int status = DROP_OK;
	int first = parse_global(argc, argv, &ctx, &status);
	bool is_run;

	if (first < 0)
		return status;
	cmd = cmd_find(argv[first]);
	/* drop PROGRAM is drop run; both clean stale instances once the program runs. */
	is_run = !cmd || cmd->run == cmd_run;
	if (paths_init(&ctx.paths, &err) < 0) {
		log_msg("%s", err.msg);
		paths_free(&ctx.paths);
		return is_run ? DROP_ESETUP : DROP_FAIL;
	}
	if (!is_run)
		instance_clean_stale(&ctx.paths);
	if (cmd) {
		status = cmd_exec(cmd, &ctx, argc - first, argv + first, &err);
	} else {
		ctx.cmd = cmd_find("run");
		optind = 1;
		status = cmd_program(&ctx, argc - first, argv + first, &err);
	}
	if (err.msg[0])
		log_msg("%s", err.msg);
	paths_free(&ctx.paths);
	return status;
}
