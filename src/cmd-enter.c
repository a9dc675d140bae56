/* cmd-enter.c: drop enter: a new command inside a running instance, under the same rules as drop run. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "cmd.h"
#include "config.h"
#include "env.h"
#include "gui.h"
#include "instance.h"
#include "load.h"
#include "parent.h"
#include "plan.h"
#include "sys.h"
#include "util.h"

extern char **environ;


static const char *const ns_names[NS_COUNT] = {
	[NS_USER] = "user", [NS_MNT] = "mnt", [NS_PID] = "pid", [NS_NET] = "net",
	[NS_IPC] = "ipc", [NS_UTS] = "uts", [NS_CGROUP] = "cgroup",
};

struct enter_state {
	struct instance_info *list;
	size_t n;
	const struct instance_info *target;
	struct join_target join;
	struct drop_config config;
	struct drop_settings settings;
	struct drop_setup setup;
	struct gui_plan gui;
};

static void enter_state_free(struct enter_state *s)
{
	for (int i = 0; i < NS_COUNT; i++)
		if (s->join.fd[i] >= 0)
			close(s->join.fd[i]);
	instance_info_free(s->list, s->n);
	config_free(&s->config);
	settings_free(&s->settings);
	setup_free(&s->setup);
	gui_plan_free(&s->gui);
}

static const struct instance_info *find_by_name(const struct enter_state *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->list[i].name, name))
			return &s->list[i];
	return NULL;
}

static int find_by_env(struct enter_state *s, const char *id, struct drop_err *err)
{
	for (size_t i = 0; i < s->n; i++) {
		if (strcmp(s->list[i].env, id))
			continue;
		if (s->target)
			return err_set(err, DROP_ESETUP, "several instances of %s are running (%s, %s); name one, see drop ps",
				       id, s->target->name, s->list[i].name);
		s->target = &s->list[i];
	}
	if (!s->target)
		return err_set(err, DROP_ESETUP, "no running instance of environment %s; see drop ps", id);
	return 0;
}

/*
 * pid 1 is not dumpable, so its namespaces are reached through one of its
 * children; the recorded user namespace proves that child is this instance's,
 * whatever has happened to the pids meanwhile.
 */
static int open_namespaces(struct enter_state *s, struct drop_err *err)
{
	char path[64];
	autofree char *children = NULL;
	char *save = NULL;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)s->target->pid, (int)s->target->pid);
	children = read_file(path, 65536);
	if (!children || !s->target->userns)
		return err_set(err, DROP_ESETUP, "instance %s is not running or is not ours; see drop ps", s->target->name);
	for (char *tok = strtok_r(children, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save)) {
		struct stat st;

		for (int i = 0; i < NS_COUNT; i++) {
			snprintf(path, sizeof(path), "/proc/%s/ns/%s", tok, ns_names[i]);
			s->join.fd[i] = open(path, O_RDONLY | O_CLOEXEC);
		}
		if (s->join.fd[NS_USER] >= 0 && fstat(s->join.fd[NS_USER], &st) == 0 &&
		    (unsigned long)st.st_ino == s->target->userns && s->join.fd[NS_MNT] >= 0 && s->join.fd[NS_PID] >= 0)
			return 0;
		for (int i = 0; i < NS_COUNT; i++) {
			if (s->join.fd[i] >= 0)
				close(s->join.fd[i]);
			s->join.fd[i] = -1;
		}
	}
	return err_set(err, DROP_ESETUP, "cannot enter instance %s: no process of it can be joined", s->target->name);
}

