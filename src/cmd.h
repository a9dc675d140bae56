/* cmd.h: the subcommand table type and the context every subcommand receives. */
#ifndef DROP_CMD_H
#define DROP_CMD_H

#include <stddef.h>
#include <stdio.h>

#include "log.h"
#include "paths.h"

struct cmd_entry;

struct cmd_ctx {
	int verbosity;              /* enum drop_verbosity */
	struct drop_paths paths;
	const char *progname;
	const struct cmd_entry *cmd;  /* the subcommand running (run's for drop PROGRAM) */
};

/*
 * A subcommand returns drop's exit status. When it fails it fills err and
 * main prints "drop: MESSAGE" once.
 */
typedef int (*cmd_fn)(struct cmd_ctx *ctx, int argc, char **argv, struct drop_err *err);

/* A subcommand, as tmux's cmd_entry: its name, its usage line, and what it takes. */
struct cmd_entry {
	const char *name;
	const char *usage;    /* "drop rm ENV_ID", without "usage: " */
	int args_min;         /* -1: it parses its own options; else only -h and this many arguments... */
	int args_max;         /* ...up to this many */
	int usage_status;     /* exit status of a usage error (DROP_USAGE, or DROP_ESETUP for run/enter) */
	cmd_fn run;
};

/* The entry named name, or NULL (then the word is a PROGRAM for drop run). */
const struct cmd_entry *cmd_find(const char *name);
/* The subcommand name within max_edits edits of word, for "did you mean"; NULL if none. */
const char *cmd_closest(const char *word, size_t max_edits);
/* Every entry's usage line, indented, for drop --help. */
void cmd_print_usages(FILE *out);
/* Run e with argv[0] its name: -h and the argument count checked first unless it parses its own options. */
int cmd_exec(const struct cmd_entry *e, struct cmd_ctx *ctx, int argc, char **argv, struct drop_err *err);
/* "usage: LINE" on stdout; returns DROP_OK. */
int cmd_help(const struct cmd_entry *e);
/* "usage: LINE" in err; returns e's usage status. */
int cmd_usage_error(const struct cmd_entry *e, struct drop_err *err);

/* The entries' functions; rm, ps, profiles and doctor get their arguments alone in argv. */
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

#endif
