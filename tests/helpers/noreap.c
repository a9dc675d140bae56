/* noreap: run a command under a reaper that never reaps what it inherits, then count what it inherited. */
/*
 *     noreap [-s MS] -- COMMAND [ARG...]
 *
 * Becomes a child subreaper (PR_SET_CHILD_SUBREAPER), the way a container's
 * pid 1 or a CI agent inherits the orphans of what it runs, and runs
 * COMMAND. It waits for COMMAND only, never for an inherited process; once
 * COMMAND has exited and MS milliseconds (default 500) have passed, it
 * prints
 *
 *     noreap: inherited N, zombies Z
 *
 * where N counts every process left that is its child but not COMMAND
 * (what COMMAND's processes did not wait for) and Z those of them that are
 * zombies. Only then does it kill and reap them, so that it leaves nothing
 * itself. Exit status: COMMAND's (128+N for signal N), 125 on its own
 * failure.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* State and parent pid from /proc/PID/stat; the name may hold spaces and parentheses. */
static int read_stat(const char *pid, char *state, long *ppid)
{
	char path[64], buf[512], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %c %ld", state, ppid) != 2)
		return -1;
	return 0;
}

static void kill_inherited(pid_t self)
{
	DIR *d = opendir("/proc");
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char state;
		long ppid;

		if (e->d_name[0] >= '0' && e->d_name[0] <= '9' && read_stat(e->d_name, &state, &ppid) == 0 &&
		    ppid == (long)self)
			kill((pid_t)atol(e->d_name), SIGKILL);
	}
	if (d)
		closedir(d);
}

static void count_inherited(pid_t self, int *left, int *zombies)
{
	DIR *d = opendir("/proc");
	struct dirent *e;

	*left = *zombies = 0;
	if (!d) {
		perror("noreap: /proc");
		exit(125);
	}
	while ((e = readdir(d))) {
		char state;
		long ppid;

		if (e->d_name[0] < '0' || e->d_name[0] > '9' || read_stat(e->d_name, &state, &ppid) < 0)
			continue;
		if (ppid != (long)self)
			continue;
		(*left)++;
		if (state == 'Z')
			(*zombies)++;
	}
	closedir(d);
}

int main(int argc, char **argv)
{
	long settle_ms = 500;
	int opt, status, left, zombies;
	pid_t child;
	struct timespec ts;

	while ((opt = getopt(argc, argv, "+s:")) != -1) {
		if (opt != 's') {
			fprintf(stderr, "usage: noreap [-s MS] -- COMMAND [ARG...]\n");
			return 125;
		}
		settle_ms = strtol(optarg, NULL, 10);
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: noreap [-s MS] -- COMMAND [ARG...]\n");
		return 125;
	}
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
		perror("noreap: PR_SET_CHILD_SUBREAPER");
		return 125;
	}
	child = fork();
	if (child < 0) {
		perror("noreap: fork");
		return 125;
	}
	if (child == 0) {
		execvp(argv[optind], argv + optind);
		fprintf(stderr, "noreap: %s: %s\n", argv[optind], strerror(errno));
		_exit(127);
	}
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR) {
			perror("noreap: waitpid");
			return 125;
		}
	ts.tv_sec = settle_ms / 1000;
	ts.tv_nsec = (settle_ms % 1000) * 1000000;
	nanosleep(&ts, NULL);
	count_inherited(getpid(), &left, &zombies);
	printf("noreap: inherited %d, zombies %d\n", left, zombies);
	fflush(stdout);
	/* Counted: now they are ours to end and reap. */
	while (waitpid(-1, NULL, WNOHANG) >= 0) {
		kill_inherited(getpid());
		waitpid(-1, NULL, 0);
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
