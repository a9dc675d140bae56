/* cmd-run.c: drop run and the `drop PROGRAM` shorthand: arguments in, a finished run out. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "cmd.h"
#include "config.h"
#include "env.h"
#include "gui-plan.h"
#include "instance.h"
#include "load.h"
#include "parent-dbus-proxy.h"
#include "parent-net.h"
#include "parent.h"
#include "plan.h"
#include "report.h"
#include "sys.h"
#include "util.h"

extern char **environ;

/* A command-line value waiting to be appended after every file (flags come last). */
struct flag_value {
	enum cfg_key key;
	const char *value;
};

struct run_opts {
	const char *env_id;
	const char *config_file;
	struct strv profiles;
	bool as_root;
	struct flag_value flags[256];
	size_t n_flags;
	const char *report;
	bool best_effort;
	char **argv;
};

enum { OPT_REPORT = 0x100, OPT_BEST_EFFORT, OPT_KEY = 0x200 /* + enum cfg_key */ };

/* drop run's own options; the config keys' flags come from the key table. */
static const struct option own_options[] = {
	{ "env", required_argument, NULL, 'e' },
	{ "config", required_argument, NULL, 'c' },
	{ "profile", required_argument, NULL, 'p' },
	{ "root", no_argument, NULL, 'r' },
	{ "report", required_argument, NULL, OPT_REPORT },
	{ "best-effort-limits", no_argument, NULL, OPT_BEST_EFFORT },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
};
#define N_OWN (sizeof(own_options) / sizeof(own_options[0]))

/* What getopt_long returns for a key's flag: its letter, or OPT_KEY + the key. */
static int key_opt(enum cfg_key k)
{
	const struct cfg_flag *f = cfg_key_info(k)->flag;

	return f && f->letter ? f->letter : OPT_KEY + (int)k;
}

/* The option table and short options of drop run: its own, then one per key with a flag. */
static void build_options(struct option *opts, char *shorts, size_t shorts_len)
{
	size_t n = N_OWN;

	memcpy(opts, own_options, sizeof(own_options));
	snprintf(shorts, shorts_len, "+:e:c:p:rqvh");
	for (int k = 0; k < CFG_KEY_COUNT; k++) {
		const struct cfg_flag *f = cfg_key_info((enum cfg_key)k)->flag;

		if (!f)
			continue;
		opts[n++] = (struct option){ f->name, required_argument, NULL, key_opt((enum cfg_key)k) };
		if (f->letter)
			snprintf(shorts + strlen(shorts), shorts_len - strlen(shorts), "%c:", f->letter);
	}
	opts[n] = (struct option){ NULL, 0, NULL, 0 };
}

static int add_flag(struct run_opts *o, int opt, const char *value, struct drop_err *err)
{
	for (int k = 0; k < CFG_KEY_COUNT; k++) {
		if (!cfg_key_info((enum cfg_key)k)->flag || key_opt((enum cfg_key)k) != opt)
			continue;
		if (o->n_flags == sizeof(o->flags) / sizeof(o->flags[0]))
			return err_set(err, DROP_ESETUP, "too many command-line options");
		o->flags[o->n_flags++] = (struct flag_value){ (enum cfg_key)k, value };
		return 0;
	}
	return err_set(err, DROP_ESETUP, "internal error: option %d has no key", opt);
}

/* "  -m, --mount SPEC        add a mount", or "  --memory SIZE ..." for a key without a letter. */
static void print_key_option(FILE *out, const struct cfg_flag *f)
{
	char left[64];

	if (f->letter)
		snprintf(left, sizeof(left), "-%c, --%s %s", f->letter, f->name, f->metavar);
	else
		snprintf(left, sizeof(left), "--%s %s", f->name, f->metavar);
	fprintf(out, "  %-22s  %s\n", left, f->help);
}

