/* state.c: drop's own state as sandboxes must never reach it: the paths to protect, the record of read-write sources. */
#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "mount.h"
#include "sys.h"

/* Push a physical path unless an entry already equals it. */
static int push_new(struct strv *v, const char *path)
{
	for (size_t i = 0; i < v->n; i++)
		if (!strcmp(v->v[i], path))
			return 0;
	return strv_push(v, path);
}

/* The record's lines into v; a missing record is empty. */
static int read_record(int dir, struct strv *v, struct drop_err *err)
{
	autofree char *buf = NULL;

	if (read_file_at(dir, STATE_RW_RECORD, STATE_RW_RECORD_MAX, READ_NOFOLLOW | READ_REGULAR, &buf, NULL) < 0) {
		if (errno == ENOENT)
			return 0;
		if (errno == EINVAL || errno == EFBIG)
			return err_set(err, DROP_ESETUP, "the record of read-write mounts is not a regular file of at most 1 MiB; remove it");
		return err_sys(err, DROP_ESETUP, "cannot read the record of read-write mounts");
	}
	for (char *save = NULL, *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (line[0] == '/' && push_new(v, line) < 0)
			return err_sys(err, DROP_ESETUP, "out of memory");
	return 0;
}

/* Append path to the record (O_APPEND: concurrent runs add whole lines). */
static int append_record(int dir, const char *path, struct drop_err *err)
{
	autoclose int fd = openat(dir, STATE_RW_RECORD, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
	autofree char *line = NULL;
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0)
		return err_sys(err, DROP_ESETUP, "cannot write the record of read-write mounts");
	if (!S_ISREG(st.st_mode))
		return err_set(err, DROP_ESETUP, "the record of read-write mounts is not a regular file; remove it");
	if (asprintf(&line, "%s\n", path) < 0)
		return err_sys(err, DROP_ESETUP, "out of memory");
	if (sys_write_all(fd, line, strlen(line)) < 0)
		return err_sys(err, DROP_ESETUP, "cannot write the record of read-write mounts");
	return 0;
}

/*
 * This run's read-write sources as they will be mounted: resolved like the
 * child resolves them (mnt_source, with this run's sources themselves counted
 * as writable), so a link a sandbox planted is never recorded in place of
 * what it points to.
 */
static int record_new(int dir, char *const *rw_now, struct strv *known, struct drop_err *err)
{
	struct strv trees = { 0 };
	int rc = -1;

	for (size_t i = 0; i < known->n; i++)
		if (strv_push(&trees, known->v[i]) < 0)
			goto oom;
	for (size_t i = 0; rw_now && rw_now[i]; i++)
		if (strv_push(&trees, rw_now[i]) < 0)
			goto oom;
	for (size_t i = 0; rw_now && rw_now[i]; i++) {
		autofree char *real = NULL;
		autoclose int fd = -1;
		size_t before = known->n;

		if (mnt_source(rw_now[i], trees.v, &fd, &real) != SOURCE_OK)
			continue; /* the child skips it too */
		if (push_new(&trees, real) < 0)
			goto oom;
		if (strchr(real, '\n')) {
			err_set(err, DROP_ESETUP, "cannot mount %s read-write: its path has a newline", rw_now[i]);
			goto out;
		}
		if (push_new(known, real) < 0)
			goto oom;
		if (known->n > before && append_record(dir, real, err) < 0)
			goto out;
	}
	rc = 0;
	goto out;
oom:
	err_sys(err, DROP_ESETUP, "out of memory");
out:
	strv_clear(&trees);
	return rc;
}

int state_record_rw(const struct drop_paths *p, const char *real, char *const *known, struct drop_err *err)
{
	autofree char *data = realpath(p->data_dir, NULL);
	autoclose int dir = data ? open(data, O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;

	for (size_t i = 0; known && known[i]; i++)
		if (!strcmp(known[i], real))
			return 0;
	if (dir < 0)
		return err_sys(err, DROP_ESETUP, "cannot open %s", p->data_dir);
	return append_record(dir, real, err);
}

int state_writable_trees(const struct drop_paths *p, char *const *rw_now, struct strv *trees,
			 struct drop_err *err)
{
	autofree char *data = realpath(p->data_dir, NULL);
	autoclose int dir = -1;
	struct strv known = { 0 };
	int rc = -1;

	if (!data)
		return err_sys(err, DROP_ESETUP, "cannot resolve %s", p->data_dir);
	dir = open(data, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return err_sys(err, DROP_ESETUP, "cannot open %s", data);
	if (push_new(&known, data) < 0) {
		err_sys(err, DROP_ESETUP, "out of memory");
		goto out;
	}
	if (read_record(dir, &known, err) < 0 || record_new(dir, rw_now, &known, err) < 0)
		goto out;
	rc = 0;
	for (size_t i = 0; rc == 0 && i < known.n; i++)
		rc = push_new(trees, known.v[i]);
	for (size_t i = 0; rc == 0 && rw_now && rw_now[i]; i++)
		rc = push_new(trees, rw_now[i]);
	if (rc < 0)
		err_sys(err, DROP_ESETUP, "out of memory");
out:
	strv_clear(&known);
	return rc;
}

/* Both the path drop uses and where it really is: a sandbox must reach neither. */
static int push_both(struct strv *v, const char *path)
{
	autofree char *real = realpath(path, NULL);

	if (path[0] != '/')
		return 0;
	if (push_new(v, path) < 0 || (real && push_new(v, real) < 0))
		return -1;
	return 0;
}

int state_protected(const struct drop_paths *p, char *const *config_files, struct strv *readonly,
		    struct strv *hidden, struct drop_err *err)
{
	autofree char *run = path_join(p->data_dir, "run");
	const char *const ro[] = { p->config_dir, p->sysconf_dir, p->data_dir };
	int rc = run ? push_both(hidden, run) : -1;

	for (size_t i = 0; rc == 0 && i < sizeof(ro) / sizeof(ro[0]); i++)
		rc = push_both(readonly, ro[i]);
	for (size_t i = 0; rc == 0 && config_files && config_files[i]; i++)
		rc = push_both(readonly, config_files[i]);
	return rc < 0 ? err_sys(err, DROP_ESETUP, "out of memory") : 0;
}
