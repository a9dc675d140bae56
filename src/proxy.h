/* proxy.h: the filtered network's egress proxy, a process of its own: start-up, its seccomp filter, the event loop. */
#ifndef DROP_PROXY_H
#define DROP_PROXY_H

#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "proxy-rules.h"

#define PROXY_MAX_CONNS 256

/*
 * Events to drop's parent over a SOCK_SEQPACKET socket, one per message:
 * "A" a connection was made to an allowed destination; "D" + port (u16,
 * big-endian) + host text (a canonical name or an address, no brackets) a
 * request was refused; "L" below. The parent checks the text again before printing.
 */
#define PROXY_EV_ALLOWED 'A'
#define PROXY_EV_DENIED 'D'
/* "L" + count (u32, big-endian): events the proxy could not queue while the parent was not reading. */
#define PROXY_EV_LOST 'L'

/* A tcp_host entry with --net filtered: a listener inside, relayed to the host's 127.0.0.1:host_port. */
struct proxy_forward {
	int listen_fd;
	uint16_t host_port;
};

/*
 * tcp_publish with --net filtered: listeners on the host (127.0.0.1:H and
 * [::1]:H, or the entry's address; with --net isolated only [::1]:H, pasta
 * publishing the rest), each connection relayed to the
 * sandbox's 127.0.0.1:S (or ::1:S when nothing listens on 127.0.0.1:S)
 * through a socket pid 1 makes there (the broker, proto.h).
 */
struct proxy_publish {
	int listen_fd;
	uint16_t sandbox_port;
};
#define PROXY_MAX_PUBLISH (2 * FILTERED_MAX_FORWARDS)
#define PROXY_MAX_PUBLISHED_CONNS 128  /* host connections at once; the rest of the slots stay the sandbox's */
#define PROXY_BROKER_INFLIGHT 32       /* requests pid 1 has not answered yet */

struct proxy_publishing {
	struct proxy_publish v[PROXY_MAX_PUBLISH];
	size_t n;
	int broker_fd;       /* the proxy's end of the broker, -1 without tcp_publish */
};

struct proxy_input {
	const struct allow_list *allow;
	int listen_fd;       /* made inside the sandbox's network namespace, listening; -1: tcp_publish's relay alone */
	int event_fd;        /* to the parent; its hang-up ends the proxy */
	const char *hosts_path;
	const struct proxy_forward *fwd; /* at most FILTERED_MAX_FORWARDS */
	size_t n_fwd;
	const struct proxy_publishing *pub;
};

/*
 * The process forked by the parent, before anything else: ties itself to
 * parent (dies with it), leaves its session, reads the hosts file and the
 * resolver configuration, drops every capability, sets no_new_privs, loads
 * its own filter, and serves until the parent hangs up. Never returns.
 */
__attribute__((noreturn)) void proxy_main(const struct proxy_input *in, pid_t parent);

#endif
