/* builtin.c: the shipped app profiles (etc/profiles/NAME.ini) compiled in, looked up by file name. */
#include "builtin.h"

#include <string.h>

struct builtin {
	const char *file;
	const char *text;
};

/* Generated from etc/profiles by Makefile.am, in file name order. */
static const struct builtin builtins[] = {
#include "builtin-profiles.h"
};

bool builtin_is_origin(const char *name)
{
	return strncmp(name, BUILTIN_PREFIX, strlen(BUILTIN_PREFIX)) == 0;
}

const char *builtin_profile(const char *file, size_t *len)
{
	if (builtin_is_origin(file))
		file += strlen(BUILTIN_PREFIX);
	for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		if (strcmp(builtins[i].file, file) == 0) {
			*len = strlen(builtins[i].text);
			return builtins[i].text;
		}
	return NULL;
}

const char *builtin_profile_file(size_t i)
{
	return i < sizeof(builtins) / sizeof(builtins[0]) ? builtins[i].file : NULL;
}

bool profile_is_fragment(const char *name, const char *first_line, size_t len)
{
	size_t n = strlen(name);
	static const char mark[] = ": fragment";

	return len >= 2 + n + sizeof(mark) - 1 && memcmp(first_line, "# ", 2) == 0 &&
	       memcmp(first_line + 2, name, n) == 0 && memcmp(first_line + 2 + n, mark, sizeof(mark) - 1) == 0;
}
