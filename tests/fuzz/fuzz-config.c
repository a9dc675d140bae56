/* fuzz-config.c: libFuzzer target for the config loader: up to 4 INI files that may include each other. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The input is a small file set: the files' texts separated by a line
 * "--8<--". File 0 is the config, always parsed from memory; the others are
 * what its includes may name: "b.ini", "c.ini" (same directory) and
 * "sub/d.ini" (HOME is the directory too, so "~/b.ini" works). Includes
 * resolve on the real filesystem, so only an input whose file 0 says
 * "include" has the set written to a private directory made once (a file
 * absent from the input is absent on disk; a file is rewritten only when
 * it changed) and file 0 also loaded from disk: the other inputs cost no
 * system call at all.
 */
#define SEPARATOR "\n--8<--\n"
#define MAX_FILES 4

static const char *const file_names[MAX_FILES] = { "a.ini", "b.ini", "c.ini", "sub/d.ini" };

struct file_set {
	char dir[64];
	char paths[MAX_FILES][128];
	uint8_t *text[MAX_FILES];  /* what is on disk now; NULL: absent */
	size_t len[MAX_FILES];
};

/* libFuzzer gives the target no context: the set lives for the process. */
static struct file_set the_set;

static void remove_file_set(void)
{
	char sub[96];

	for (int i = 0; i < MAX_FILES; i++) {
		unlink(the_set.paths[i]);
		free(the_set.text[i]);
	}
	snprintf(sub, sizeof(sub), "%s/sub", the_set.dir);
	rmdir(sub);
	rmdir(the_set.dir);
}

static struct file_set *file_set(void)
{
	char sub[96];

	if (the_set.dir[0])
		return &the_set;
	/* A tmpfs where there is one: a disk's journal would set the pace. */
	snprintf(the_set.dir, sizeof(the_set.dir), "%s/fuzz-config.XXXXXX",
		 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (!mkdtemp(the_set.dir)) {
		perror("fuzz-config: mkdtemp");
		abort();
	}
	for (int i = 0; i < MAX_FILES; i++)
		snprintf(the_set.paths[i], sizeof(the_set.paths[i]), "%s/%s", the_set.dir, file_names[i]);
	snprintf(sub, sizeof(sub), "%s/sub", the_set.dir);
	if (mkdir(sub, 0700) < 0) {
		perror("fuzz-config: mkdir");
		abort();
	}
	atexit(remove_file_set);
	return &the_set;
}

static void write_file(const char *path, const uint8_t *p, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0) {
		perror(path);
		abort();
	}
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			perror(path);
			abort();
		}
		p += n;
		len -= (size_t)n;
	}
	close(fd);
}

/* Make file i hold p (NULL: absent), touching the disk only where it differs. */
static void update_file(struct file_set *set, int i, const uint8_t *p, size_t len)
{
	if (!p) {
		if (set->text[i])
			unlink(set->paths[i]);
		free(set->text[i]);
		set->text[i] = NULL;
		return;
	}
	if (set->text[i] && set->len[i] == len && memcmp(set->text[i], p, len) == 0)
		return;
	write_file(set->paths[i], p, len);
	free(set->text[i]);
	set->text[i] = malloc(len ? len : 1);
	if (!set->text[i])
		abort();
	memcpy(set->text[i], p, len);
	set->len[i] = len;
}

/* Split data at SEPARATOR into at most MAX_FILES parts; returns the count. */
static int split(const uint8_t *data, size_t size, const uint8_t *part[], size_t len[])
{
	size_t sep = strlen(SEPARATOR);
	int n = 0;

	part[0] = data;
	while (n < MAX_FILES - 1) {
		const uint8_t *end = part[n] + size - (size_t)(part[n] - data);
		const uint8_t *at = memmem(part[n], (size_t)(end - part[n]), SEPARATOR, sep);
		if (!at)
			break;
		len[n] = (size_t)(at - part[n]);
		part[n + 1] = at + sep;
		n++;
	}
	len[n] = size - (size_t)(part[n] - data);
	return n + 1;
}

static bool config_empty(const struct drop_config *c)
{
	for (int k = 0; k < CFG_KEY_COUNT; k++)
		if (c->key[k].n)
			return false;
	return c->notes.n == 0;
}

/* What every load must guarantee, whatever it was given. */
static void check_load(int rc, struct drop_config *c, const struct drop_err *err, const char *home)
{
	struct drop_settings s;
	struct drop_err rerr;

	if (!memchr(err->msg, '\0', sizeof(err->msg)))
		abort();
	if (rc < 0) {
		/* A failed load says why, and leaves the config untouched. */
		if (!err->msg[0] || !config_empty(c))
			abort();
		return;
	}
	memset(&s, 0, sizeof(s));
	if (config_resolve(c, home, &s, &rerr) == 0)
		settings_free(&s);
	else if (!rerr.msg[0])
		abort();
}

static void load_and_check(const char *name, const uint8_t *text, size_t len, const char *home)
{
	struct cfg_load_ctx ctx = { .home = home };
	struct drop_config c;
	struct drop_err err;
	int rc;

	config_init(&c);
	memset(&err, 0, sizeof(err));
	if (text)
		rc = config_load_string(&c, name, (const char *)text, len, &ctx, &err);
	else
		rc = config_load_file(&c, name, &ctx, &err);
	check_load(rc, &c, &err, home);
	config_free(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct file_set *set;
	const uint8_t *part[MAX_FILES];
	size_t len[MAX_FILES];
	int n = split(data, size, part, len);

	if (!memmem(part[0], len[0], "include", 7)) {
		/* Nothing is read from disk: the name only has to look like the set's. */
		load_and_check("/nonexistent/fuzz-config/a.ini", part[0], len[0], "/nonexistent/fuzz-config");
		return 0;
	}
	set = file_set();
	for (int i = 0; i < MAX_FILES; i++)
		update_file(set, i, i < n ? part[i] : NULL, i < n ? len[i] : 0);
	load_and_check(set->paths[0], NULL, 0, set->dir);
	load_and_check(set->paths[0], part[0], len[0], set->dir);
	return 0;
}
