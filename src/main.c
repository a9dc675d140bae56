/* main.c: entry point: global options, subcommand table lookup, the one place errors are printed. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cmd.h"
#include "instance.h"

static const struct cmd_entry commands[] = {
	{ "init", cmd_init, "drop init [ENV_ID] [--no-cwd]" },
	{ "run", cmd_run, "drop run [OPTIONS] [--] [COMMAND [ARG...]]" },
	{ "enter", cmd_enter, "drop enter [-e ENV_ID | INSTANCE] [--] [COMMAND [ARG...]]" },
	{ "ls", cmd_ls, "drop ls" },
	{ "rm", cmd_rm, "drop rm ENV_ID" },
	{ "show-config", cmd_show_config, "drop show-config [-e ENV_ID | -p PROFILE]" },
	{ "profiles", cmd_profiles, "drop profiles" },
	{ "ps", cmd_ps, "drop ps" },
	{ "doctor", cmd_doctor, "drop doctor" },
};

static void print_help(FILE *out)
{
	fputs("usage: drop [-q|-v] COMMAND [ARGS...]\n"
	      "       drop [-q|-v] PROGRAM [ARG...]     run PROGRAM with its app profile\n\n"
	      "Commands:\n", out);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %s\n", commands[i].usage);
	fputs("\nOptions of drop run:\n"
	      "  -e, --env ID            environment (default: derived from the current directory)\n"
	      "  -c, --config FILE       use FILE instead of CONFIG_DIR/ID.ini\n"
	      "  -p, --profile NAME      also apply app profile NAME\n"
	      "  -r, --root              be uid/gid 0 inside (grants nothing outside)\n"
	      "  -m, --mount SPEC        add a mount (SRC[:DST][:rw])\n"
	      "  -b, --block PATH        add a blocked path\n"
	      "  -n, --net MODE          off, isolated, filtered or host\n"
	      "  -a, --allow ENTRY       with filtered: a host the sandbox may reach (repeatable)\n"
	      "  -t, --tcp-publish SPEC  publish a sandbox TCP port on the host\n"
	      "  -T, --tcp-host SPEC     make a host loopback TCP port reachable inside\n"
	      "  -u, --udp-publish SPEC  publish a sandbox UDP port on the host\n"
	      "  -U, --udp-host SPEC     make a host loopback UDP port reachable inside\n"
	      "  --memory SIZE, --pids N, --cpus N, --timeout DURATION, --max-output SIZE\n"
	      "  --report FILE           write a JSON report of the run\n"
	      "  --best-effort-limits    run even if a limit cannot be enforced\n"
	      "  -q, --quiet / -v, --verbose\n\n"
	      "See drop(1) and drop.ini(5).\n", out);
}

static const struct cmd_entry *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
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
			log_msg("unknown option '%s'; see 'drop --help'", a);
			*status = DROP_USAGE;
			return -1;
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
	bool is_program;

	if (first < 0)
		return status;
	cmd = find_command(argv[first]);
	is_program = cmd == NULL;
	if (paths_init(&ctx.paths, &err) < 0) {
		log_msg("%s", err.msg);
		paths_free(&ctx.paths);
		return is_program || !strcmp(argv[first], "run") ? DROP_ESETUP : DROP_FAIL;
	}
	/* drop run (and drop PROGRAM) does it once its program runs. */
	if (!is_program && strcmp(argv[first], "run"))
		instance_clean_stale(&ctx.paths);
	optind = 1;
	status = is_program ? cmd_program(&ctx, argc - first, argv + first, &err)
			    : cmd->run(&ctx, argc - first, argv + first, &err);
	if (err.msg[0])
		log_msg("%s", err.msg);
	paths_free(&ctx.paths);
	return status;
}
