/* plan.c: turns the merged configuration into the child's setup message (mounts, environment, argv). */
#include "plan.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cleanup.h"
#include "gitdir.h"
#include "state.h"
#include "sys.h"
#include "util.h"

char *plan_expand_vars(const char *value, char *const *host_env)
{
	char *out = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&out, &size);

	if (!f)
		return NULL;
	for (const char *p = value; *p; p++) {
		const char *end;
		const char *v;

		if (p[0] != '$' || p[1] != '{' || !(end = strchr(p + 2, '}'))) {
			fputc(*p, f);
			continue;
		}
		v = env_getn(host_env, p + 2, (size_t)(end - p - 2));
		if (v)
			fputs(v, f);
		p = end;
	}
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* Set (value != NULL) or unset name in an environment vector, keeping order. */
static int env_put(struct strv *env, const char *name, const char *value)
{
	size_t n = strlen(name);
	char *entry = NULL;

	for (size_t i = 0; i < env->n; i++) {
		if (strncmp(env->v[i], name, n) || env->v[i][n] != '=')
			continue;
		free(env->v[i]);
		memmove(&env->v[i], &env->v[i + 1], (env->n - i) * sizeof(char *));
		env->n--;
		break;
	}
	if (!value)
		return 0;
	if (asprintf(&entry, "%s=%s", name, value) < 0)
		return -1;
	return strv_push_owned(env, entry);
}

static bool exposed(const struct cfg_values *patterns, const char *name)
{
	for (size_t j = 0; j < patterns->n; j++)
		if (glob_match(patterns->v[j].value, name))
			return true;
	return false;
}

static int add_exposed(struct strv *env, const struct cfg_values *patterns, char *const *host_env)
{
	for (size_t i = 0; host_env && host_env[i]; i++) {
		const char *eq = strchr(host_env[i], '=');
		autofree char *name = eq ? strndup(host_env[i], (size_t)(eq - host_env[i])) : NULL;

		if (!eq)
			continue;
		if (!name)
			return -1;
		if (exposed(patterns, name) && env_put(env, name, eq + 1) < 0)
			return -1;
	}
	return 0;
}

/* [env] set: NAME=VALUE with ${VAR} from the host; an empty value unsets. */
static int apply_sets(struct strv *env, const struct cfg_values *sets, char *const *host_env)
{
	for (size_t i = 0; i < sets->n; i++) {
		const char *spec = sets->v[i].value;
		const char *eq = strchr(spec, '=');
		autofree char *name = eq ? strndup(spec, (size_t)(eq - spec)) : NULL;
		autofree char *value = eq ? plan_expand_vars(eq + 1, host_env) : NULL;

		if (!name || !value)
			return -1;
		if (env_put(env, name, value[0] ? value : NULL) < 0)
			return -1;
	}
	return 0;
}

/* [gui] variables come before [env] set, which may still override them. */
static int add_gui_env(struct strv *env, const struct gui_plan *gui)
{
	for (size_t i = 0; gui && i < gui->n_env; i++)
		if (env_put(env, gui->env[i].name, gui->env[i].value) < 0)
			return -1;
	return 0;
}

/* Filtered network (SPEC 8): the proxy variables, whatever [env] says. */
static int add_proxy_env(struct strv *env, unsigned port)
{
	static const char *const http[] = { "HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy" };
	static const char *const all[] = { "ALL_PROXY", "all_proxy" };
	char url[64];

	if (!port)
		return 0;
	snprintf(url, sizeof(url), "http://127.0.0.1:%u", port);
	for (size_t i = 0; i < sizeof(http) / sizeof(http[0]); i++)
		if (env_put(env, http[i], url) < 0)
			return -1;
	snprintf(url, sizeof(url), "socks5h://127.0.0.1:%u", port);
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (env_put(env, all[i], url) < 0)
			return -1;
	if (env_put(env, "NO_PROXY", "localhost,127.0.0.1,::1") < 0 ||
	    env_put(env, "no_proxy", "localhost,127.0.0.1,::1") < 0)
		return -1;
	return 0;
}

/* HOME, USER and LOGNAME are the outside values, whatever [env] says. */
static const char *logname(const struct plan_input *in)
{
	const char *v = env_get(in->host_env, "LOGNAME");

	return v && *v ? v : in->paths->user;
}

