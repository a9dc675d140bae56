/* parent.h: the launcher outside: clone into namespaces, id maps, setup handshake, pasta, relay, exit status. */
#ifndef DROP_PARENT_H
#define DROP_PARENT_H

#include <time.h>

#include "config.h"
#include "instance.h"
#include "log.h"
#include "parent-limits.h"
#include "parent-proxy.h"
#include "parent-relay.h"
#include "proto.h"

/* What the caller needs for the report: when the program started and how the run ended. */
struct parent_outcome {
	bool started;                   /* the program was exec'd */
	struct timespec started_at;     /* CLOCK_MONOTONIC */
	struct relay_result end;
};

/* drop enter: the namespaces of a running instance, opened and verified by the caller. */
enum ns_index { NS_USER, NS_MNT, NS_PID, NS_NET, NS_IPC, NS_UTS, NS_CGROUP, NS_COUNT };
struct join_target {
	int fd[NS_COUNT];
};

struct parent_input {
	const struct drop_setup *setup;       /* stdio modes and window size are filled in by parent_run */
	const struct drop_settings *settings;
	struct instance *instance;
	const char *pasta;                    /* pasta binary, NULL unless net is isolated */
	const struct join_target *join;       /* enter a running instance instead of making one */
	struct limits *limits;                /* NULL: none; a cgroup2 plan gets its cgroup here */
	uint64_t timeout_ms;
	uint64_t max_output;
	struct parent_outcome *out;           /* may be NULL */
	const struct drop_paths *stale_under; /* clean stale instances there once the program runs */
	const struct proxy_settings *proxy;   /* filtered network, else NULL */
	struct proxy_tally *tally;            /* filtered network: what the proxy did, for the report */
	int verbosity;
};

/* Run the sandbox to completion. Returns the exit status for drop (SPEC 2.4); on
 * drop's own failure returns -1 with err filled (err->status 125 or 126/127). */
int parent_run(const struct parent_input *in, struct drop_err *err);

#endif
