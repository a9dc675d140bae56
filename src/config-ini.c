/* config-ini.c: loads INI text: a checking line reader in front of inih, includes, FILE:LINE. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "builtin.h"
#include "cleanup.h"
#include "sys.h"
#include "util.h"

#define INCLUDE_DEPTH_MAX 16
/* Far above any real config; keeps a mistaken include of a huge file cheap. */
#define CONFIG_FILE_MAX (1024 * 1024)

/* A file being loaded, for cycle detection and the cycle message. */
struct include_frame {
	const char *name;
	bool has_id;  /* strings have no dev/ino */
	dev_t dev;
	ino_t ino;
};

/* State shared by a top-level load and all its includes. */
struct loader {
	struct drop_config *c;
	struct strv *files;  /* the destination config's list of files read */
	const char *home;
	struct drop_err *err;
	bool failed;  /* err is set; every reader stops */
	struct include_frame stack[INCLUDE_DEPTH_MAX + 1];
	size_t depth;
};

/* One text being parsed: the reader's position and what its handler has seen. */
struct ini_text {
	struct loader *ld;
	const char *name;
	const char *text;
	size_t len;
	size_t pos;
	unsigned lineno;
	bool in_section;
	bool scalar_seen[CFG_KEY_COUNT];
};

struct line {
	const char *s;
	size_t len;  /* without the line terminator */
};

static int load_text(struct loader *ld, const char *name, const char *text, size_t len,
		     const struct stat *st);

