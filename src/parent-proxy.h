/* parent-proxy.h: the parent's side of the filtered network: start the proxy process, tally its events, stop and reap it. */
#ifndef DROP_PARENT_PROXY_H
#define DROP_PARENT_PROXY_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "log.h"
#include "proxy.h"
#include "proxy-rules.h"
#include "report.h"

/* What the proxy reported: connections made, and each refused destination with its count (hosts owned). */
struct proxy_tally {
	uint64_t allowed;
	struct report_denial *denied;  /* at most PROXY_TALLY_MAX destinations */
	size_t n_denied;
	uint64_t denied_other;         /* refusals of destinations past that cap */
	uint64_t lost;                 /* events the proxy could not report (queue full) */
};
#define PROXY_TALLY_MAX 1000
void proxy_tally_free(struct proxy_tally *t);

struct parent_proxy {
	pid_t pid;
	int pidfd;
	int event_fd;               /* our end; -1 when no proxy runs */
	int verbosity;
	struct proxy_tally *tally;  /* borrowed, filled as events arrive */
};

void pproxy_init(struct parent_proxy *pp);
/* No listener, no broker. */
void publishing_init(struct proxy_publishing *pub);
/* Close what pub still owns (the caller's copies after pproxy_start, or all on a failed start). */
void publishing_close(struct proxy_publishing *pub);
/*
 * tcp_publish, before the sandbox exists: listen on the host for each entry
 * (its address, or both 127.0.0.1 and ::1, the latter skipped where the host
 * has no IPv6) and make the broker's socket pair; *inner is pid 1's end, -1
 * when nothing was opened. v6_only (--net isolated, where pasta publishes
 * the rest): only [::1] for the entries without an address. A port in use
 * is the SPEC's one line.
 */
int publishing_open(struct proxy_publishing *pub, const struct port_list *publish, bool v6_only, int *inner,
		    struct drop_err *err);
/*
 * Fork the proxy on listen_fd, the tcp_host listeners in fwd and the
 * tcp_publish ones in pub (or NULL) (this call closes them all in the
 * parent, and pub's broker end). With -v each refused destination is
 * printed once, when it first happens. A relay for tcp_publish alone (with
 * pasta) has no allow list, listen_fd -1, no fwd, and a NULL tally.
 */
int pproxy_start(struct parent_proxy *pp, const struct allow_list *allow, int listen_fd,
		 const struct proxy_forward *fwd, size_t n_fwd, struct proxy_publishing *pub, int verbosity,
		 struct proxy_tally *tally, struct drop_err *err);
/* Read the events that have arrived (the relay calls it when event_fd is readable); false once the proxy hung up. */
bool pproxy_events(void *pp);
/* Read the last events, kill the proxy and wait for it (no zombie); idempotent. */
void pproxy_stop(struct parent_proxy *pp);
/* The exit line without -v or -q: "drop: filtered network blocked HOST:PORT (N), ... (not in [net] allow)". */
void pproxy_summary(const struct proxy_tally *t, int verbosity);

#endif