void cmd_run_help(FILE *out)
{
	fputs("  -e, --env ID            environment (default: derived from the current directory)\n"
	      "  -c, --config FILE       use FILE instead of CONFIG_DIR/ID.ini\n"
	      "  -p, --profile NAME      also apply app profile NAME\n"
	      "  -r, --root              be uid/gid 0 inside (grants nothing outside)\n", out);
	for (int k = 0; k < CFG_KEY_COUNT; k++) {
		const struct cfg_flag *f = cfg_key_info((enum cfg_key)k)->flag;

		if (f)
			print_key_option(out, f);
	}
	fputs("  --report FILE           write a JSON report of the run\n"
	      "  --best-effort-limits    run even if a limit cannot be enforced\n"
	      "  -q, --quiet / -v, --verbose\n", out);
}

static int parse_run_opts(struct cmd_ctx *ctx, int argc, char **argv, struct run_opts *o, struct drop_err *err)
{
	struct option opts[N_OWN + CFG_KEY_COUNT + 1];
	char shorts[3 * CFG_KEY_COUNT + 32];
	int c;

	build_options(opts, shorts, sizeof(shorts));
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, shorts, opts, NULL)) != -1) {
		switch (c) {
		case 'e':
			o->env_id = optarg;
			break;
		case 'c':
			o->config_file = optarg;
			break;
		case 'p':
			if (strv_push(&o->profiles, optarg) < 0)
				return err_sys(err, DROP_ESETUP, "out of memory");
			break;
		case 'r':
			o->as_root = true;
			break;
		case 'q':
			ctx->verbosity = V_QUIET;
			break;
		case 'v':
			ctx->verbosity = V_VERBOSE;
			break;
		case OPT_REPORT:
			o->report = optarg;
			break;
		case OPT_BEST_EFFORT:
			o->best_effort = true;
			break;
		case 'h':
			printf("usage: %s; see 'drop --help'\n", ctx->cmd->usage);
			return 1;
		case ':':
			return err_set(err, DROP_ESETUP, "option '%s' needs a value; see 'drop --help'", argv[optind - 1]);
		case '?':
			return err_set(err, DROP_ESETUP, "unknown option '%s'; see 'drop --help'", argv[optind - 1]);
		default:
			if (add_flag(o, c, optarg, err) < 0)
				return -1;
		}
	}
	o->argv = argv + optind;
	return 0;
}

static int resolve_env_id(struct cmd_ctx *ctx, struct run_opts *o, char **id, struct drop_err *err)
{
	if (o->env_id) {
		if (!env_id_is_valid(o->env_id))
			return err_set(err, DROP_ESETUP, "invalid environment id '%s'", o->env_id);
		*id = strdup(o->env_id);
		return *id ? 0 : err_sys(err, DROP_ESETUP, "out of memory");
	}
	if (env_id_for_cwd(&ctx->paths, id, err) < 0) {
		err->status = DROP_ESETUP;
		return -1;
	}
	return 0;
}

static int apply_flags(struct drop_config *c, const struct run_opts *o, struct drop_err *err)
{
	for (size_t i = 0; i < o->n_flags; i++)
		if (config_add(c, o->flags[i].key, o->flags[i].value, CFG_ORIGIN_CMDLINE, 0, err) < 0)
			return -1;
	return 0;
}

static void print_notes(const struct cmd_ctx *ctx, const struct drop_config *c)
{
	for (size_t i = 0; i < c->notes.n; i++)
		log_at(ctx->verbosity, V_VERBOSE, "%s", c->notes.v[i].value);
}

/* Everything is validated before any namespace exists. */
static int load_settings(struct cmd_ctx *ctx, const struct run_opts *o, const char *id,
			 struct drop_config *config, struct drop_settings *settings, struct drop_err *err)
{
	struct load_request req = {
		.paths = &ctx->paths,
		.env_id = id,
		.config_file = o->config_file,
		.profiles = o->profiles.v,
	};

