/* log.c: fills drop_err and writes drop's own one-line messages to stderr. */
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int err_set(struct drop_err *err, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	err->status = status;
	return -1;
}

int err_sys(struct drop_err *err, int status, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	size_t len;

	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	len = strlen(err->msg);
	snprintf(err->msg + len, sizeof(err->msg) - len, ": %s", strerror(saved));
	err->status = status;
	errno = saved;
	return -1;
}

int err_prefix(struct drop_err *err, const char *fmt, ...)
{
	char old[sizeof(err->msg)];
	va_list ap;
	int n;

	memcpy(old, err->msg, sizeof(old));
	va_start(ap, fmt);
	n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(err->msg) - 2)
		return -1;
	/* Appended by hand: the combined length is bounded here, not by the format. */
	memcpy(err->msg + n, ": ", 2);
	n += 2;
	for (size_t i = 0; old[i] && (size_t)n < sizeof(err->msg) - 1; i++)
		err->msg[n++] = old[i];
	err->msg[n] = '\0';
	return -1;
}

void log_vmsg(const char *fmt, va_list ap)
{
	char line[2048];
	int n = snprintf(line, sizeof(line), "drop: ");

	n += vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	/* One write so concurrent output from the sandbox cannot split the line. */
	if (write(STDERR_FILENO, line, (size_t)n) < 0)
		return;
}

void log_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(fmt, ap);
	va_end(ap);
}

void log_at(int verbosity, int min, const char *fmt, ...)
{
	va_list ap;

	if (verbosity < min)
		return;
	va_start(ap, fmt);
	log_vmsg(fmt, ap);
	va_end(ap);
}
