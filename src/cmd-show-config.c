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

static int show(struct cmd_ctx *ctx, const char *env_id, const char *profile, struct drop_err *err)
{
	struct drop_config c;
	struct drop_settings s = { 0 };
	char *profiles[2] = { (char *)profile, NULL };
	autofree char *id = NULL;
	autofree char *sys_base = path_join(ctx->paths.sysconf_dir, "base.ini");
	autofree char *prof = profile ? profile_find(&ctx->paths, profile) : NULL;
	struct load_request req = { .paths = &ctx->paths, .profiles = profiles };
	struct cfg_load_ctx lctx = { .home = ctx->paths.home };
	int rc = DROP_FAIL;

	config_init(&c);
	if (profile) {
		if (!prof) {
			err_set(err, DROP_FAIL, "profile '%s' not found in %s/profiles or %s/profiles", profile,
				ctx->paths.config_dir, ctx->paths.sysconf_dir);
			goto out;
		}
		if ((sys_base && path_exists(sys_base) && config_load_file(&c, sys_base, &lctx, err) < 0) ||
		    config_load_file(&c, prof, &lctx, err) < 0)
			goto out;
	} else {
		if (env_id) {
			id = strdup(env_id);
		} else if (env_id_for_cwd(&ctx->paths, &id, err) < 0) {
			goto out;
		}
		if (!id || !env_id_is_valid(id)) {
			err_set(err, DROP_FAIL, "invalid environment id '%s'", id ? id : "");
			goto out;
		}
		req.env_id = id;
		req.profiles = NULL;
		if (load_config(&c, &req, err) < 0)
			goto out;
	}
	/* The mount a run from here would add; none in $HOME, where the run would refuse. */
	if (load_cwd_mount(&c, &ctx->paths, profile ? profile : id, false, err) < 0 ||
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
	const char *profile = NULL;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "e:p:h", opts, NULL)) != -1) {
		if (c == 'e')
			env_id = optarg;
		else if (c == 'p')
			profile = optarg;
		else if (c == 'h')
			return cmd_help(ctx->cmd);
		else
			return cmd_usage_error(ctx->cmd, err);
	}
	if (optind != argc || (env_id && profile))
		return cmd_usage_error(ctx->cmd, err);
	return show(ctx, env_id, profile, err);
}
