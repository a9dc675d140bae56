/* parent-net.h: isolated networking with pasta: lookup, arguments, start, readiness, teardown. */
#ifndef DROP_PARENT_NET_H
#define DROP_PARENT_NET_H

#include <stdbool.h>
#include <sys/types.h>

#include "config.h"
#include "log.h"

#define PASTA_DNS_ADDR "169.254.1.1"

struct net {
	pid_t pid;         /* pasta, our direct child (dies with us through PDEATHSIG) */
	int pidfd;
	int inotify_fd;
	char *pidfile;
	char *logfile;
	bool killed;
};

/* Find pasta in the host PATH; the error carries SPEC 5's install hint. */
int net_find_pasta(char **path, struct drop_err *err);
/* Write run_dir/etc/resolv.conf pointing at pasta's DNS forwarder. */
int net_write_resolv_conf(const char *run_dir, struct drop_err *err);
/* Start pasta on target's network namespace; returns at once (readiness: net_wait_ready). */
int net_start(struct net *n, const char *pasta, const struct drop_settings *s, pid_t target,
	      const char *run_dir, struct drop_err *err);
/* Wait until pasta has configured the namespace (it writes its pid file then). */
/* 0 once pasta configured the namespace, 1 as soon as stop_fd is readable (again later), -1 on failure. */
int net_wait_ready(struct net *n, int timeout_ms, int stop_fd, struct drop_err *err);
/* An empty struct net: no pasta, every fd -1. net_stop on it does nothing. */
void net_init(struct net *n);
/* SIGKILL pasta (once); it dies while drop finishes, net_stop reaps it. NULL-safe. */
void net_kill(struct net *n);
/* Kill pasta if it still runs, wait for it, close the fds, free the paths, leave n as net_init does. NULL-safe. */
void net_stop(struct net *n);

/* The pasta argument vector for settings (tests and show-config use it too). NULL-terminated, malloc'd. */
char **net_pasta_argv(const char *pasta, const struct drop_settings *s, pid_t target, const char *pidfile,
		      const char *logfile, bool as_host_root);

#endif
