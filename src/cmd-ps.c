/* cmd-ps.c: drop ps: the running instances, one per line under a header (SPEC 7). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cmd.h"
#include "instance.h"


/* Today's runs show the time of day, older ones the date. */
static void format_started(long long started, char *buf, size_t len)
{
	time_t t = (time_t)started, now = time(NULL);
	struct tm tm, today;

	if (started <= 0 || !localtime_r(&t, &tm) || !localtime_r(&now, &today)) {
		snprintf(buf, len, "-");
		return;
	}
	if (tm.tm_year == today.tm_year && tm.tm_yday == today.tm_yday)
		strftime(buf, len, "%H:%M:%S", &tm);
	else
		strftime(buf, len, "%Y-%m-%d", &tm);
}

struct ps_widths {
	int name, env, pid;
};

static int max_int(int a, int b)
{
	return a > b ? a : b;
}

static struct ps_widths column_widths(const struct instance_info *v, size_t n)
{
	struct ps_widths w = { (int)strlen("INSTANCE"), (int)strlen("ENV"), (int)strlen("PID") };
	char pid[16];

	for (size_t i = 0; i < n; i++) {
		w.name = max_int(w.name, (int)strlen(v[i].name));
		w.env = max_int(w.env, (int)strlen(v[i].env));
		w.pid = max_int(w.pid, snprintf(pid, sizeof(pid), "%d", (int)v[i].pid));
	}
	return w;
}

static void print_instances(const struct instance_info *v, size_t n)
{
	struct ps_widths w = column_widths(v, n);
	char started[32], pid[16];

	printf("%-*s  %-*s  %*s  %-8s  %s\n", w.name, "INSTANCE", w.env, "ENV", w.pid, "PID", "STARTED", "COMMAND");
	for (size_t i = 0; i < n; i++) {
		format_started(v[i].started, started, sizeof(started));
		if (v[i].pid > 0)
			snprintf(pid, sizeof(pid), "%d", (int)v[i].pid);
		else
			snprintf(pid, sizeof(pid), "-");
		printf("%-*s  %-*s  %*s  %-8s  %s\n", w.name, v[i].name, w.env, v[i].env, w.pid, pid, started,
		       v[i].command ? v[i].command : "-");
	}
}

int cmd_ps(struct cmd_ctx *ctx, int argc, char **argv, struct drop_err *err)
{
	struct instance_info *v = NULL;
	size_t n = 0;

	(void)argc;
	(void)argv;
	if (instance_list(&ctx->paths, &v, &n, err) < 0)
		return DROP_FAIL;
	print_instances(v, n);
	instance_info_free(v, n);
	return DROP_OK;
}
