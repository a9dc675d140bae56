/* util.h: pure helpers (no I/O): path checks, size/duration/port parsing, string lists. */
#ifndef DROP_UTIL_H
#define DROP_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A config path: absolute or "~/..." (or exactly "~"), no "." or ".."
 * component, no doubled slash, no trailing slash (except "/"), not empty.
 * On failure returns false and writes a short reason to why
 * ("path is not normalized", "path must be absolute or start with ~/").
 */
bool path_is_valid_config_path(const char *path, char *why, size_t why_len);

/* "~" or "~/x" -> HOME or HOME/x; absolute paths copied. Returns malloc'd string or NULL
 * (ENOMEM, or EINVAL when the path starts with "~" and home is NULL or not absolute). */
char *path_expand_home(const char *path, const char *home);

/* Join dir and name with exactly one '/'. malloc'd. */
char *path_join(const char *dir, const char *name);

/* True if path equals prefix or lies below it ("/a/b" is under "/a", "/ab" is not). */
bool path_is_under(const char *path, const char *prefix);
/* Under prefix and not prefix itself ("/a/b" is below "/a"; "/a" is not). */
bool path_is_below(const char *path, const char *prefix);
/* path_is_under one of trees (NULL-terminated, or NULL), or path_is_below one when strict. */
bool path_is_under_any(const char *path, char *const *trees, bool strict);

/*
 * The parsers return 0, or -1 with errno EINVAL (malformed) or ERANGE (overflow,
 * out of bounds), so callers can say which.
 * Sizes: decimal bytes or K/M/G (binary, K = 1024, lower case too), no trailing 'B'. 0 allowed.
 */
int parse_size(const char *s, uint64_t *out);
/* Durations: a number with an s, m or h suffix, or "0" = none (SPEC 3.2); a unit missing fails with EDOM. Result in ms. */
int parse_duration(const char *s, uint64_t *out_ms);
/* Unsigned decimal with bounds, no sign, no spaces. */
int parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* Positive decimal like "1.5", "2", at most 3 decimals; result in thousandths (1.5 -> 1500). */
int parse_cpus(const char *s, uint64_t *out_millis);
/* Port 1..65535 */
int parse_port(const char *s, uint16_t *out);

/* Levenshtein distance, for "did you mean" suggestions. */
size_t edit_distance(const char *a, const char *b);

/* Glob match (fnmatch without flags) wrapper. */
bool glob_match(const char *pattern, const char *s);

/* Longest id: "ID.ini" and the instance directory "ID-NNNN" must fit in NAME_MAX. */
#define ENV_ID_MAX 200

/* Valid environment id: [A-Za-z0-9._-]+, not starting with '.' or '-', not "base",
 * at most ENV_ID_MAX bytes. */
bool env_id_is_valid(const char *id);

/* In /etc/passwd text, the entry of uid: pointers to its name and home
 * directory, NUL-terminated in place; false when there is none. */
bool passwd_find(char *text, unsigned long uid, const char **name, const char **home);
/* Derive an id from a directory path: "/home/alice/src/proj" -> "home-alice-src-proj"
 * (slashes become '-', leading '.'/'-' and trailing '-' stripped, other invalid
 * characters become '_'). malloc'd; NULL if the result is empty or invalid. */
char *env_id_from_path(const char *path);

/* The value of a variable in an environ-like vector ("NAME=value" strings,
 * NULL-terminated; env itself may be NULL), or NULL when it has none. env_getn
 * takes the name as its first len bytes (a name inside a longer string). */
const char *env_get(char *const *env, const char *name);
const char *env_getn(char *const *env, const char *name, size_t len);

/* Growable NULL-terminated string vector. */
struct strv {
	char **v;   /* NULL-terminated, owned */
	size_t n;
	size_t cap;
};
int strv_push(struct strv *s, const char *str);         /* copies str; -1 on ENOMEM */
int strv_push_owned(struct strv *s, char *str);         /* takes str (freed on failure) */
void strv_clear(struct strv *s);
char **strv_steal(struct strv *s);                      /* returns v (never NULL on success), resets s */

#endif