	if (load_config(config, &req, err) < 0 || load_cwd_mount(config, &ctx->paths, id, true, err) < 0 ||
	    apply_flags(config, o, err) < 0 ||
	    config_resolve(config, ctx->paths.home, settings, err) < 0) {
		err->status = DROP_ESETUP;
		return -1;
	}
	print_notes(ctx, config);
	return 0;
}

struct run_state {
	struct timespec t0;
	struct drop_config config;
	struct drop_settings settings;
	struct drop_setup setup;
	struct instance instance;
	struct limits limits;
	struct parent_outcome outcome;
	struct gui_plan gui;
	struct proxy_tally tally;      /* filtered network: what the proxy did */
	char *pasta;
	char *id;
};

static void run_state_free(struct run_state *s)
{
	config_free(&s->config);
	settings_free(&s->settings);
	setup_free(&s->setup);
	limits_cgroup_destroy(&s->limits);
	limits_free(&s->limits);
	gui_plan_free(&s->gui);
	proxy_tally_free(&s->tally);
	instance_destroy(&s->instance);
	free(s->pasta);
	free(s->id);
}

/* Limits go to the cgroup or, as rlimits, to the program's process (SPEC 6). */
static int plan_limits(struct cmd_ctx *ctx, const struct run_opts *o, struct run_state *s, struct drop_err *err)
{
	char line[512];

	if (limits_plan(&s->settings, o->best_effort, ctx->paths.uid, &s->limits, err) < 0) {
		err->status = DROP_ESETUP;
		return -1;
	}
	limits_describe(&s->limits, line, sizeof(line));
	log_at(ctx->verbosity, V_VERBOSE, "%s", line);
	if (s->limits.unenforced[0]) {
		size_t used = 0;

		line[0] = '\0';
		for (size_t i = 0; s->limits.unenforced[i] && used < sizeof(line); i++)
			used += (size_t)snprintf(line + used, sizeof(line) - used, "%s%s", i ? ", " : "",
						 s->limits.unenforced[i]);
		/* SPEC 6: a limit dropped by --best-effort-limits is said, one line, unless -q. */
		log_at(ctx->verbosity, V_NORMAL, "not enforcing %s: no mechanism for it here (--best-effort-limits); "
		       "see 'drop doctor'", line);
	}
	return 0;
}

static void pass_rlimits(struct run_state *s)
{
	uint64_t as = 0, nproc = 0;

	limits_rlimit_values(&s->limits, &as, &nproc);
	s->setup.rlimit_as_kib = (uint32_t)(as / 1024 > UINT32_MAX ? UINT32_MAX : as / 1024);
	s->setup.rlimit_nproc = (uint32_t)(nproc > UINT32_MAX ? UINT32_MAX : nproc);
}

/*
 * Whether the instance directory must hold files before the sandbox starts:
 * the per-run resolv.conf and pasta's pid and log, the Xauthority copy, the
 * D-Bus proxy's socket. Otherwise the parent creates it while the child
 * builds the root, off the start-up's critical path.
 */
static bool needs_files_before_start(const struct drop_settings *s)
{
	return s->net == NET_ISOLATED || s->x11 || s->dbus == DBUS_FILTERED;
}

