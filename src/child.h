/* child.h: the process inside the new namespaces: receives the setup, builds the sandbox, becomes pid 1. */
#ifndef DROP_CHILD_H
#define DROP_CHILD_H

#include <stdbool.h>

struct port_list;

/* What the child inherits from the parent across clone() (fork-like: a copy, not shared). */
struct child_args {
	int sock;          /* socketpair end */
	int stdio[3];      /* pipe end to install on fd i, -1 when fd i is a tty or /dev/null */
	int status_fd;     /* pid 1 sends MSG_STATUS here: each stop of the program, then its end */
	bool make_netns;   /* --net off or filtered: clone left the network namespace to the child (child-helper.c) */
	unsigned proxy_port; /* filtered: listen on 127.0.0.1:proxy_port there and pass the socket out; 0 otherwise */
	const struct port_list *tcp_host; /* filtered: listen on each sandbox port too, for the proxy to relay; or NULL */
	int broker_fd;     /* filtered with tcp_publish: pid 1's end of the publish broker (proto.h); -1 otherwise */
	const struct port_list *tcp_publish; /* the ports the broker may connect to; or NULL */
};

/* Never returns: exits with the program's status, or 125 after reporting an ERROR. */
__attribute__((noreturn)) void child_main(const struct child_args *args);
/* drop enter: join the namespaces in ns_fds (user first), then run the program like child_main. */
__attribute__((noreturn)) void child_join_main(const struct child_args *args, const int *ns_fds, int n_ns);

#endif
