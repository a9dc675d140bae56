/* gitdir.c: the .git rule's host side: the git directories a linked worktree's .git file names. */
#include "gitdir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "mount.h"
#include "sys.h"
#include "util.h"

#define GIT_LINK_MAX 4096

/* A small regular file below dir, without its trailing newline; NULL when absent, odd or too long. */
static char *read_small(int dir, const char *name)
{
	char *text = NULL;

	if (read_file_at(dir, name, GIT_LINK_MAX, READ_NOFOLLOW | READ_REGULAR, &text, NULL) < 0)
		return NULL;
	text[strcspn(text, "\n")] = '\0';
	if (!text[0] || strchr(text, '\r')) {
		free(text);
		return NULL;
	}
	return text;
}

/*
 * base/rel, or rel when absolute, with "." and ".." taken lexically: base is
 * a physical path (no symlink in it), so its parent is its text's parent, and
 * the result needs no ".." walk (which mnt_source refuses in writable trees).
 */
static char *relative_to(const char *base, const char *rel)
{
	autofree char *copy = strdup(rel);
	char *out = malloc(strlen(base) + strlen(rel) + 2);
	char *save = NULL;

	if (!copy || !out) {
		free(out);
		return NULL;
	}
	strcpy(out, rel[0] == '/' ? "" : base);
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		char *slash;

		if (!strcmp(c, "."))
			continue;
		if (!strcmp(c, "..")) {
			if ((slash = strrchr(out, '/')))
				*slash = '\0';
			continue;
		}
		strcat(out, "/");
		strcat(out, c);
	}
	if (!out[0])
		strcpy(out, "/");
	return out;
}

/* Resolve path like a mount source; a git directory has a HEAD. */
static char *resolve_gitdir(const char *path, char *const *writable, int *fd)
{
	char *real = NULL;
	struct stat st;

	if (mnt_source(path, writable, fd, &real) != SOURCE_OK || fstat(*fd, &st) < 0 || !S_ISDIR(st.st_mode) ||
	    faccessat(*fd, "HEAD", F_OK, AT_SYMLINK_NOFOLLOW) < 0) {
		free(real);
		return NULL;
	}
	return real;
}

static int refuse(const char *src, const char *why)
{
	log_msg("not mounting the git directory of %s/.git: %s", src, why);
	return 0;
}

int gitdir_linked(const char *src, char *const *writable, char **gitdir, char **common)
{
	autofree char *real_src = NULL, *line = NULL, *gpath = NULL, *back = NULL, *expect = NULL;
	autofree char *cdir = NULL, *cpath = NULL, *g = NULL, *c = NULL, *worktrees = NULL;
	autoclose int sfd = -1, gfd = -1, cfd = -1;
	struct stat st;

	*gitdir = *common = NULL;
	if (mnt_source(src, writable, &sfd, &real_src) != SOURCE_OK ||
	    fstatat(sfd, ".git", &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
		return 0;
	if (!(line = read_small(sfd, ".git")) || strncmp(line, "gitdir: ", 8))
		return refuse(src, "its .git file does not say 'gitdir: PATH'");
	if (!(gpath = relative_to(real_src, line + 8)))
		return -1;
	if (!(g = resolve_gitdir(gpath, writable, &gfd)))
		return refuse(src, "it does not name a git directory reachable without a planted link");
	/* The worktree's back-link: what git itself wrote when it made the worktree. */
	back = read_small(gfd, "gitdir");
	if (!(expect = path_join(real_src, ".git")))
		return -1;
	if (!back || strcmp(back, expect))
		return refuse(src, "its git directory does not name this worktree (not a linked worktree, or moved)");
	if (!(cdir = read_small(gfd, "commondir")))
		return refuse(src, "its git directory has no commondir");
	if (!(cpath = relative_to(g, cdir)))
		return -1;
	if (!(c = resolve_gitdir(cpath, writable, &cfd)))
		return refuse(src, "its common git directory cannot be reached without a planted link");
	if (!(worktrees = path_join(c, "worktrees")))
		return -1;
	if (!path_is_below(g, worktrees))
		return refuse(src, "its git directory is not one of its common directory's worktrees");
	*gitdir = steal_ptr(&g);
	*common = steal_ptr(&c);
	return 1;
}