static int build_env(const struct plan_input *in, struct drop_setup *setup)
{
	const struct drop_config *c = in->config;
	struct strv env = { 0 };

	if (add_exposed(&env, &c->key[CFG_ENV_EXPOSE], in->host_env) < 0 ||
	    env_put(&env, "DROP_ENV", in->env_id) < 0 || add_gui_env(&env, in->gui) < 0 ||
	    apply_sets(&env, &c->key[CFG_ENV_SET], in->host_env) < 0 || add_proxy_env(&env, in->proxy_port) < 0 ||
	    env_put(&env, "HOME", in->paths->home) < 0 ||
	    env_put(&env, "USER", in->paths->user) < 0 ||
	    env_put(&env, "LOGNAME", logname(in)) < 0 ||
	    !(setup->envp = strv_steal(&env))) {
		strv_clear(&env);
		return -1;
	}
	return 0;
}

static int build_argv(const struct plan_input *in, struct drop_setup *setup)
{
	struct strv argv = { 0 };

	if (in->argv && in->argv[0]) {
		for (size_t i = 0; in->argv[i]; i++)
			if (strv_push(&argv, in->argv[i]) < 0)
				goto fail;
	} else {
		const char *shell = env_get(in->host_env, "SHELL");
		if (strv_push(&argv, shell && *shell ? shell : "/bin/sh") < 0)
			goto fail;
	}
	setup->argv = strv_steal(&argv);
	return setup->argv ? 0 : -1;
fail:
	strv_clear(&argv);
	return -1;
}

/*
 * A read-write mount of a linked worktree: its git directory and the common
 * one are mounted at their own paths (read-write, for [fs] git = safe; else
 * read-only), so git works inside; the child applies the rule to them.
 */
static int add_gitdirs(const struct plan_input *in, struct drop_setup *setup, const char *src, struct drop_err *err)
{
	autofree char *gitdir = NULL, *common = NULL;
	const char *dirs[2];
	int r;

	if (in->settings->git == GIT_RW)
		return 0;
	r = gitdir_linked(src, setup->writable, &gitdir, &common);
	if (r <= 0)
		return r < 0 ? err_sys(err, DROP_ESETUP, "out of memory") : 0;
	/* Read-write from now on: recorded like every read-write source. */
	if (in->settings->git == GIT_SAFE && state_record_rw(in->paths, common, setup->writable, err) < 0)
		return -1;
	dirs[0] = common;
	dirs[1] = gitdir;
	for (size_t i = 0; i < 2; i++) {
		struct mount_spec *out = &setup->mounts[setup->n_mounts];

		out->src = strdup(dirs[i]);
		out->dst = strdup(dirs[i]);
		out->flags = MOUNT_F_GITDIR | (in->settings->git == GIT_SAFE ? MOUNT_F_RW : 0);
		setup->n_mounts++;
		if (!out->src || !out->dst)
			return err_sys(err, DROP_ESETUP, "out of memory");
	}
	return 0;
}

/* Sources are host paths: a missing one is skipped now, with SPEC 5's message unless it is opt. */
static int build_mounts(const struct plan_input *in, struct drop_setup *setup, struct drop_err *err)
{
	const struct drop_settings *s = in->settings;

	size_t n_gui = in->gui ? in->gui->n_mounts : 0;

	/* Each mount may bring two git directories. */
	setup->mounts = calloc(3 * s->n_mounts + n_gui + 1, sizeof(*setup->mounts));
	if (!setup->mounts)
		return err_sys(err, DROP_ESETUP, "out of memory");
	for (size_t i = 0; i < s->n_mounts; i++) {
		const struct mount_req *m = &s->mounts[i];
		struct mount_spec *out = &setup->mounts[setup->n_mounts];
		struct stat st;

		if (stat(m->src, &st) < 0) {
			if (!m->opt)
				log_msg("not mounting %s, no such file or directory", m->src);
			continue;
		}
		out->src = strdup(m->src);
		out->dst = strdup(m->dst);
		out->flags = (m->rw ? MOUNT_F_RW : 0) | (m->opt ? MOUNT_F_OPTIONAL : 0);
		setup->n_mounts++;
		if (!out->src || !out->dst)
			return err_sys(err, DROP_ESETUP, "out of memory");
		if (m->rw && add_gitdirs(in, setup, m->src, err) < 0)
			return -1;
	}
	/* [gui] mounts last: nothing configured can cover a socket or device they bind. */
	for (size_t i = 0; i < n_gui; i++) {
		struct mount_spec *out = &setup->mounts[setup->n_mounts];

		out->src = strdup(in->gui->mounts[i].src);
		out->dst = strdup(in->gui->mounts[i].dst);
		out->flags = in->gui->mounts[i].flags;
		setup->n_mounts++;
		if (!out->src || !out->dst)
			return err_sys(err, DROP_ESETUP, "out of memory");
	}
	return 0;
}