static int execute(struct cmd_ctx *ctx, struct run_opts *o, struct run_state *s, struct drop_err *err)
{
	struct plan_input plan = {
		.paths = &ctx->paths, .config = &s->config, .settings = &s->settings, .argv = o->argv,
		.host_env = environ, .as_root = o->as_root, .verbosity = ctx->verbosity,
	};
	struct parent_input in = { .setup = &s->setup, .settings = &s->settings, .instance = &s->instance,
				   .verbosity = ctx->verbosity, .limits = &s->limits, .out = &s->outcome,
				   .stale_under = &ctx->paths };

	if (resolve_env_id(ctx, o, &s->id, err) < 0)
		return -1;
	if (!env_exists(&ctx->paths, s->id))
		return err_set(err, DROP_ESETUP, "environment \"%s\" doesn't exist, run 'drop init %s' to create it",
			       s->id, s->id);
	config_init(&s->config);
	if (load_settings(ctx, o, s->id, &s->config, &s->settings, err) < 0 || plan_limits(ctx, o, s, err) < 0)
		return -1;
	if (s->settings.net == NET_ISOLATED && net_find_pasta(&s->pasta, err) < 0)
		return -1;
	if (instance_name(&ctx->paths, s->id, &s->instance, err) < 0 ||
	    (needs_files_before_start(&s->settings) && instance_open(&s->instance, err) < 0)) {
		err->status = DROP_ESETUP;
		return -1;
	}
	if (s->settings.net == NET_ISOLATED && net_write_resolv_conf(s->instance.dir, err) < 0)
		return -1;
	if (gui_prepare(&s->settings, s->instance.dir, environ, &s->gui, err) < 0)
		return -1;
	for (size_t i = 0; s->gui.notes && s->gui.notes[i]; i++)
		log_at(ctx->verbosity, V_VERBOSE, "%s", s->gui.notes[i]);
	/* Before plan_setup: the proxy's socket is a mount source and must exist. */
	if (dbus_proxy_start(&s->gui, err) < 0)
		return -1;
	plan.gui = &s->gui;
	plan.proxy_port = s->settings.net == NET_FILTERED ? s->settings.proxy.port : 0;
	plan.env_id = s->id;
	plan.run_dir = s->instance.dir;
	if (plan_setup(&plan, &s->setup, err) < 0)
		return -1;
	pass_rlimits(s);
	in.pasta = s->pasta;
	in.proxy = s->settings.net == NET_FILTERED ? &s->settings.proxy : NULL;
	in.tally = &s->tally;
	in.timeout_ms = s->settings.timeout_ms;
	in.max_output = s->settings.max_output;
	return parent_run(&in, err);
}

static uint64_t ms_between(const struct timespec *a, const struct timespec *b)
{
	int64_t ns = (b->tv_sec - a->tv_sec) * 1000000000LL + (b->tv_nsec - a->tv_nsec);

	return ns > 0 ? (uint64_t)ns / 1000000 : 0;
}

static enum report_status run_end(const struct run_state *s, bool failed)
{
	const struct relay_result *end = &s->outcome.end;

	if (failed || !s->outcome.started)
		return REPORT_ERROR;
	if (end->timed_out)
		return REPORT_TIMED_OUT;
	if (!end->reported)
		return REPORT_KILLED;
	if (WIFEXITED(end->wait_status))
		return REPORT_EXITED;
	if (WTERMSIG(end->wait_status) == SIGKILL && limits_cgroup_oom(&s->limits))
		return REPORT_OOM_KILLED;
	return REPORT_SIGNALED;
}

static void fill_outcome(struct run_report *r, const struct run_state *s, int code)
{
	const struct relay_result *end = &s->outcome.end;
	uint64_t peak = 0;

	r->has_exit_code = r->status != REPORT_SIGNALED && r->status != REPORT_OOM_KILLED;
	r->exit_code = code;
	/* SPEC 6: a timed-out run exits 124, but exit_code is the program's: null when a signal ended it. */
	if (r->status == REPORT_TIMED_OUT && end->reported) {
		r->has_exit_code = WIFEXITED(end->wait_status);
		r->exit_code = r->has_exit_code ? WEXITSTATUS(end->wait_status) : 0;
	}
	if (end->reported && WIFSIGNALED(end->wait_status))
		r->signal = WTERMSIG(end->wait_status);
	if (s->outcome.started)
		r->startup_ms = ms_between(&s->t0, &s->outcome.started_at);
	/* The cgroup's figure covers the whole sandbox; else the program's own peak RSS. */
	if (limits_cgroup_peak(&s->limits, &peak) == 0) {
		r->has_peak_memory = true;
		r->peak_memory_bytes = peak;
	} else if (end->reported) {
		r->has_peak_memory = true;
		r->peak_memory_bytes = end->maxrss_kib * 1024;
	}
	r->stdout_truncated = end->truncated[0];
	r->stderr_truncated = end->truncated[1];
}

