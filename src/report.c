/* report.c: the JSON run report of --report FILE (SPEC 6): a tiny JSON writer and the atomic write. */
#include "report.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "sys.h"

/* ---- a growable output buffer; the first failed allocation sticks ---- */

struct jbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void jb_reserve(struct jbuf *b, size_t more)
{
	size_t want;
	char *np;

	if (b->oom || b->len + more + 1 <= b->cap)
		return;
	want = b->cap ? b->cap : 256;
	while (want < b->len + more + 1)
		want *= 2;
	np = realloc(b->p, want);
	if (!np) {
		b->oom = true;
		return;
	}
	b->p = np;
	b->cap = want;
}

static void jb_mem(struct jbuf *b, const char *s, size_t n)
{
	jb_reserve(b, n);
	if (b->oom)
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void jb_raw(struct jbuf *b, const char *s)
{
	jb_mem(b, s, strlen(s));
}

__attribute__((format(printf, 2, 3))) static void jb_fmt(struct jbuf *b, const char *fmt, ...)
{
	char tmp[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		jb_mem(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0: overlongs, surrogates and > U+10FFFF are invalid. */
static size_t utf8_valid_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	unsigned char lo = 0x80, hi = 0xbf;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	if (n < len)
		return 0;
	/* The second byte's range is what rules out overlongs, surrogates and too-large values. */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

static void jb_str(struct jbuf *b, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str);

	jb_raw(b, "\"");
	for (size_t i = 0; i < n;) {
		size_t len = utf8_valid_len(s + i, n - i);

		if (len == 0) {
			jb_raw(b, "\\ufffd");
			i++;
		} else if (s[i] == '"' || s[i] == '\\') {
			jb_mem(b, "\\", 1);
			jb_mem(b, (const char *)s + i, 1);
			i++;
		} else if (s[i] < 0x20) {
			jb_fmt(b, "\\u%04x", s[i]);
			i++;
		} else {
			jb_mem(b, (const char *)s + i, len);
			i += len;
		}
	}
	jb_raw(b, "\"");
}

static void jb_str_or_null(struct jbuf *b, const char *s)
{
	if (s)
		jb_str(b, s);
	else
		jb_raw(b, "null");
}

static void jb_u64_or_null(struct jbuf *b, uint64_t v)
{
	if (v)
		jb_fmt(b, "%llu", (unsigned long long)v);
	else
		jb_raw(b, "null");
}

static void jb_key(struct jbuf *b, const char *key)
{
	if (b->len > 1)
		jb_raw(b, ",");
	jb_str(b, key);
	jb_raw(b, ":");
}

static void jb_strv(struct jbuf *b, const char *const *v)
{
	jb_raw(b, "[");
	for (size_t i = 0; v && v[i]; i++) {
		if (i)
			jb_raw(b, ",");
		jb_str(b, v[i]);
	}
	jb_raw(b, "]");
}

/* ---- the report ---- */

const char *report_status_name(enum report_status s)
{
	switch (s) {
	case REPORT_EXITED:
		return "exited";
	case REPORT_SIGNALED:
		return "signaled";
	case REPORT_TIMED_OUT:
		return "timed_out";
	case REPORT_OOM_KILLED:
		return "oom_killed";
	case REPORT_KILLED:
		return "killed";
	case REPORT_ERROR:
	default:
		return "error";
	}
}

/* cpus as the user wrote them: 1500 -> 1.5, 2000 -> 2, 250 -> 0.25. */
static void jb_cpus(struct jbuf *b, uint64_t milli)
{
	char frac[8];
	size_t n;

	if (!milli) {
		jb_raw(b, "null");
		return;
	}
	jb_fmt(b, "%llu", (unsigned long long)(milli / 1000));
	if (milli % 1000 == 0)
		return;
	snprintf(frac, sizeof(frac), ".%03u", (unsigned)(milli % 1000));
	for (n = strlen(frac); frac[n - 1] == '0'; n--)
		frac[n - 1] = '\0';
	jb_raw(b, frac);
}

/* The limits in force, as the user would write them, plus how they are enforced. */
static void jb_limits(struct jbuf *b, const struct report_limits *l)
{
	jb_raw(b, "{\"memory\":");
	jb_u64_or_null(b, l->memory);
	jb_raw(b, ",\"pids\":");
	jb_u64_or_null(b, l->pids);
	jb_raw(b, ",\"cpus\":");
	jb_cpus(b, l->cpus_milli);
	jb_raw(b, ",\"timeout_ms\":");
	jb_u64_or_null(b, l->timeout_ms);
	jb_raw(b, ",\"max_output\":");
	jb_u64_or_null(b, l->max_output);
	jb_raw(b, ",\"mechanism\":");
	jb_str(b, l->mechanism ? l->mechanism : "none");
	jb_raw(b, ",\"unenforced\":");
	jb_strv(b, l->unenforced);
	jb_raw(b, "}");
}

static void jb_network(struct jbuf *b, const struct report_network *n)
{
	jb_raw(b, "{\"mode\":\"filtered\",\"allowed\":");
	jb_fmt(b, "%llu", (unsigned long long)n->allowed);
	jb_raw(b, ",\"denied\":[");
	for (size_t i = 0; i < n->n_denied; i++) {
		jb_raw(b, i ? ",{\"host\":" : "{\"host\":");
		jb_str(b, n->denied[i].host);
		jb_fmt(b, ",\"port\":%u,\"count\":%llu}", n->denied[i].port, (unsigned long long)n->denied[i].count);
	}
	jb_raw(b, "]}");
}

char *report_to_json(const struct run_report *r)
{
	struct jbuf b = { 0 };

	jb_raw(&b, "{");
	jb_key(&b, "env");
	jb_str_or_null(&b, r->env);
	jb_key(&b, "argv");
	jb_strv(&b, (const char *const *)r->argv);
	jb_key(&b, "status");
	jb_str(&b, report_status_name(r->status));
	jb_key(&b, "exit_code");
	if (r->has_exit_code)
		jb_fmt(&b, "%d", r->exit_code);
	else
		jb_raw(&b, "null");
	jb_key(&b, "signal");
	if (r->signal > 0)
		jb_fmt(&b, "%d", r->signal);
	else
		jb_raw(&b, "null");
	jb_key(&b, "duration_ms");
	jb_fmt(&b, "%llu", (unsigned long long)r->duration_ms);
	jb_key(&b, "startup_ms");
	jb_fmt(&b, "%llu", (unsigned long long)r->startup_ms);
	jb_key(&b, "peak_memory_bytes");
	if (r->has_peak_memory)
		jb_fmt(&b, "%llu", (unsigned long long)r->peak_memory_bytes);
	else
		jb_raw(&b, "null");
	jb_key(&b, "stdout_truncated");
	jb_raw(&b, r->stdout_truncated ? "true" : "false");
	jb_key(&b, "stderr_truncated");
	jb_raw(&b, r->stderr_truncated ? "true" : "false");
	jb_key(&b, "limits");
	jb_limits(&b, &r->limits);
	jb_key(&b, "error");
	jb_str_or_null(&b, r->error);
	if (r->network.filtered) {
		jb_key(&b, "network");
		jb_network(&b, &r->network);
	}
	jb_raw(&b, "}\n");
	if (b.oom) {
		free(b.p);
		errno = ENOMEM;
		return NULL;
	}
	return b.p;
}

/* ---- where the report goes ---- */

static char *dir_of(const char *path)
{
	autofree char *copy = strdup(path);

	return copy ? strdup(dirname(copy)) : NULL;
}

/* An existing path that is a symlink to a file is followed, so the rename replaces the file, not the link. */
static char *report_target(const char *path)
{
	struct stat st;

	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode) && stat(path, &st) == 0)
		return realpath(path, NULL);
	return strdup(path);
}

static int check_target_kind(const char *path, struct drop_err *err)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return 0;
	if (S_ISDIR(st.st_mode))
		return err_set(err, DROP_ESETUP, "cannot write report %s: it is a directory; give a file name", path);
	if (!S_ISREG(st.st_mode))
		return err_set(err, DROP_ESETUP,
			       "cannot write report %s: not a regular file (the report replaces the file atomically); "
			       "give a file name", path);
	return 0;
}

