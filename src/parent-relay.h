/* parent-relay.h: the terminal and stream relay: raw mode, poll loop, window size, signal forwarding, output filter. */
#ifndef DROP_PARENT_RELAY_H
#define DROP_PARENT_RELAY_H

#include <stdbool.h>
#include <stdint.h>
#include <termios.h>

#include "log.h"

/*
 * Host terminal state, saved once and restored idempotently on every exit
 * path. Raw mode changes only the input side (SPEC 5): output that other
 * processes write to the terminal meanwhile is processed as before.
 */
struct term_state {
	int fd;               /* the host terminal put in raw mode, -1 if none */
	struct termios saved;
	bool raw;
	bool opost_off;       /* output processing off while the sandbox's pty has its own off */
};

void term_enter_raw(struct term_state *t, int fd);
/* Output processing of the raw host terminal as saved (on) or off, following the sandbox's pty. */
void term_output_follows(struct term_state *t, bool processed);
void term_restore(struct term_state *t);

struct relay_fds {
	int master;           /* pty master, -1 without a pty */
	int tty_out;          /* host fd that receives the pty's output */
	int tty_in;           /* host fd whose input goes to the pty (or -1) */
	int stdin_pipe;       /* write end feeding the program's non-tty stdin, -1 if none */
	int stdout_pipe;      /* read end of the program's non-tty stdout, -1 if none */
	int stderr_pipe;      /* read end of the program's non-tty stderr, -1 if none */
	int pidfd;            /* the sandbox's pid 1 */
	int status_fd;        /* pid 1's MSG_STATUS messages: each stop of the program, then its end */
	int sigfd;            /* signalfd of the signals drop forwards */
	int end_pidfd;        /* SIGKILLed as soon as the program's end is known (pasta), -1: none */
	struct term_state *term;  /* restored while drop is stopped, re-entered on SIGCONT */
	uint64_t timeout_ms;  /* 0: none; else SIGTERM to the sandbox, SIGKILL 2 s later */
	uint64_t max_output;  /* 0: none; else the cap of each relayed non-terminal output stream */
	bool filter_terminal; /* remove from the pty's output what would command the host terminal (SPEC 5) */
	int event_fd;         /* -1, or an fd whose input on_event reads (the proxy's events) */
	bool (*on_event)(void *ctx);  /* false: stop polling event_fd (it hung up) */
	void *event_ctx;
};

/* What the relay saw of the run's end. */
struct relay_result {
	bool reported;         /* pid 1 reported the program's end itself */
	int wait_status;       /* the program's wait status, when reported */
	uint64_t maxrss_kib;   /* the program's peak RSS, when reported */
	bool timed_out;        /* [limits] timeout ended the run */
	bool truncated[2];     /* stdout, stderr cut at max_output */
};

/* Every fd -1, nothing else set: fill in what the run has. */
void relay_init(struct relay_fds *fds);
/* Closes the fds that relay_fds owns (master and the three pipe ends); NULL-safe, idempotent. */
void relay_free(struct relay_fds *fds);

/*
 * Relay until pid 1 exits and every stream is drained. Returns the exit
 * status for drop (the program's, 128+N for signal N), or -1 with err set.
 * Owns master, stdin_pipe, stdout_pipe and stderr_pipe and closes them on
 * every path (relay_free); pidfd, status_fd, sigfd and the host's own
 * tty_in/tty_out stay the caller's.
 */
int relay_run(struct relay_fds *fds, struct relay_result *result, struct drop_err *err);

#endif