static char **copy_list(char *const *list)
{
	struct strv out = { 0 };

	for (size_t i = 0; list && list[i]; i++)
		if (strv_push(&out, list[i]) < 0) {
			strv_clear(&out);
			return NULL;
		}
	return strv_steal(&out);
}

/* drop's own state must never be writable from inside (SPEC 5), whatever is mounted and wherever. */
static int build_protection(const struct plan_input *in, struct drop_setup *setup, struct drop_err *err)
{
	const struct drop_settings *s = in->settings;
	struct strv ro = { 0 }, hidden = { 0 }, writable = { 0 }, rw_now = { 0 };
	int rc = -1;

	if (!(setup->blocks = copy_list(s->blocks))) {
		err_sys(err, DROP_ESETUP, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < s->n_mounts; i++)
		if (s->mounts[i].rw && strv_push(&rw_now, s->mounts[i].src) < 0) {
			err_sys(err, DROP_ESETUP, "out of memory");
			goto out;
		}
	if (state_protected(in->paths, in->config->files.v, &ro, &hidden, err) < 0 ||
	    state_writable_trees(in->paths, rw_now.v, &writable, err) < 0)
		goto out;
	setup->readonly = strv_steal(&ro);
	setup->hidden = strv_steal(&hidden);
	setup->writable = strv_steal(&writable);
	if (!setup->readonly || !setup->hidden || !setup->writable) {
		err_sys(err, DROP_ESETUP, "out of memory");
		goto out;
	}
	rc = 0;
out:
	strv_clear(&ro);
	strv_clear(&hidden);
	strv_clear(&writable);
	strv_clear(&rw_now);
	return rc;
}

static int build_scalars(const struct plan_input *in, struct drop_setup *setup)
{
	const struct drop_settings *s = in->settings;
	const struct drop_paths *p = in->paths;

	setup->env_id = strdup(in->env_id);
	setup->env_dir = paths_env_dir(p, in->env_id);
	setup->home = strdup(p->home);
	setup->cwd = strdup(p->cwd ? p->cwd : "");
	setup->run_dir = strdup(in->run_dir);
	setup->uid = p->uid;
	setup->gid = p->gid;
	setup->as_root = in->as_root ? 1 : 0;
	setup->net_mode = s->net;
	setup->seccomp = s->seccomp;
	setup->userns = s->userns;
	setup->git_mode = s->git;
	setup->verbosity = (uint32_t)(in->verbosity + 1);
	setup->seccomp_allow = copy_list(s->seccomp_allow);
	setup->seccomp_deny = copy_list(s->seccomp_deny);
	if (!setup->env_id || !setup->env_dir || !setup->home || !setup->cwd || !setup->run_dir ||
	    !setup->seccomp_allow || !setup->seccomp_deny)
		return -1;
	return 0;
}

int plan_setup(const struct plan_input *in, struct drop_setup *setup, struct drop_err *err)
{
	memset(setup, 0, sizeof(*setup));
	/* Protection first: the writable trees decide which .git files are followed. */
	if (build_protection(in, setup, err) < 0) {
		setup_free(setup);
		return -1;
	}
	if (build_scalars(in, setup) < 0 || build_env(in, setup) < 0 || build_argv(in, setup) < 0) {
		setup_free(setup);
		return err_sys(err, DROP_ESETUP, "cannot prepare the sandbox");
	}
	if (build_mounts(in, setup, err) < 0) {
		setup_free(setup);
		return -1;
	}
	return 0;
}