static int fail_at_line(struct ini_text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int fail_at_line(struct ini_text *t, const char *fmt, ...)
{
	char msg[sizeof(t->ld->err->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	t->ld->failed = true;
	return err_set(t->ld->err, 0, "%s:%u: %s", t->name, t->lineno, msg);
}

/* ---- the line reader ---- */

static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\v' || ch == '\f' || ch == '\r';
}

static struct line next_line(struct ini_text *t)
{
	const char *start = t->text + t->pos;
	const char *nl = memchr(start, '\n', t->len - t->pos);
	struct line l = { start, nl ? (size_t)(nl - start) : t->len - t->pos };

	t->pos += l.len + (nl ? 1 : 0);
	t->lineno++;
	if (l.len > 0 && l.s[l.len - 1] == '\r')
		l.len--;
	if (t->lineno == 1 && l.len >= 3 && memcmp(l.s, "\xEF\xBB\xBF", 3) == 0) {
		l.s += 3;
		l.len -= 3;
	}
	return l;
}

static struct line trim(struct line l)
{
	while (l.len > 0 && is_blank(l.s[0])) {
		l.s++;
		l.len--;
	}
	while (l.len > 0 && is_blank(l.s[l.len - 1]))
		l.len--;
	return l;
}

static bool is_comment(struct line trimmed)
{
	return trimmed.len > 0 && (trimmed.s[0] == '#' || trimmed.s[0] == ';');
}

static int check_section_line(struct ini_text *t, struct line l)
{
	const char *close = memchr(l.s, ']', l.len);
	struct line rest;
	char name[128];

	if (!close)
		return fail_at_line(t, "unterminated section header (expected [section])");
	rest = trim((struct line){ close + 1, l.len - (size_t)(close + 1 - l.s) });
	if (rest.len > 0 && rest.s[0] != ';')
		return fail_at_line(t, "unexpected text after ']'");
	snprintf(name, sizeof(name), "%.*s", (int)(close - l.s - 1), l.s + 1);
	if (cfg_section_check(name, t->ld->err) < 0)
		return fail_at_line(t, "%s", t->ld->err->msg);
	t->in_section = true;
	return 0;
}

static bool is_key_name_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '_' || ch == '-' || ch == '.';
}

/*
 * inih would also split at ':' and take keys outside sections;
 * only "name = value" in a section passes.
 */
static int check_key_line(struct ini_text *t, struct line l)
{
	const char *eq = memchr(l.s, '=', l.len);
	struct line key;

	if (!eq && memchr(l.s, ':', l.len))
		return fail_at_line(t, "expected 'key = value' (only '=' separates key and value)");
	if (!eq)
		return fail_at_line(t, "expected 'key = value', '[section]' or a comment");
	key = trim((struct line){ l.s, (size_t)(eq - l.s) });
	if (key.len == 0)
		return fail_at_line(t, "missing key name before '='");
	for (size_t i = 0; i < key.len; i++)
		if (!is_key_name_char(key.s[i]))
			return fail_at_line(t, "invalid key name '%.*s' (expected 'key = value')",
					    (int)key.len, key.s);
	if (!t->in_section)
		return fail_at_line(t, "key '%.*s' before the first [section]", (int)key.len, key.s);
	return 0;
}

/*
 * Indented comments are accepted: inih tests for a comment before it tests for
 * a continuation, and SPEC 3.2's own example continues a comment that way.
 */
static int check_line(struct ini_text *t, struct line l, size_t bufsize)
{
	struct line trimmed = trim(l);

	if (memchr(l.s, '\0', l.len))
		return fail_at_line(t, "NUL byte in line");
	/* inih needs room for "\n" and the terminating NUL; it would cut a longer line in two. */
	if (l.len + 2 > bufsize)
		return fail_at_line(t, "line too long (%zu bytes, at most %zu)", l.len, bufsize - 2);
	if (trimmed.len == 0 || is_comment(trimmed))
		return 0;
	if (is_blank(l.s[0]))
		return fail_at_line(t, "indented line (continuation lines are not supported; "
				       "remove the leading whitespace)");
	if (l.s[0] == '[')
		return check_section_line(t, trimmed);
	return check_key_line(t, trimmed);
}

/* An ini_reader: hands inih one checked line at a time, or ends the parse on the first bad one. */
static char *read_checked_line(char *buf, int size, void *stream)
{
	struct ini_text *t = stream;
	struct line l;

	if (t->ld->failed || t->pos >= t->len)
		return NULL;
	l = next_line(t);
	if (size < 2) {
		fail_at_line(t, "parser buffer too small");
		return NULL;
	}
	if (check_line(t, l, (size_t)size) < 0)
		return NULL;
	memcpy(buf, l.s, l.len);
	buf[l.len] = '\n';
	buf[l.len + 1] = '\0';
	return buf;
}

/* ---- files and includes ---- */

/* The rest of fd, at most CONFIG_FILE_MAX bytes. */
static int read_all(int fd, const char *name, char **out, size_t *out_len, struct drop_err *err)
{
	if (read_fd(fd, CONFIG_FILE_MAX, 0, out, out_len) == 0)
		return 0;
	if (errno == EFBIG)
		return err_set(err, 0, "%s: file is too large (over %d bytes)", name, CONFIG_FILE_MAX);
	return err_sys(err, 0, "%s", name);
}

/*
 * Open first, then fstat: no window between the check and the use. O_NONBLOCK
 * so that a FIFO named as a config cannot hang us before fstat rejects it.
 * -1 with errno when it cannot be opened, -2 when it is not a regular file.
 */
static int open_regular(const char *path, struct stat *st)
{
	autoclose int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (fd < 0 || fstat(fd, st) < 0)
		return -1;
	if (!S_ISREG(st->st_mode))
		return -2;
	return steal_fd(&fd);
}

static char *dir_of(const char *name)
{
	const char *slash = strrchr(name, '/');

	if (!slash)
		return NULL;
	if (slash == name)
		return strdup("/");
	return strndup(name, (size_t)(slash - name));
}

/* Absolute, ~/..., or relative to the including file's directory. */
static int include_path(struct ini_text *t, const char *value, char **out)
{
	autofree char *dir = NULL;

	if (value[0] == '~' && (value[1] == '\0' || value[1] == '/')) {
		*out = path_expand_home(value, t->ld->home);
		if (!*out && errno == EINVAL)
			return fail_at_line(t, "cannot expand include '%s': HOME is not an absolute path",
					    value);
	} else if (value[0] == '/' || !strchr(t->name, '/')) {
		*out = strdup(value);
	} else {
		dir = dir_of(t->name);
		*out = dir ? path_join(dir, value) : NULL;
	}
	if (!*out) {
		t->ld->failed = true;
		return err_sys(t->ld->err, 0, "%s:%u: include '%s'", t->name, t->lineno, value);
	}
	return 0;
}

static int fail_cycle(struct ini_text *t, size_t from, const char *path)
{
	char chain[sizeof(t->ld->err->msg)] = "";
	size_t used = 0;

	for (size_t i = from; i < t->ld->depth && used < sizeof(chain); i++)
		used += (size_t)snprintf(chain + used, sizeof(chain) - used, "%s -> ",
					 t->ld->stack[i].name);
	if (used < sizeof(chain))
		snprintf(chain + used, sizeof(chain) - used, "%s", path);
	return fail_at_line(t, "include cycle: %s", chain);
}

/* The real file (dev/ino) decides, so "a.ini" and "./a.ini" are the same file. */
static int check_include_stack(struct ini_text *t, const char *path, const struct stat *st)
{
	struct loader *ld = t->ld;

	for (size_t i = 0; i < ld->depth; i++)
		if (ld->stack[i].has_id && ld->stack[i].dev == st->st_dev &&
		    ld->stack[i].ino == st->st_ino)
			return fail_cycle(t, i, path);
	if (ld->depth > INCLUDE_DEPTH_MAX)
		return fail_at_line(t, "include depth over %d", INCLUDE_DEPTH_MAX);
	return 0;
}

/* Built-ins have no dev/ino: a name already on the stack is a cycle. */
static int follow_builtin(struct ini_text *t, const char *value)
{
	autofree char *name = NULL;
	size_t len;
	const char *text;

	if (builtin_is_origin(value))
		value += strlen(BUILTIN_PREFIX);
	text = builtin_profile(value, &len);
	if (!text)
		return fail_at_line(t, "cannot open include '%s': no such file or built-in profile", value);
	if (asprintf(&name, "%s%s", BUILTIN_PREFIX, value) < 0) {
		t->ld->failed = true;
		return err_sys(t->ld->err, 0, "%s:%u: include '%s'", t->name, t->lineno, value);
	}
	for (size_t i = 0; i < t->ld->depth; i++)
		if (strcmp(t->ld->stack[i].name, name) == 0)
			return fail_cycle(t, i, name);
	if (t->ld->depth > INCLUDE_DEPTH_MAX)
		return fail_at_line(t, "include depth over %d", INCLUDE_DEPTH_MAX);
	return load_text(t->ld, name, text, len, NULL);
}

/*
 * A built-in includes built-ins; "built-in:NAME.ini" names one from a file
 * (a user's profile that extends the shipped one of the same name). A file's
 * include of a bare NAME.ini that no file has finds the built-in (SPEC 4).
 */
static int follow_include(struct ini_text *t, const char *value)
{
	autofree char *path = NULL;
	autofree char *text = NULL;
	autoclose int fd = -1;
	struct stat st;
	size_t len;

	if (builtin_is_origin(t->name) || builtin_is_origin(value))
		return follow_builtin(t, value);
	if (include_path(t, value, &path) < 0)
		return -1;
	fd = open_regular(path, &st);
	if (fd == -2)
		return fail_at_line(t, "cannot open include '%s': not a regular file", value);
	if (fd < 0 && errno == ENOENT && !strchr(value, '/') && builtin_profile(value, &len))
		return follow_builtin(t, value);
	if (fd < 0) {
		t->ld->failed = true;
		return err_sys(t->ld->err, 0, "%s:%u: cannot open include '%s'", t->name, t->lineno,
			       value);
	}
	if (check_include_stack(t, path, &st) < 0)
		return -1;
	if (strv_push(t->ld->files, path) < 0) {
		t->ld->failed = true;
		return err_sys(t->ld->err, 0, "%s", path);
	}
	if (read_all(fd, path, &text, &len, t->ld->err) < 0) {
		t->ld->failed = true;
		return -1;
	}
	return load_text(t->ld, path, text, len, &st);
}

/* ---- the inih handler ---- */

static int note_repeated_scalar(struct ini_text *t, enum cfg_key k)
{
	if (!t->scalar_seen[k]) {
		t->scalar_seen[k] = true;
		return 0;
	}
	if (config_add_note(t->ld->c, t->name, t->lineno, "'%s' set again, this value wins",
			    cfg_key_info(k)->name) < 0) {
		t->ld->failed = true;
		return err_sys(t->ld->err, 0, "%s:%u", t->name, t->lineno);
	}
	return 0;
}

/* inih calls this for each "key = value" the reader let through; the reader's line is current. */
static int on_key(void *user, const char *section, const char *name, const char *value)
{
	struct ini_text *t = user;
	struct loader *ld = t->ld;
	enum cfg_key k;

	if (cfg_key_find(section, name, &k, ld->err) < 0) {
		fail_at_line(t, "%s", ld->err->msg);
		return 0;
	}
	if (config_add(ld->c, k, value, t->name, t->lineno, ld->err) < 0) {
		ld->failed = true;
		return 0;
	}
	if (!cfg_key_info(k)->is_list && note_repeated_scalar(t, k) < 0)
		return 0;
	if (k == CFG_DROP_INCLUDE && follow_include(t, value) < 0)
		return 0;
	return 1;
}

static int load_text(struct loader *ld, const char *name, const char *text, size_t len,
		     const struct stat *st)
{
	struct ini_text t = { .ld = ld, .name = name, .text = text, .len = len };
	struct include_frame *frame = &ld->stack[ld->depth++];
	int r;

	*frame = (struct include_frame){ .name = name, .has_id = st != NULL };
	if (st) {
		frame->dev = st->st_dev;
		frame->ino = st->st_ino;
	}
	r = ini_parse_stream(read_checked_line, &t, on_key, &t);
	ld->depth--;
	if (ld->failed)
		return -1;
	if (r == -2)
		return err_set(ld->err, 0, "%s: out of memory", name);
	if (r != 0)
		return err_set(ld->err, 0, "%s:%d: syntax error", name, r);
	return 0;
}

/* Everything lands in a scratch config first: a failed load leaves c untouched. */
static int load_top(struct drop_config *c, const char *name, const char *text, size_t len,
		    const struct stat *st, const struct cfg_load_ctx *ctx, struct drop_err *err)
{
	struct drop_config scratch;
	struct loader ld = { .c = &scratch, .files = &c->files, .home = ctx ? ctx->home : NULL, .err = err };
	int r;

	config_init(&scratch);
	r = load_text(&ld, name, text, len, st);
	if (r == 0 && config_merge(c, &scratch) < 0)
		r = err_sys(err, 0, "%s", name);
	config_free(&scratch);
	return r;
}

int config_load_file(struct drop_config *c, const char *path, const struct cfg_load_ctx *ctx,
		     struct drop_err *err)
{
	autofree char *text = NULL;
	autoclose int fd = -1;
	struct stat st;
	size_t len;

	fd = open_regular(path, &st);
	if (fd == -2)
		return err_set(err, 0, "%s: not a regular file", path);
	if (fd < 0)
		return err_sys(err, 0, "%s", path);
	if (read_all(fd, path, &text, &len, err) < 0)
		return -1;
	if (strv_push(&c->files, path) < 0)
		return err_sys(err, 0, "%s", path);
	return load_top(c, path, text, len, &st, ctx, err);
}

int config_load_string(struct drop_config *c, const char *name, const char *text, size_t len,
		       const struct cfg_load_ctx *ctx, struct drop_err *err)
{
	return load_top(c, name, text, len, NULL, ctx, err);
}
