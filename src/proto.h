/* proto.h: drop's messages between parent and child: types, version, and the setup codec. */
#ifndef DROP_PROTO_H
#define DROP_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "log.h"

#define PROTO_MAGIC 0x44524f50u /* "DROP" */
#define PROTO_VERSION 3     /* 2: MSG_LISTENER; 3: MSG_STATUS, and the hidden, writable and git_mode fields */
#define PROTO_HEADER_SIZE 14    /* magic u32, version u16, type u16, flags u16, length u32 */
#define PROTO_MAX_MSG (4u * 1024 * 1024)
#define PROTO_MAX_LIST 65536    /* entries in any one list field */

#define PROTO_FLAG_FD 0x1       /* an fd travels with this message (SCM_RIGHTS) */

/*
 * The fixed sequence: parent SETUP -> child PTY (with fd) or NOPTY ->
 * child LISTENER, one per listening socket (filtered network only: the
 * proxy's, then each tcp_host's) ->
 * child READY (filesystem built, waiting) or ERROR -> parent GO ->
 * child execs (or sends ERROR if exec fails before the program starts).
 * Then pid 1 sends STATUS on the status pipe for each stop of the program
 * and once for its end.
 */
enum proto_type {
	MSG_SETUP = 1,
	MSG_PTY = 2,
	MSG_NOPTY = 3,
	MSG_READY = 4,
	MSG_ERROR = 5,
	MSG_GO = 6,
	MSG_LISTENER = 7,
	MSG_STATUS = 8,
};

/*
 * The publish broker (tcp_publish with the filtered network): a
 * SOCK_SEQPACKET pair between the proxy and pid 1, which alone can make a
 * socket in the sandbox's network namespace. A request is
 * BROKER_REQ_SIZE bytes: the family (4 or 6), then a sandbox port (u16,
 * big-endian) that tcp_publish names. pid 1 answers each request, in
 * order, with one status byte: BROKER_OK carries (SCM_RIGHTS) a
 * non-blocking TCP socket whose connect to 127.0.0.1 or ::1 at that port
 * is under way; BROKER_REFUSED (nothing listens there) and BROKER_FAILED
 * carry none. Any other request closes the broker.
 */
#define BROKER_REQ_SIZE 3
enum broker_status { BROKER_OK = 0, BROKER_REFUSED = 1, BROKER_FAILED = 2 };

/* A bind mount the child performs: src is a host path, dst a sandbox path. */
#define MOUNT_F_RW 0x1
#define MOUNT_F_OPTIONAL 0x2   /* skip silently if src is missing (e.g. /lib32) */
#define MOUNT_F_DEV 0x4        /* device nodes stay usable: no nodev ([gui] gpu) */
#define MOUNT_F_GITDIR 0x8     /* src is a git directory (a linked worktree's): the [fs] git rule applies to it */
struct mount_spec {
	char *src;
	char *dst;
	uint32_t flags;
};

/*
 * Everything the child needs, fully resolved by the parent: the child never
 * reads the host environment or config files. All strings and arrays owned.
 */