static int check_dir(const char *report, const char *dir, struct drop_err *err)
{
	struct stat st;

	if (stat(dir, &st) < 0)
		return err_sys(err, DROP_ESETUP, "cannot write report %s: directory %s", report, dir);
	if (!S_ISDIR(st.st_mode))
		return err_set(err, DROP_ESETUP, "cannot write report %s: %s is not a directory", report, dir);
	return 0;
}

/* What to do about a failed probe, by errno. */
static const char *probe_advice(int e)
{
	switch (e) {
	case EACCES:
	case EPERM:
		return "choose a directory you can write to";
	case EROFS:
		return "the file system is read-only; choose a writable location";
	case ENOSPC:
	case EDQUOT:
		return "free some space or choose another location";
	default:
		return "choose another location";
	}
}

static int open_temp(const char *dir, const char *target, char **tmp_path)
{
	autofree char *copy = strdup(target);
	int fd;

	if (!copy || asprintf(tmp_path, "%s/.%s.XXXXXX", dir, basename(copy)) < 0) {
		*tmp_path = NULL;
		return -1;
	}
	fd = mkostemp(*tmp_path, O_CLOEXEC);
	if (fd < 0) {
		free(*tmp_path);
		*tmp_path = NULL;
	}
	return fd;
}

int report_check_path(const char *path, struct drop_err *err)
{
	autofree char *target = NULL;
	autofree char *dir = NULL;
	autofree char *tmp = NULL;
	int fd;

	if (!path || !path[0])
		return err_set(err, DROP_ESETUP, "cannot write report '': empty file name; give a file name");
	target = report_target(path);
	dir = target ? dir_of(target) : NULL;
	if (!dir)
		return err_sys(err, DROP_ESETUP, "cannot write report %s", path);
	if (check_target_kind(target, err) < 0 || check_dir(path, dir, err) < 0)
		return -1;
	fd = open_temp(dir, target, &tmp);
	if (fd < 0) {
		int e = errno;
		return err_set(err, DROP_ESETUP, "cannot write report %s: cannot create a file in %s: %s; %s", path,
			       dir, strerror(e), probe_advice(e));
	}
	close(fd);
	unlink(tmp);
	return 0;
}

