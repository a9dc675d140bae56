/* util.c: pure helpers: config path checks, size/duration/port parsing, env ids, string vectors. */
#include "util.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"

static bool set_why(char *why, size_t why_len, const char *reason)
{
	if (why && why_len)
		snprintf(why, why_len, "%s", reason);
	return false;
}

/* Components after the first '/': none may be empty, "." or "..". */
static bool components_are_normal(const char *p)
{
	if (strcmp(p, "/") == 0)
		return true;
	while (*p == '/') {
		const char *start = p + 1;
		size_t len = strcspn(start, "/");

		if (len == 0 || (len == 1 && start[0] == '.') ||
		    (len == 2 && start[0] == '.' && start[1] == '.'))
			return false;
		p = start + len;
	}
	return true;
}

bool path_is_valid_config_path(const char *path, char *why, size_t why_len)
{
	const char *rest = path;

	if (!path || !*path)
		return set_why(why, why_len, "path is empty");
	if (path[0] == '~') {
		if (path[1] != '\0' && path[1] != '/')
			return set_why(why, why_len, "path must be absolute or start with ~/");
		rest = path + 1;
		if (!*rest)
			return true;
	} else if (path[0] != '/') {
		return set_why(why, why_len, "path must be absolute or start with ~/");
	}
	/* "~/" alone is a trailing slash, which is not normalized either. */
	if (path[0] == '~' && strcmp(rest, "/") == 0)
		return set_why(why, why_len, "path is not normalized");
	if (!components_are_normal(rest))
		return set_why(why, why_len, "path is not normalized");
	return true;
}

char *path_expand_home(const char *path, const char *home)
{
	char *out = NULL;
	size_t home_len;

	if (path[0] != '~' || (path[1] != '\0' && path[1] != '/'))
		return strdup(path);
	if (!home || home[0] != '/') {
		errno = EINVAL;
		return NULL;
	}
	home_len = strlen(home);
	/* HOME=/ or HOME=/home/a/ must not produce a doubled slash. */
	while (home_len > 1 && home[home_len - 1] == '/')
		home_len--;
	if (path[1] == '\0')
		return strndup(home, home_len);
	if (home_len == 1)
		home_len = 0;
	if (asprintf(&out, "%.*s%s", (int)home_len, home, path + 1) < 0)
		return NULL;
	return out;
}

char *path_join(const char *dir, const char *name)
{
	size_t dir_len = strlen(dir);
	char *out = NULL;

	while (dir_len > 0 && dir[dir_len - 1] == '/')
		dir_len--;
	while (*name == '/')
		name++;
	if (asprintf(&out, "%.*s/%s", (int)dir_len, dir, name) < 0)
		return NULL;
	return out;
}

bool path_is_under(const char *path, const char *prefix)
{
	size_t len = strlen(prefix);

	while (len > 0 && prefix[len - 1] == '/')
		len--;
	if (strncmp(path, prefix, len) != 0)
		return false;
	return path[len] == '\0' || path[len] == '/';
}

bool path_is_below(const char *path, const char *prefix)
{
	size_t len = strlen(prefix);

	while (len > 0 && prefix[len - 1] == '/')
		len--;
	return path_is_under(path, prefix) && path[len] == '/' && path[len + 1];
}

bool path_is_under_any(const char *path, char *const *trees, bool strict)
{
	for (size_t i = 0; trees && trees[i]; i++)
		if (strict ? path_is_below(path, trees[i]) : path_is_under(path, trees[i]))
			return true;
	return false;
}

/* Leading decimal digits into *out; returns the end, or NULL when none or on overflow (errno). */
static const char *scan_digits(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	const char *p = s;

	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');

		if (v > (UINT64_MAX - d) / 10) {
			errno = ERANGE;
			return NULL;
		}
		v = v * 10 + d;
	}
	if (p == s) {
		errno = EINVAL;
		return NULL;
	}
	*out = v;
	return p;
}

static int mul_checked(uint64_t v, uint64_t factor, uint64_t *out)
{
	if (factor && v > UINT64_MAX / factor) {
		errno = ERANGE;
		return -1;
	}
	*out = v * factor;
	return 0;
}

static uint64_t size_factor(char suffix)
{
	switch (suffix) {
	case '\0':
		return 1;
	case 'K': case 'k':
		return UINT64_C(1) << 10;
	case 'M': case 'm':
		return UINT64_C(1) << 20;
	case 'G': case 'g':
		return UINT64_C(1) << 30;
	default:
		return 0;
	}
}

int parse_size(const char *s, uint64_t *out)
{
	uint64_t v, factor;
	const char *end = scan_digits(s, &v);

	if (!end)
		return -1;
	factor = size_factor(*end);
	if (!factor || (*end && end[1])) {
		errno = EINVAL;
		return -1;
	}
	return mul_checked(v, factor, out);
}

static uint64_t duration_factor_ms(char suffix)
{
	switch (suffix) {
	case 's':
		return 1000;
	case 'm':
		return 60 * 1000;
	case 'h':
		return 60 * 60 * 1000;
	default:
		return 0;
	}
}

