/* builtin.h: the shipped app profiles compiled into the binary, the lowest profile layer (SPEC 4). */
#ifndef DROP_BUILTIN_H
#define DROP_BUILTIN_H

#include <stdbool.h>
#include <stddef.h>

/* A built-in profile's FILE in origins and messages is "built-in:NAME.ini". */
#define BUILTIN_PREFIX "built-in:"

/* Is name a built-in's origin name ("built-in:...")? */
bool builtin_is_origin(const char *name);
/*
 * The text of the built-in profile file ("firefox.ini"), also given as its
 * origin name ("built-in:firefox.ini"); NULL when none has that name. The text
 * is static; *len is its length.
 */
const char *builtin_profile(const char *file, size_t *len);
/* The i-th built-in's file name ("audio.ini"), in file name order; NULL past the last. */
const char *builtin_profile_file(size_t i);
/*
 * SPEC 4's fragment rule: a profile file only meant to be included starts
 * with the line "# NAME: fragment..." (NAME its file name without .ini).
 * first_line need not be NUL-terminated at the line's end.
 */
bool profile_is_fragment(const char *name, const char *first_line, size_t len);

#endif