static mode_t new_file_mode(const char *target)
{
	struct stat st;
	mode_t mask;

	if (stat(target, &st) == 0)
		return st.st_mode & 07777;
	mask = umask(0);
	umask(mask);
	return 0666 & ~mask;
}

static int write_temp_and_rename(const char *dir, const char *target, const char *json)
{
	autofree char *tmp = NULL;
	autoclose int fd = open_temp(dir, target, &tmp);

	if (fd < 0)
		return -1;
	/*
	 * No fsync: the rename already makes the write atomic for readers, and two
	 * fsyncs cost milliseconds on every run. After a crash the report may be
	 * missing or old, never half-written (ext4 and xfs flush the data of a
	 * file renamed over another, and a report that is new is simply absent).
	 */
	if (sys_write_all(fd, json, strlen(json)) < 0 || fchmod(fd, new_file_mode(target)) < 0 ||
	    rename(tmp, target) < 0) {
		int e = errno;
		unlink(tmp);
		errno = e;
		return -1;
	}
	return 0;
}

int report_write(const char *path, const struct run_report *r, struct drop_err *err)
{
	autofree char *json = NULL;
	autofree char *target = NULL;
	autofree char *dir = NULL;

	if (report_check_path(path, err) < 0)
		return -1;
	json = report_to_json(r);
	target = report_target(path);
	dir = target ? dir_of(target) : NULL;
	if (!json || !dir)
		return err_sys(err, DROP_ESETUP, "cannot write report %s", path);
	if (write_temp_and_rename(dir, target, json) < 0)
		return err_sys(err, DROP_ESETUP, "cannot write report %s", path);
	return 0;
}