/* --report FILE, for every outcome; a report that cannot be written does not change the status. */
static void write_report(const struct run_opts *o, const struct run_state *s, int code, bool failed,
			 const struct drop_err *run_err)
{
	struct run_report r = {
		.env = s->id ? s->id : o->env_id,
		.argv = s->setup.argv ? s->setup.argv : o->argv,
		.error = failed ? run_err->msg : NULL,
		.limits = {
			.memory = s->settings.memory, .pids = s->settings.pids, .cpus_milli = s->settings.cpus_milli,
			.timeout_ms = s->settings.timeout_ms, .max_output = s->settings.max_output,
			.mechanism = limits_mechanism(&s->limits), .unenforced = s->limits.unenforced,
		},
		.network = {
			.filtered = s->settings.net == NET_FILTERED, .allowed = s->tally.allowed,
			.denied = s->tally.denied, .n_denied = s->tally.n_denied,
		},
	};
	struct drop_err err = { 0 };
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	r.status = run_end(s, failed);
	r.duration_ms = ms_between(&s->t0, &now);
	fill_outcome(&r, s, code);
	if (failed && !s->outcome.started)
		r.startup_ms = r.duration_ms;
	if (report_write(o->report, &r, &err) < 0)
		log_msg("%s", err.msg);
}

int cmd_run(struct cmd_ctx *ctx, int argc, char **argv, struct drop_err *err)
{
	struct run_opts o = { 0 };
	struct run_state s = { 0 };
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &s.t0);
	instance_init(&s.instance);
	limits_init(&s.limits);
	rc = parse_run_opts(ctx, argc, argv, &o, err);
	if (rc > 0) {
		rc = DROP_OK;
		goto out;
	}
	/* A report path that cannot work is found before anything starts. */
	if (rc == 0 && o.report && report_check_path(o.report, err) < 0) {
		err->status = DROP_ESETUP;
		rc = -1;
		goto out;
	}
	if (rc == 0)
		rc = execute(ctx, &o, &s, err);
	if (rc < 0 && !err->status)
		err->status = DROP_ESETUP;
	if (o.report)
		write_report(&o, &s, rc < 0 ? err->status : rc, rc < 0, err);
out:
	strv_clear(&o.profiles);
	run_state_free(&s);
	return rc < 0 ? err->status : rc;
}

/* SPEC 2.3: the profile named after the program, else "default" with a notice. */
static char *program_profile(struct cmd_ctx *ctx, const char *program, struct drop_err *err)
{
	autofree char *own = profile_find(&ctx->paths, program);
	autofree char *fallback = NULL;

	if (own)
		return strdup(program);
	fallback = profile_find(&ctx->paths, "default");
	if (!fallback) {
		err_set(err, DROP_ESETUP, "no profile '%s' and no 'default' profile in %s/profiles or %s/profiles",
			program, ctx->paths.config_dir, ctx->paths.sysconf_dir);
		return NULL;
	}
	log_at(ctx->verbosity, V_NORMAL, "no profile for '%s', using the default profile", program);
	return strdup("default");
}