/* The same environment rules as the instance's own run: its env's config, merged and resolved again. */
static int plan_entry(struct cmd_ctx *ctx, struct enter_state *s, char **argv, struct drop_err *err)
{
	struct load_request req = { .paths = &ctx->paths, .env_id = s->target->env };
	autofree char *run_dir = paths_run_dir(&ctx->paths);
	autofree char *inst_dir = run_dir ? path_join(run_dir, s->target->name) : NULL;
	struct plan_input plan = {
		.paths = &ctx->paths, .config = &s->config, .settings = &s->settings, .env_id = s->target->env,
		.run_dir = inst_dir, .argv = argv, .host_env = environ, .verbosity = ctx->verbosity,
		/* The instance's own proxy, as it was started (a -n filtered on its command line included). */
		.proxy_port = s->target->proxy_port,
	};

	if (!inst_dir)
		return err_sys(err, DROP_ESETUP, "out of memory");
	if (load_config(&s->config, &req, err) < 0 || config_resolve(&s->config, ctx->paths.home, &s->settings, err) < 0) {
		err->status = DROP_ESETUP;
		return -1;
	}
	/* The instance's sockets are already in place: only the variables are wanted, no second proxy. */
	if (gui_prepare(&s->settings, inst_dir, environ, &s->gui, err) < 0)
		return -1;
	plan.gui = &s->gui;
	return plan_setup(&plan, &s->setup, err);
}

static bool looks_like_instance(const char *arg)
{
	const char *dash = strrchr(arg, '-');
	autofree char *id = dash ? strndup(arg, (size_t)(dash - arg)) : NULL;

	return id && dash[1] && strspn(dash + 1, "0123456789") == strlen(dash + 1) && env_id_is_valid(id);
}

static int choose_target(struct cmd_ctx *ctx, struct enter_state *s, const char *env_id, int argc, char **argv,
			 int *first_cmd, struct drop_err *err)
{
	autofree char *id = NULL;

	if (instance_list(&ctx->paths, &s->list, &s->n, err) < 0)
		return -1;
	if (env_id)
		return env_id_is_valid(env_id) ? find_by_env(s, env_id, err)
					       : err_set(err, DROP_ESETUP, "invalid environment id '%s'", env_id);
	/* An argument shaped like an instance name (ID-NNNN) names one; a command of
	 * that shape needs "--" before it. */
	if (*first_cmd < argc && strcmp(argv[*first_cmd - 1], "--") != 0 && looks_like_instance(argv[*first_cmd])) {
		s->target = find_by_name(s, argv[*first_cmd]);
		if (!s->target)
			return err_set(err, DROP_ESETUP, "instance %s is not running; see drop ps", argv[*first_cmd]);
		(*first_cmd)++;
		return 0;
	}
	if (env_id_for_cwd(&ctx->paths, &id, err) < 0)
		return -1;
	return find_by_env(s, id, err);
}

int cmd_enter(struct cmd_ctx *ctx, int argc, char **argv, struct drop_err *err)
{
	static const struct option opts[] = {
		{ "env", required_argument, NULL, 'e' }, { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	struct enter_state s = { 0 };
	struct parent_input in = { .verbosity = ctx->verbosity };
	const char *env_id = NULL;
	int status = -1;
	int c;

	for (int i = 0; i < NS_COUNT; i++)
		s.join.fd[i] = -1;
	config_init(&s.config);
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+e:h", opts, NULL)) != -1) {
		if (c == 'e') {
			env_id = optarg;
		} else if (c == 'h') {
			status = cmd_help(ctx->cmd);
			goto out;
		} else {
			cmd_usage_error(ctx->cmd, err);
			goto out;
		}
	}
	if (choose_target(ctx, &s, env_id, argc, argv, &optind, err) < 0 || open_namespaces(&s, err) < 0)
		goto out;
	if (optind < argc && !strcmp(argv[optind], "--"))
		optind++;
	if (plan_entry(ctx, &s, argv + optind, err) < 0)
		goto out;
	in.setup = &s.setup;
	in.settings = &s.settings;
	in.join = &s.join;
	status = parent_run(&in, err);
out:
	enter_state_free(&s);
	if (status < 0 && !err->status)
		err->status = DROP_ESETUP;
	return status < 0 ? err->status : status;
}
