/* cmd-profiles.c: drop profiles: every app profile found, user and system, and which one -p NAME uses. */
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cleanup.h"
#include "cmd.h"
#include "util.h"

struct profile_row {
	char *name;
	const char *origin;
	char *path;
};

struct profile_rows {
	struct profile_row *v;
	size_t n;
};

static void rows_free(struct profile_rows *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->v[i].name);
		free(r->v[i].path);
	}
	free(r->v);
}

/* What -p NAME can name: no hidden files, no path. */
static bool is_profile_name(const char *name)
{
	return name[0] && name[0] != '.' && name[0] != '-' &&
	       strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == strlen(name);
}

/* NAME.ini, a regular file (after symlinks, as the loader opens it), NAME usable with -p. */
static bool is_profile_entry(const char *dir, const char *file, char **name, char **path)
{
	size_t len = strlen(file);
	struct stat st;

	*name = NULL;
	*path = NULL;
	if (len <= 4 || strcmp(file + len - 4, ".ini") || !(*name = strndup(file, len - 4)))
		return false;
	if (is_profile_name(*name) && (*path = path_join(dir, file)) && stat(*path, &st) == 0 && S_ISREG(st.st_mode))
		return true;
	free(*name);
	free(*path);
	*name = *path = NULL;
	return false;
}

static int add_row(struct profile_rows *r, char *name, char *path, const char *origin)
{
	struct profile_row *v = realloc(r->v, (r->n + 1) * sizeof(*v));

	if (!v) {
		free(name);
		free(path);
		return -1;
	}
	r->v = v;
	v[r->n++] = (struct profile_row){ .name = name, .origin = origin, .path = path };
	return 0;
}

/* A missing directory holds no profiles; that is not an error. */
static int scan_dir(struct profile_rows *r, const char *base, const char *origin)
{
	autofree char *dir = path_join(base, "profiles");
	struct dirent **ents = NULL;
	int n = dir ? scandir(dir, &ents, NULL, alphasort) : -1;
	int rc = dir ? 0 : -1;

	for (int i = 0; i < n; i++) {
		char *name, *path;

		if (rc == 0 && is_profile_entry(dir, ents[i]->d_name, &name, &path) && add_row(r, name, path, origin) < 0)
			rc = -1;
		free(ents[i]);
	}
	free(ents);
	return rc;
}

static int by_name_user_first(const void *a, const void *b)
{
	const struct profile_row *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : strcmp(x->origin, y->origin) == 0 ? 0 : strcmp(x->origin, "user") == 0 ? -1 : 1;
}

/* The user's copy wins (load.c profile_find): a system profile of the same name is marked overridden. */
static void mark_overridden(struct profile_rows *r)
{
	for (size_t i = 1; i < r->n; i++)
		if (!strcmp(r->v[i].name, r->v[i - 1].name))
			r->v[i].origin = "system (overridden)";
}

static void print_rows(const struct profile_rows *r)
{
	int name_w = 4, origin_w = 6;

	for (size_t i = 0; i < r->n; i++) {
		if ((int)strlen(r->v[i].name) > name_w)
			name_w = (int)strlen(r->v[i].name);
		if ((int)strlen(r->v[i].origin) > origin_w)
			origin_w = (int)strlen(r->v[i].origin);
	}
	printf("%-*s  %-*s  %s\n", name_w, "NAME", origin_w, "ORIGIN", "PATH");
	for (size_t i = 0; i < r->n; i++)
		printf("%-*s  %-*s  %s\n", name_w, r->v[i].name, origin_w, r->v[i].origin, r->v[i].path);
}

int cmd_profiles(struct cmd_ctx *ctx, int argc, char **argv, struct drop_err *err)
{
	struct profile_rows rows = { 0 };

	(void)argc;
	(void)argv;
	if (scan_dir(&rows, ctx->paths.config_dir, "user") < 0 || scan_dir(&rows, ctx->paths.sysconf_dir, "system") < 0) {
		rows_free(&rows);
		return err_sys(err, DROP_FAIL, "cannot list the profiles"), DROP_FAIL;
	}
	if (rows.n)
		qsort(rows.v, rows.n, sizeof(*rows.v), by_name_user_first);
	mark_overridden(&rows);
	print_rows(&rows);
	rows_free(&rows);
	return DROP_OK;
}