int parse_duration(const char *s, uint64_t *out_ms)
{
	uint64_t v, factor;
	const char *end = scan_digits(s, &v);

	if (!end)
		return -1;
	if (!*end && v == 0) {
		*out_ms = 0;
		return 0;
	}
	if (!*end) {
		errno = EDOM;  /* a number without its unit */
		return -1;
	}
	factor = duration_factor_ms(*end);
	if (!factor || (*end && end[1])) {
		errno = EINVAL;
		return -1;
	}
	return mul_checked(v, factor, out_ms);
}

int parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v;
	const char *end = scan_digits(s, &v);

	if (!end)
		return -1;
	if (*end) {
		errno = EINVAL;
		return -1;
	}
	if (v < min || v > max) {
		errno = ERANGE;
		return -1;
	}
	*out = v;
	return 0;
}

/* Up to three decimals: more precision than a thousandth of a CPU cannot be enforced. */
int parse_cpus(const char *s, uint64_t *out_millis)
{
	uint64_t whole, millis = 0, scale = 100;
	const char *p = scan_digits(s, &whole);

	if (!p)
		return -1;
	if (*p == '.') {
		const char *frac = ++p;

		for (; *p >= '0' && *p <= '9' && p - frac < 3; p++, scale /= 10)
			millis += (uint64_t)(*p - '0') * scale;
		if (p == frac) {
			errno = EINVAL;
			return -1;
		}
	}
	if (*p) {
		errno = EINVAL;
		return -1;
	}
	if (mul_checked(whole, 1000, &whole) < 0)
		return -1;
	if (whole + millis == 0) {
		errno = ERANGE;
		return -1;
	}
	*out_millis = whole + millis;
	return 0;
}

int parse_port(const char *s, uint16_t *out)
{
	uint64_t v;

	if (parse_uint(s, 1, 65535, &v) < 0)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

static size_t min3(size_t a, size_t b, size_t c)
{
	size_t m = a < b ? a : b;

	return m < c ? m : c;
}

size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	autofree size_t *row = calloc(lb + 1, sizeof(*row));

	if (!row)
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	/* One row suffices: diag keeps the value the cell above-left had. */
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t above = row[j];

			row[j] = min3(above + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1]));
			diag = above;
		}
	}
	return row[lb];
}

bool glob_match(const char *pattern, const char *s)
{
	return fnmatch(pattern, s, 0) == 0;
}

static bool is_env_id_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '.' || ch == '_' || ch == '-';
}

bool env_id_is_valid(const char *id)
{
	size_t len = strlen(id);

	if (len == 0 || len > ENV_ID_MAX || id[0] == '.' || id[0] == '-' || strcmp(id, "base") == 0)
		return false;
	for (const char *p = id; *p; p++)
		if (!is_env_id_char(*p))
			return false;
	return true;
}

char *env_id_from_path(const char *path)
{
	autofree char *id = NULL;
	const char *start = path;
	size_t len;

	while (*start == '/' || *start == '.' || *start == '-')
		start++;
	len = strlen(start);
	while (len > 0 && (start[len - 1] == '/' || start[len - 1] == '-'))
		len--;
	id = strndup(start, len);
	if (!id)
		return NULL;
	for (char *p = id; *p; p++) {
		if (*p == '/')
			*p = '-';
		else if (!is_env_id_char(*p))
			*p = '_';
	}
	if (!env_id_is_valid(id))
		return NULL;
	return steal_ptr(&id);
}

static int strv_reserve_one(struct strv *s)
{
	size_t cap;
	char **v;

	if (s->n + 1 < s->cap)
		return 0;
	cap = s->cap ? s->cap * 2 : 8;
	v = reallocarray(s->v, cap, sizeof(*v));
	if (!v)
		return -1;
	s->v = v;
	s->cap = cap;
	return 0;
}

int strv_push_owned(struct strv *s, char *str)
{
	if (!str || strv_reserve_one(s) < 0) {
		free(str);
		return -1;
	}
	s->v[s->n++] = str;
	s->v[s->n] = NULL;
	return 0;
}

int strv_push(struct strv *s, const char *str)
{
	return strv_push_owned(s, strdup(str));
}

void strv_clear(struct strv *s)
{
	strv_free(s->v);
	s->v = NULL;
	s->n = 0;
	s->cap = 0;
}

char **strv_steal(struct strv *s)
{
	char **v = s->v;

	if (!v) {
		v = calloc(1, sizeof(*v));
		if (!v)
			return NULL;
	}
	s->v = NULL;
	s->n = 0;
	s->cap = 0;
	return v;
}

/* "name:password:uid:gid:gecos:home:shell", one entry a line. */
bool passwd_find(char *text, unsigned long uid, const char **name, const char **home)
{
	char *save = NULL;

	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *field[7] = { 0 };
		char *p = line;
		char *end;
		int n = 0;

		while (n < 7) {
			field[n++] = p;
			p = strchr(p, ':');
			if (!p)
				break;
			*p++ = '\0';
		}
		if (n < 6 || !field[2][0])
			continue;
		errno = 0;
		if (strtoul(field[2], &end, 10) != uid || *end || errno)
			continue;
		*name = field[0];
		*home = field[5];
		return true;
	}
	return false;
}

const char *env_getn(char *const *env, const char *name, size_t len)
{
	for (size_t i = 0; env && env[i]; i++)
		if (!strncmp(env[i], name, len) && env[i][len] == '=')
			return env[i] + len + 1;
	return NULL;
}

const char *env_get(char *const *env, const char *name)
{
	return env_getn(env, name, strlen(name));
}