/* Where PROGRAM stands after the run options that may precede it (SPEC 2.3); -1 on a bad option. */
static int program_index(int argc, char **argv, struct drop_err *err)
{
	struct option opts[N_OWN + CFG_KEY_COUNT + 1];
	char shorts[3 * CFG_KEY_COUNT + 32];
	autofree char **args = calloc((size_t)argc + 2, sizeof(char *));
	int c;

	if (!args)
		return err_sys(err, DROP_USAGE, "out of memory");
	args[0] = (char *)"drop";
	memcpy(args + 1, argv, (size_t)argc * sizeof(char *));
	build_options(opts, shorts, sizeof(shorts));
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc + 1, args, shorts, opts, NULL)) != -1) {
		if (c == ':')
			return err_set(err, DROP_USAGE, "option '%s' needs a value; see 'drop --help'", args[optind - 1]);
		if (c == '?')
			return err_set(err, DROP_USAGE, "unknown option '%s'; see 'drop --help'", args[optind - 1]);
	}
	if (optind > argc || !strcmp(args[optind - 1], "--"))
		return err_set(err, DROP_USAGE, "no PROGRAM after the options; see 'drop --help'");
	return optind - 1;
}

/* SPEC 2.3: PROGRAM is a profile's name or a program on the host's PATH; nothing is created otherwise. */
static int check_program(struct cmd_ctx *ctx, const char *program, const char *name, struct drop_err *err)
{
	autofree char *profile = profile_find(&ctx->paths, name);
	autofree char *found = NULL;
	const char *near;

	if (profile)
		return 0;
	if (strchr(program, '/') ? access(program, X_OK) == 0 : !!(found = sys_find_in_path(getenv("PATH"), program)))
		return 0;
	near = cmd_closest(program, 2);
	if (near)
		return err_set(err, DROP_ENOENT, "%s: command not found (did you mean 'drop %s'?)", program, near);
	return err_set(err, DROP_ENOENT, "%s: command not found", program);
}

int cmd_program(struct cmd_ctx *ctx, int argc, char **argv, struct drop_err *err)
{
	int first = argv[0][0] == '-' ? program_index(argc, argv, err) : 0;
	const char *slash, *id;
	autofree char *profile = NULL;
	autofree char *config = NULL;
	autofree char *base = NULL;
	autofree char **run_argv = NULL;
	bool created = false;
	int n = 0;
	int status;

	if (first < 0)
		return err->status;
	slash = strrchr(argv[first], '/');
	id = slash ? slash + 1 : argv[first];
	if (!env_id_is_valid(id))
		return err_set(err, DROP_ESETUP, "invalid environment id '%s'", id), DROP_ESETUP;
	if (check_program(ctx, argv[first], id, err) < 0)
		return err->status;
	profile = program_profile(ctx, id, err);
	if (!profile)
		return DROP_ESETUP;
	if (!env_exists(&ctx->paths, id)) {
		/* A project tool refused here creates nothing, base.ini included. */
		if (load_profile_cwd_check(&ctx->paths, profile, id, err) < 0)
			return DROP_ESETUP;
		/* As `drop init --no-cwd ID`: the cwd is mounted by [drop] cwd at each run, never in ID.ini. */
		if (env_create(&ctx->paths, id, false, NULL, &config, &base, err) < 0)
			return DROP_ESETUP;
		created = true;
		log_at(ctx->verbosity, V_VERBOSE, "created environment %s (config %s)", id, config);
	}
	run_argv = calloc((size_t)argc + 8, sizeof(char *));
	if (!run_argv)
		return err_sys(err, DROP_ESETUP, "out of memory"), DROP_ESETUP;
	run_argv[n++] = "run";
	run_argv[n++] = "-e";
	run_argv[n++] = (char *)id;
	run_argv[n++] = "-p";
	run_argv[n++] = profile;
	for (int i = 0; i < first; i++)
		run_argv[n++] = argv[i];
	run_argv[n++] = "--";
	for (int i = first; i < argc; i++)
		run_argv[n++] = argv[i];
	status = cmd_run(ctx, n, run_argv, err);
	/* A first use that failed before the program started (125, 126, 127) leaves nothing behind. */
	if (created && err->msg[0] && (status == DROP_ESETUP || status == DROP_ENOEXEC || status == DROP_ENOENT)) {
		struct drop_err ignored = { 0 };
		env_remove(&ctx->paths, id, &ignored);
	}
	return status;
}
