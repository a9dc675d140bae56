/* cmd-profiles.c: drop profiles: every app profile found, user, system and built-in, which one -p NAME uses, fragments marked. */
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "builtin.h"
#include "cleanup.h"
#include "cmd.h"
#include "util.h"

/* Rows sort user, system, built-in: the order profile_find looks in. */
enum origin { ORIGIN_USER, ORIGIN_SYSTEM, ORIGIN_BUILTIN };
static const char *const origin_names[] = { "user", "system", "built-in" };

struct profile_row {
	char *name;
	enum origin origin;
	bool overridden;
	bool fragment;
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

/* SPEC 4's fragment rule (builtin.h), read from the file's first line. */
static bool file_is_fragment(const char *name, const char *path)
{
	autofclose FILE *f = fopen(path, "re");
	char line[256];

	if (!f || !fgets(line, sizeof(line), f))
		return false;
	return profile_is_fragment(name, line, strcspn(line, "\n"));
}

static int add_row(struct profile_rows *r, char *name, char *path, enum origin origin, bool fragment)
{
	struct profile_row *v = realloc(r->v, (r->n + 1) * sizeof(*v));

	if (!v) {
		free(name);
		free(path);
		return -1;
	}
	r->v = v;
	v[r->n++] = (struct profile_row){ .name = name, .origin = origin, .fragment = fragment, .path = path };
	return 0;
}

/* A missing directory holds no profiles; that is not an error. */
static int scan_dir(struct profile_rows *r, const char *base, enum origin origin)
{
	autofree char *dir = path_join(base, "profiles");
	struct dirent **ents = NULL;
	int n = dir ? scandir(dir, &ents, NULL, alphasort) : -1;
	int rc = dir ? 0 : -1;

	for (int i = 0; i < n; i++) {
		char *name, *path;

		if (rc == 0 && is_profile_entry(dir, ents[i]->d_name, &name, &path) &&
		    add_row(r, name, path, origin, file_is_fragment(name, path)) < 0)
			rc = -1;
		free(ents[i]);
	}
	free(ents);
	return rc;
}

/* Every built-in is a row; its PATH is its origin name, "built-in:NAME.ini". */
static int add_builtins(struct profile_rows *r)
{
	const char *file;

	for (size_t i = 0; (file = builtin_profile_file(i)); i++) {
		size_t len;
		const char *text = builtin_profile(file, &len);
		char *name = strndup(file, strlen(file) - 4), *path = NULL;

		if (!name || asprintf(&path, "%s%s", BUILTIN_PREFIX, file) < 0) {
			free(name);
			return -1;
		}
		if (add_row(r, name, path, ORIGIN_BUILTIN, profile_is_fragment(name, text, strcspn(text, "\n"))) < 0)
			return -1;
	}
	return 0;
}

static int by_name_user_first(const void *a, const void *b)
{
	const struct profile_row *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : (int)x->origin - (int)y->origin;
}

/* The first row of a name wins (load.c profile_find): the later ones are marked overridden. */
static void mark_overridden(struct profile_rows *r)
{
	for (size_t i = 1; i < r->n; i++)
		if (!strcmp(r->v[i].name, r->v[i - 1].name))
			r->v[i].overridden = true;
}

static const char *origin_text(const struct profile_row *row)
{
	static char buf[32];

	snprintf(buf, sizeof(buf), "%s%s", origin_names[row->origin], row->overridden ? " (overridden)" : "");
	return buf;
}

/* NAME KIND ORIGIN PATH; KIND is program or fragment (only included: not offered as a program). */
static void print_rows(const struct profile_rows *r)
{
	int name_w = 4, origin_w = (int)strlen("built-in (overridden)");

	for (size_t i = 0; i < r->n; i++)
		if ((int)strlen(r->v[i].name) > name_w)
			name_w = (int)strlen(r->v[i].name);
	printf("%-*s  %-8s  %-*s  %s\n", name_w, "NAME", "KIND", origin_w, "ORIGIN", "PATH");
	for (size_t i = 0; i < r->n; i++)
		printf("%-*s  %-8s  %-*s  %s\n", name_w, r->v[i].name, r->v[i].fragment ? "fragment" : "program",
		       origin_w, origin_text(&r->v[i]), r->v[i].path);
}

int cmd_profiles(struct cmd_ctx *ctx, int argc, char **argv, struct drop_err *err)
{
	struct profile_rows rows = { 0 };

	(void)argc;
	(void)argv;
	if (scan_dir(&rows, ctx->paths.config_dir, ORIGIN_USER) < 0 || scan_dir(&rows, ctx->paths.sysconf_dir, ORIGIN_SYSTEM) < 0 ||
	    add_builtins(&rows) < 0) {
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
