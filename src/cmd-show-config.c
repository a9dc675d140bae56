/* cmd-show-config.c: drop show-config: the effective merged configuration, each value with its origin. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "cmd.h"
#include "config.h"
#include "env.h"
#include "load.h"
#include "seccomp-policy.h"
#include "sys.h"
#include "util.h"

/* Printed as INI with the origin as an inline comment, so the output is itself a valid config. */
static void print_config(const struct drop_config *c)
{
	const char *section = NULL;

	for (int k = 0; k < CFG_KEY_COUNT; k++) {
		const struct cfg_key_info *info = cfg_key_info((enum cfg_key)k);
		const struct cfg_values *vals = &c->key[k];
		size_t first = info->is_list || vals->n == 0 ? 0 : vals->n - 1;

		if (vals->n == 0)
			continue;
		if (!section || strcmp(section, info->section)) {
			printf("%s[%s]\n", section ? "\n" : "", info->section);
			section = info->section;
		}
		for (size_t i = first; i < vals->n; i++) {
			const struct cfg_entry *e = &vals->v[i];

			/* Line 0: a value drop added itself (the [drop] cwd mount). */
			if (e->line)
				printf("%s = %s ; %s:%u\n", info->name, e->value, e->file, e->line);
			else
				printf("%s = %s ; %s\n", info->name, e->value, e->file);
		}
	}
}

static void print_seccomp(const struct drop_settings *s)
{
	printf("\n# effective seccomp policy%s\n", s->seccomp ? "" : ": off");
	if (s->seccomp)
		seccomp_describe(stdout, s->userns, s->seccomp_allow, s->seccomp_deny);
}

/* -p alone: the system base and the profiles; else the environment (-e or the cwd's) with its -p profiles. */
static int load_for_show(struct cmd_ctx *ctx, const char *env_id, char *const *profiles, struct drop_config *c,
			 struct drop_err *err)
{
	autofree char *sys_base = path_join(ctx->paths.sysconf_dir, "base.ini");
	autofree char *id = NULL;
	struct load_request req = { .paths = &ctx->paths, .profiles = profiles };

	if (!env_id && profiles && profiles[0]) {
		if (sys_base && path_exists(sys_base) && load_path(c, &ctx->paths, sys_base, err) < 0)
			return -1;
		for (size_t i = 0; profiles[i]; i++) {
			autofree char *prof = profile_find(&ctx->paths, profiles[i]);

			if (!prof)
				return err_set(err, DROP_FAIL,
					       "profile '%s' not found in %s/profiles, %s/profiles or the built-in profiles",
					       profiles[i], ctx->paths.config_dir, ctx->paths.sysconf_dir);
			if (load_path(c, &ctx->paths, prof, err) < 0)
				return -1;
		}
		return 0;
	}
	if (env_id)
		id = strdup(env_id);
	else if (env_id_for_cwd(&ctx->paths, &id, err) < 0)
		return -1;
	if (!id || !env_id_is_valid(id))
		return err_set(err, DROP_FAIL, "invalid environment id '%s'", id ? id : "");
	if (!env_exists(&ctx->paths, id))
		return err_set(err, DROP_FAIL, "environment \"%s\" doesn't exist, run 'drop init %s' to create it", id,
			       id);
	req.env_id = id;
	return load_config(c, &req, err);
}

static int show(struct cmd_ctx *ctx, const char *env_id, char *const *profiles, struct drop_err *err)
{
	struct drop_config c;
	struct drop_settings s = { 0 };
	int rc = DROP_FAIL;

	config_init(&c);
	/* The mount a run from here would add; none in $HOME, where the run would refuse. */
	if (load_for_show(ctx, env_id, profiles, &c, err) < 0 ||
	    load_cwd_mount(&c, &ctx->paths, env_id ? env_id : profiles && profiles[0] ? profiles[0] : "this environment",
			   false, err) < 0 ||
	    config_resolve(&c, ctx->paths.home, &s, err) < 0)
		goto out;
	print_config(&c);
	print_seccomp(&s);
	rc = DROP_OK;
out:
	if (rc != DROP_OK)
		err->status = DROP_FAIL;
	settings_free(&s);
	config_free(&c);
	return rc;
}

int cmd_show_config(struct cmd_ctx *ctx, int argc, char **argv, struct drop_err *err)
{
	static const struct option opts[] = {
		{ "env", required_argument, NULL, 'e' }, { "profile", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	const char *env_id = NULL;
	struct strv profiles = { 0 };
	int c, rc;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "e:p:h", opts, NULL)) != -1) {
		if (c == 'e') {
			env_id = optarg;
		} else if (c == 'p') {
			if (strv_push(&profiles, optarg) < 0) {
				strv_clear(&profiles);
				return err_sys(err, DROP_FAIL, "out of memory"), DROP_FAIL;
			}
		} else {
			strv_clear(&profiles);
			return c == 'h' ? cmd_help(ctx->cmd) : cmd_usage_error(ctx->cmd, err);
		}
	}
	if (optind != argc) {
		strv_clear(&profiles);
		return cmd_usage_error(ctx->cmd, err);
	}
	rc = show(ctx, env_id, profiles.v, err);
	strv_clear(&profiles);
	return rc;
}
