/* paths.c: where drop keeps things: CONFIG_DIR, DATA_DIR, SYSCONF_DIR (SPEC 3.1), and who the user is. */
#include "paths.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "sys.h"
#include "util.h"

static char *xdg_dir(const char *var, const char *home, const char *fallback)
{
	const char *v = getenv(var);
	autofree char *base = NULL;

	/* The XDG spec says relative values are invalid and must be ignored. */
	if (v && v[0] == '/')
		base = strdup(v);
	else
		base = path_join(home, fallback);
	if (!base)
		return NULL;
	return path_join(base, "drop");
}

/*
 * Only when the environment lacks HOME or USER, and from /etc/passwd itself,
 * not NSS: login always sets both, and a (static) drop loads no NSS module.
 */
static int fill_identity(struct drop_paths *p, struct drop_err *err)
{
	const char *home = getenv("HOME");
	const char *user = getenv("USER");
	bool complete = home && home[0] == '/' && user && *user;
	autofree char *passwd = complete ? NULL : read_file("/etc/passwd", 16 << 20);
	const char *pw_name = NULL, *pw_home = NULL;
	bool found = passwd && passwd_find(passwd, p->uid, &pw_name, &pw_home);

	if ((!home || home[0] != '/') && found)
		home = pw_home;
	if (!home || home[0] != '/')
		return err_set(err, 0, "cannot determine the home directory: set HOME");
	if ((!user || !*user) && found)
		user = pw_name;
	p->home = strdup(home);
	p->user = strdup(user && *user ? user : "user");
	if (!p->home || !p->user)
		return err_sys(err, 0, "out of memory");
	/* Strip trailing slashes so "$HOME/x" joins cleanly. */
	for (size_t n = strlen(p->home); n > 1 && p->home[n - 1] == '/'; n--)
		p->home[n - 1] = '\0';
	return 0;
}

int paths_init(struct drop_paths *p, struct drop_err *err)
{
	const char *drop_home = getenv("DROP_HOME");
	const char *sysconf = getenv("DROP_SYSCONF_DIR");

	memset(p, 0, sizeof(*p));
	p->uid = getuid();
	p->gid = getgid();
	if (fill_identity(p, err) < 0)
		return -1;
	if (drop_home && *drop_home) {
		if (drop_home[0] != '/')
			return err_set(err, 0, "DROP_HOME must be an absolute path, not '%s'", drop_home);
		p->data_dir = strdup(drop_home);
		p->config_dir = path_join(drop_home, "config");
	} else {
		p->data_dir = xdg_dir("XDG_DATA_HOME", p->home, ".local/share");
		p->config_dir = xdg_dir("XDG_CONFIG_HOME", p->home, ".config");
	}
	p->sysconf_dir = strdup(sysconf && *sysconf ? sysconf : SYSCONFDIR);
	p->cwd = getcwd(NULL, 0);
	if (!p->data_dir || !p->config_dir || !p->sysconf_dir)
		return err_sys(err, 0, "out of memory");
	return 0;
}

void paths_free(struct drop_paths *p)
{
	free(p->home);
	free(p->user);
	free(p->config_dir);
	free(p->data_dir);
	free(p->sysconf_dir);
	free(p->cwd);
	memset(p, 0, sizeof(*p));
}

char *paths_env_config(const struct drop_paths *p, const char *id)
{
	char *s = NULL;

	return asprintf(&s, "%s/%s.ini", p->config_dir, id) < 0 ? NULL : s;
}

char *paths_env_dir(const struct drop_paths *p, const char *id)
{
	char *s = NULL;

	return asprintf(&s, "%s/envs/%s", p->data_dir, id) < 0 ? NULL : s;
}

char *paths_base_config(const struct drop_paths *p)
{
	return path_join(p->config_dir, "base.ini");
}

char *paths_run_dir(const struct drop_paths *p)
{
	return path_join(p->data_dir, "run");
}
