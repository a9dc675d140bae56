/* child-helper.h: the child's second thread, while the root is assembled: the --net off/filtered network namespace (and the proxy's listener), setsid, the seccomp filter. */
#ifndef DROP_CHILD_HELPER_H
#define DROP_CHILD_HELPER_H

#include <pthread.h>
#include <semaphore.h>
#include <stdbool.h>

#include "config.h"
#include "log.h"
#include "proto.h"
#include "seccomp-policy.h"

/*
 * Three pieces of a start-up depend on nothing the filesystem assembly does:
 * a new network namespace for --net off (most of a millisecond: every
 * per-net subsystem initialises), leaving the host's session, and the
 * compiled seccomp filter. A thread does them, in that order, while the main
 * thread builds the root; the main thread joins the namespace before it
 * needs it (a new sysfs belongs to the current network namespace) and waits
 * for the rest before the program starts.
 */
struct child_helper {
	const struct drop_setup *setup;
	pthread_t thread;
	bool running;             /* the thread exists and is not joined yet */
	bool make_netns;
	bool netns_entered;
	sem_t netns_ready;        /* posted once the namespace exists or could not be made */
	sem_t setup_ready;        /* posted once setup is known */
	int ns_fd;                /* the new namespace, -1 until made */
	unsigned proxy_port;      /* filtered network: listen on 127.0.0.1:proxy_port in it */
	int listen_fd;            /* that listening socket, -1 until made; the main thread sends it out */
	const struct port_list *forwards; /* filtered: tcp_host entries, a listener on each sandbox port; or NULL */
	int fwd_fds[FILTERED_MAX_FORWARDS]; /* those listeners, in the list's order, -1 until made */
	size_t n_fwd;
	char step_buf[96];        /* ns_step with a port in it */
	int ns_errno;
	const char *ns_step;      /* which step failed */
	int setsid_errno;
	struct seccomp_blob filters;
	struct drop_err seccomp_err;
	int seccomp_rc;
};

void helper_init(struct child_helper *h);
/*
 * Start the thread (the parent tells whether to make the namespace and the
 * proxy's port, 0 for none: they are known before the setup arrives).
 */
int helper_begin(struct child_helper *h, bool make_netns, unsigned proxy_port, const struct port_list *forwards,
		 struct drop_err *err);
/* The setup has arrived: the thread compiles its filter. */
void helper_give_setup(struct child_helper *h, const struct drop_setup *setup);
/* Move this thread into the new network namespace; a no-op when there is none or it is done. */
int helper_enter_netns(struct child_helper *h, struct drop_err *err);
/* Wait for the thread: afterwards h->filters holds the compiled filter (empty with seccomp = off). */
int helper_finish(struct child_helper *h, struct drop_err *err);

#endif