struct drop_setup {
	char *env_id;
	char *env_dir;          /* DATA_DIR/envs/ID: home, etc, var, tmp below it */
	char *home;             /* $HOME path, same inside */
	char *cwd;              /* host cwd */
	char *run_dir;          /* DATA_DIR/run/ID-NNNN (per-run files such as resolv.conf) */
	uint32_t uid, gid;      /* host ids */
	uint32_t as_root;       /* -r: be 0/0 inside */
	uint32_t net_mode;      /* enum net_mode */
	uint32_t tty_mask;      /* bit i: fd i (0..2) is a terminal */
	uint32_t ws_row, ws_col;
	uint32_t seccomp;       /* 1 = default filter on */
	uint32_t userns;        /* 1 = nested user namespaces allowed */
	uint32_t git_mode;      /* enum git_mode: the .git of read-write mounts */
	uint32_t verbosity;     /* as int, stored +1 (0 quiet, 1 normal, 2 verbose) */
	uint32_t rlimit_as_kib; /* RLIMIT_AS for the program in KiB, 0 = leave alone */
	uint32_t rlimit_nproc;  /* RLIMIT_NPROC for the program, 0 = leave alone */
	struct mount_spec *mounts;  /* configured [fs] mounts, in order */
	uint32_t n_mounts;
	char **blocks;          /* NULL-terminated: configured blocks */
	char **readonly;        /* NULL-terminated physical host paths: drop's state, read-only wherever a mount shows it */
	char **hidden;          /* same, blocked wherever a mount shows it (DATA_DIR/run) */
	char **writable;        /* physical host trees a sandbox can write: symlinks below them are not followed */
	char **seccomp_allow;   /* NULL-terminated syscall names/numbers */
	char **seccomp_deny;
	char **envp;            /* NULL-terminated, final environment */
	char **argv;            /* NULL-terminated, argv[0] is the command as given */
};

void setup_free(struct drop_setup *s);

/* Encode header + body into a malloc'd buffer (*out, *len). */
int proto_encode_setup(const struct drop_setup *s, uint8_t **out, size_t *len, struct drop_err *err);
/* Decode a whole message (header included). Strict: bad magic/version/type/length,
 * unknown/duplicate/missing tags, over-cap counts, trailing bytes are errors.
 * On success *s is filled; on failure *s is left zeroed. */
int proto_decode_setup(const uint8_t *buf, size_t len, struct drop_setup *s, struct drop_err *err);
/* Same field by field (NULL and empty lists are equal): for round-trip checks. */
bool setup_equal(const struct drop_setup *a, const struct drop_setup *b);
/*
 * The encoded message already carries its header: send it with these, not
 * proto_send. proto_recv_setup leaves *s zeroed on failure.
 */
int proto_send_setup(int sock, const struct drop_setup *s, struct drop_err *err);
int proto_recv_setup(int sock, struct drop_setup *s, struct drop_err *err);

/* Send a message of type with an optional body (may be NULL/0) and optional fd (-1 for none). */
int proto_send(int sock, enum proto_type type, const void *body, size_t body_len, int fd,
	       struct drop_err *err);
/*
 * Receive one message; it must be one of the types in the expected mask
 * (bit (1u << type)). Body is malloc'd into *body (NULL if empty), *fd set
 * when PROTO_FLAG_FD (else -1). Bodies larger than PROTO_MAX_MSG are rejected
 * before allocation.
 */
int proto_recv(int sock, uint32_t expected_mask, enum proto_type *type, uint8_t **body,
	       size_t *body_len, int *fd, struct drop_err *err);

/* ERROR body: u32 status, cstring message. */
int proto_send_error(int sock, const struct drop_err *e);
int proto_decode_error(const uint8_t *body, size_t len, struct drop_err *out);

/*
 * STATUS body: u32 wait status (a stop of the program, or its end), u64 peak
 * RSS in KiB. The whole message is PROTO_STATUS_SIZE bytes, under PIPE_BUF:
 * it goes in one write, so the pipe keeps it whole.
 */
#define PROTO_STATUS_SIZE (PROTO_HEADER_SIZE + 4 + 8)
int proto_encode_status(int wait_status, uint64_t maxrss_kib, uint8_t out[PROTO_STATUS_SIZE]);
/* Decode a whole STATUS message (header included), strictly, as proto_decode_setup does. */
int proto_decode_status(const uint8_t *buf, size_t len, int *wait_status, uint64_t *maxrss_kib,
			struct drop_err *err);
/* -1 when the write fails (drop is gone). */
int proto_send_status(int fd, int wait_status, uint64_t maxrss_kib);
/* One STATUS from fd; -1 with err at EOF (pid 1 died without reporting) or on a malformed message. */
int proto_recv_status(int fd, int *wait_status, uint64_t *maxrss_kib, struct drop_err *err);

#endif
