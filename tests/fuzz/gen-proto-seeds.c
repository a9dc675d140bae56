/*
 * gen-proto-seeds.c: writes valid SETUP and STATUS messages and ERROR bodies
 * as fuzz seeds into a directory. make runs it whenever it is rebuilt (proto.c
 * or proto.h changed), so the corpus follows the protocol version; a seed
 * whose bytes are already right is not rewritten (a read-only source tree
 * with current seeds is fine).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "proto.h"
#include "sys.h"
#include "wire.h"

static int write_seed(const char *dir, const char *name, const uint8_t *p, size_t len)
{
	char path[4096];
	char *old = NULL;
	size_t old_len = 0;
	bool same;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	same = read_file_at(AT_FDCWD, path, len, 0, &old, &old_len) == 0 && old_len == len && memcmp(old, p, len) == 0;
	free(old);
	if (same)
		return 0;
	printf("gen-proto-seeds: %s\n", path);
	return write_file_at(AT_FDCWD, path, (const char *)p, len, 0644);
}

static int write_status_seed(const char *dir, const char *name, int wait_status, uint64_t maxrss_kib)
{
	uint8_t msg[PROTO_STATUS_SIZE];

	if (proto_encode_status(wait_status, maxrss_kib, msg) < 0)
		return -1;
	return write_seed(dir, name, msg, sizeof(msg));
}

static int write_setup_seed(const char *dir, const char *name, const struct drop_setup *s)
{
	struct drop_err err;
	uint8_t *msg = NULL;
	size_t len;
	int r;

	if (proto_encode_setup(s, &msg, &len, &err) < 0) {
		fprintf(stderr, "%s: %s\n", name, err.msg);
		return -1;
	}
	r = write_seed(dir, name, msg, len);
	free(msg);
	return r;
}

/* ERROR body as proto_send_error lays it out: u32 status, cstring message. */
static int write_error_seed(const char *dir, const char *name, uint32_t status, const char *msg)
{
	struct wbuf *b = wbuf_new(4096);
	int r = -1;

	if (b && wbuf_put_u32(b, status) == 0 && wbuf_put_cstring(b, msg) == 0)
		r = write_seed(dir, name, wbuf_data(b), wbuf_len(b));
	wbuf_free(b);
	return r;
}

static void minimal_setup(struct drop_setup *s)
{
	static char *argv[] = { (char *)"true", NULL };

	memset(s, 0, sizeof(*s));
	s->env_id = (char *)"e";
	s->env_dir = (char *)"/d/envs/e";
	s->home = (char *)"/home/u";
	s->cwd = (char *)"/home/u";
	s->run_dir = (char *)"/d/run/e-1";
	s->argv = argv;
}

static void full_setup(struct drop_setup *s)
{
	static struct mount_spec mounts[] = {
		{ (char *)"/usr", (char *)"/usr", 0 },
		{ (char *)"/home/u/src", (char *)"/home/u/src", MOUNT_F_RW },
		{ (char *)"/lib32", (char *)"/lib32", MOUNT_F_OPTIONAL },
	};
	static char *blocks[] = { (char *)"/home/u/.ssh", (char *)"/home/u/.gnupg", NULL };
	static char *hidden[] = { (char *)"/d/run", NULL };
	static char *writable[] = { (char *)"/d", (char *)"/home/u/proj", NULL };
	static char *readonly[] = { (char *)"/d/envs", NULL };
	static char *allow[] = { (char *)"ptrace", NULL };
	static char *deny[] = { (char *)"kexec_load", (char *)"321", NULL };
	static char *envp[] = { (char *)"HOME=/home/u", (char *)"TERM=xterm-256color", NULL };
	static char *argv[] = { (char *)"bash", (char *)"-c", (char *)"echo hi", NULL };

	minimal_setup(s);
	s->uid = 1000;
	s->gid = 1000;
	s->net_mode = 1;
	s->tty_mask = 7;
	s->ws_row = 24;
	s->ws_col = 80;
	s->seccomp = 1;
	s->verbosity = 1;
	s->mounts = mounts;
	s->n_mounts = 3;
	s->blocks = blocks;
	s->readonly = readonly;
	s->hidden = hidden;
	s->writable = writable;
	s->seccomp_allow = allow;
	s->seccomp_deny = deny;
	s->envp = envp;
	s->argv = argv;
}

int main(int argc, char **argv)
{
	struct drop_setup s;
	int bad = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	minimal_setup(&s);
	bad |= write_setup_seed(argv[1], "setup-minimal", &s);
	full_setup(&s);
	bad |= write_setup_seed(argv[1], "setup-full", &s);
	s.as_root = 1;
	s.userns = 1;
	s.mounts = NULL;
	s.n_mounts = 0;
	s.envp = NULL;
	bad |= write_setup_seed(argv[1], "setup-root-no-mounts", &s);
	bad |= write_error_seed(argv[1], "error-enoent", 127, "bash: command not found");
	bad |= write_error_seed(argv[1], "error-empty", 125, "");
	bad |= write_status_seed(argv[1], "status-exit", W_EXITCODE(3, 0), 20480);
	bad |= write_status_seed(argv[1], "status-stop", W_STOPCODE(SIGTSTP), 0);
	if (bad)
		fprintf(stderr, "%s: %s\n", argv[0], strerror(errno));
	return bad ? 1 : 0;
}
