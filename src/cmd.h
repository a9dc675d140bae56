/* cmd.h: the subcommand table type and the context every subcommand receives. */
#ifndef DROP_CMD_H
#define DROP_CMD_H

#include <stdio.h>

#include "log.h"
#include "paths.h"

struct cmd_ctx {
	int verbosity;              /* enum drop_verbosity */
	struct drop_paths paths;
	const char *progname;
};

/*
 * A subcommand returns drop's exit status. When it fails it fills err and
 * main prints "drop: MESSAGE" once.
 */
struct cmd_entry {
	const char *name;
	int (*run)(struct cmd_ctx *ctx, int argc, char **argv, struct drop_err *err);
	const char *usage;
};

int cmd_init(struct cmd_ctx *ctx, int argc, char **argv, struct drop_err *err);
int cmd_run(struct cmd_ctx *ctx, int argc, char **argv, struct drop_err *err);
int cmd_enter(struct cmd_ctx *ctx, int argc, char **argv, struct drop_err *err);
/* drop run's options, one line each, for drop --help. */
void cmd_run_help(FILE *out);
int cmd_program(struct cmd_ctx *ctx, int argc, char **argv, struct drop_err *err);
int cmd_ls(struct cmd_ctx *ctx, int argc, char **argv, struct drop_err *err);
int cmd_rm(struct cmd_ctx *ctx, int argc, char **argv, struct drop_err *err);
int cmd_show_config(struct cmd_ctx *ctx, int argc, char **argv, struct drop_err *err);
int cmd_ps(struct cmd_ctx *ctx, int argc, char **argv, struct drop_err *err);
int cmd_profiles(struct cmd_ctx *ctx, int argc, char **argv, struct drop_err *err);
int cmd_doctor(struct cmd_ctx *ctx, int argc, char **argv, struct drop_err *err);

/* Fill err with the usage line; returns DROP_USAGE. */
int cmd_usage_error(struct drop_err *err, const char *usage);
/*
 * For subcommands whose only option is -h/--help: returns -1 to go on (with
 * optind at the first argument), else the exit status (help printed, or a
 * usage error filled in err).
 */
int cmd_only_help(int argc, char **argv, const char *usage, struct drop_err *err);

#endif
