/* log.h: the one error idiom (struct drop_err), exit statuses, and drop's own output. */
#ifndef DROP_LOG_H
#define DROP_LOG_H

#include <stdarg.h>

/* Exit statuses of SPEC 2.4. */
enum drop_status {
	DROP_OK = 0,
	DROP_FAIL = 1,       /* other subcommands: failure */
	DROP_USAGE = 2,      /* other subcommands: usage error */
	DROP_TIMEOUT = 124,  /* run ended by [limits] timeout */
	DROP_ESETUP = 125,   /* drop itself failed before the program started */
	DROP_ENOEXEC = 126,  /* command found but not executable */
	DROP_ENOENT = 127,   /* command not found */
};

enum drop_verbosity { V_QUIET = -1, V_NORMAL = 0, V_VERBOSE = 1 };

/*
 * Every fallible function returns 0 or -1 and fills a caller-supplied
 * drop_err: no allocation, so it works after clone() and when memory is short.
 * status is a drop_status; 0 means "let the caller's context decide"
 * (DROP_FAIL for plain subcommands, DROP_ESETUP for run/enter/PROGRAM).
 */
struct drop_err {
	int status;
	char msg[1024];
};

/* Fill err (message without the "drop: " prefix); returns -1. */
int err_set(struct drop_err *err, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Same, with ": strerror(errno)" appended; errno is read first. */
int err_sys(struct drop_err *err, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Prefix an existing message: "PREFIX: old message". */
int err_prefix(struct drop_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Print "drop: MESSAGE\n" to stderr in one write. */
void log_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_vmsg(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
/* Print only when verbosity >= min. */
void log_at(int verbosity, int min, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
