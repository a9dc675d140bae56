/* gitdir.h: the .git rule's host side: the git directories a linked worktree's .git file names. */
#ifndef DROP_GITDIR_H
#define DROP_GITDIR_H

/*
 * When src (a read-write mount's source) has a .git file ("gitdir: PATH", a
 * linked worktree), resolve its git directory and the common one without a
 * link a sandbox could have planted (writable: the trees a sandbox can write),
 * and check that they belong together and to src (the worktree's back-link,
 * PATH/gitdir, names src/.git), so a .git file rewritten by a sandbox cannot
 * bring in another repository. 1 with *gitdir and *common (physical paths,
 * the caller's), 0 when there is none or it does not hold (said on stderr),
 * -1 when out of memory.
 */
int gitdir_linked(const char *src, char *const *writable, char **gitdir, char **common);

#endif
