/* parent-proxy.c: the parent's side of the filtered network: start the proxy process, tally its events, stop and reap it. */
#include "parent-proxy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proxy.h"
#include "sys.h"

void proxy_tally_free(struct proxy_tally *t)
{
	for (size_t i = 0; i < t->n_denied; i++)
		free((char *)t->denied[i].host);
	free(t->denied);
	memset(t, 0, sizeof(*t));
}

void pproxy_init(struct parent_proxy *pp)
{
	memset(pp, 0, sizeof(*pp));
	pp->pid = -1;
	pp->pidfd = -1;
	pp->event_fd = -1;
}

void publishing_init(struct proxy_publishing *pub)
{
	pub->n = 0;
	pub->broker_fd = -1;
}

void publishing_close(struct proxy_publishing *pub)
{
	for (size_t i = 0; i < pub->n; i++)
		close(pub->v[i].listen_fd);
	if (pub->broker_fd >= 0)
		close(pub->broker_fd);
	publishing_init(pub);
}

/* Listen on addr:port of the host; 0, 1 when addr is ::1 and the host has no IPv6, or -1 with err. */
static int publish_listen(struct proxy_publishing *pub, const char *addr, const struct port_req *r,
			  struct drop_err *err)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	socklen_t len = sizeof(*in4);
	int one = 1, fd, e;

	if (inet_pton(AF_INET, addr, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons(r->host_port);
	} else if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(r->host_port);
		len = sizeof(*in6);
	} else {
		return err_set(err, DROP_ESETUP, "cannot publish port %u: '%s' is not an IP address", r->host_port, addr);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0 &&
	    bind(fd, (struct sockaddr *)&ss, len) == 0 && listen(fd, 512) == 0) {
		pub->v[pub->n++] = (struct proxy_publish){ .listen_fd = fd, .sandbox_port = r->sandbox_port };
		return 0;
	}
	e = errno;
	if (fd >= 0)
		close(fd);
	if (!r->host_ip && ss.ss_family == AF_INET6 && (e == EAFNOSUPPORT || e == EADDRNOTAVAIL))
		return 1;
	if (e == EADDRINUSE)
		return err_set(err, DROP_ESETUP, "cannot publish port %u: the host already uses it; publish it on "
			       "another host port (-t OTHER:%u)", r->host_port, r->sandbox_port);
	if (e == EACCES)
		return err_set(err, DROP_ESETUP, "cannot publish port %u: ports this low need privileges on the host "
			       "(sysctl net.ipv4.ip_unprivileged_port_start); publish it on a higher host port",
			       r->host_port);
	errno = e;
	return err_sys(err, DROP_ESETUP, "cannot publish port %u on %s", r->host_port, addr);
}

int publishing_open(struct proxy_publishing *pub, const struct port_list *publish, bool v6_only, int *inner,
		    struct drop_err *err)
{
	int pair[2];

	*inner = -1;
	for (size_t i = 0; i < publish->n && i < FILTERED_MAX_FORWARDS; i++) {
		const struct port_req *r = &publish->v[i];

		/* With pasta, it publishes the entry's address or 127.0.0.1 (and "auto"); drop adds [::1]. */
		if (v6_only && (r->is_auto || r->host_ip))
			continue;
		if ((!v6_only && publish_listen(pub, r->host_ip ? r->host_ip : "127.0.0.1", r, err) < 0) ||
		    (!r->host_ip && publish_listen(pub, "::1", r, err) < 0))
			goto fail;
	}
	if (!pub->n)
		return 0;
	/* Non-blocking at both ends: pid 1 never waits for the proxy, nor the proxy for pid 1. */
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, pair) < 0) {
		err_sys(err, DROP_ESETUP, "cannot create the publish broker's socket");
		goto fail;
	}
	pub->broker_fd = pair[0];
	*inner = pair[1];
	return 0;
fail:
	publishing_close(pub);
	return -1;
}

static void close_listeners(int listen_fd, const struct proxy_forward *fwd, size_t n_fwd,
			    struct proxy_publishing *pub)
{
	if (listen_fd >= 0)
		close(listen_fd);
	for (size_t i = 0; i < n_fwd; i++)
		close(fwd[i].listen_fd);
	if (pub)
		publishing_close(pub);
}

int pproxy_start(struct parent_proxy *pp, const struct allow_list *allow, int listen_fd,
		 const struct proxy_forward *fwd, size_t n_fwd, struct proxy_publishing *pub, int verbosity,
		 struct proxy_tally *tally, struct drop_err *err)
{
	int pair[2];
	pid_t parent = getpid();

	pp->verbosity = verbosity;
	pp->tally = tally;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0) {
		close_listeners(listen_fd, fwd, n_fwd, pub);
		return err_sys(err, DROP_ESETUP, "cannot create the proxy's event socket");
	}
	pp->pid = sys_clone_ns(0, &pp->pidfd);
	if (pp->pid == 0) {
		struct proxy_input in = { .allow = allow, .listen_fd = listen_fd, .event_fd = pair[1],
					  .hosts_path = "/etc/hosts", .fwd = fwd, .n_fwd = n_fwd,
					  .pub = pub && pub->n ? pub : NULL };
		/* The proxy parses the sandbox's bytes: it keeps none of the host's variables (tokens). */
		clearenv();
		close(pair[0]);
		proxy_main(&in, parent);
	}
	close(pair[1]);
	close_listeners(listen_fd, fwd, n_fwd, pub);
	if (pp->pid < 0) {
		close(pair[0]);
		return err_sys(err, DROP_ESETUP, "cannot start the filtered network's proxy");
	}
	pp->event_fd = pair[0];
	return 0;
}

/* Host text from the proxy is checked again: only what a canonical name or an address can hold reaches the terminal. */
static bool printable_host(const char *h, size_t n)
{
	if (!n || n > HOST_NAME_MAX_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((h[i] >= 'a' && h[i] <= 'z') || (h[i] >= '0' && h[i] <= '9') || h[i] == '.' || h[i] == '-' ||
		      h[i] == ':'))
			return false;
	return true;
}

static void format_dest(char *out, size_t len, const char *host, unsigned port)
{
	snprintf(out, len, strchr(host, ':') ? "[%s]:%u" : "%s:%u", host, port);
}

static void tally_denied(struct parent_proxy *pp, const uint8_t *msg, size_t n)
{
	struct proxy_tally *t = pp->tally;
	char host[HOST_NAME_MAX_LEN + 1], where[HOST_NAME_MAX_LEN + 16];
	unsigned port;
	struct report_denial *v;

	if (n < 4 || !printable_host((const char *)msg + 3, n - 3))
		return;
	port = (unsigned)msg[1] << 8 | msg[2];
	memcpy(host, msg + 3, n - 3);
	host[n - 3] = '\0';
	for (size_t i = 0; i < t->n_denied; i++) {
		if (t->denied[i].port == port && !strcmp(t->denied[i].host, host)) {
			t->denied[i].count++;
			return;
		}
	}
	format_dest(where, sizeof(where), host, port);
	/* A sandbox that asks for endless names must not grow the parent without bound. */
	if (t->n_denied >= PROXY_TALLY_MAX) {
		if (!t->denied_other++)
			log_at(pp->verbosity, V_VERBOSE, "blocked %s (not in [net] allow); more than %d destinations "
			       "refused, the rest are counted only", where, PROXY_TALLY_MAX);
		return;
	}
	log_at(pp->verbosity, V_VERBOSE, "blocked %s (not in [net] allow)", where);
	v = realloc(t->denied, (t->n_denied + 1) * sizeof(*v));
	if (!v)
		return;
	t->denied = v;
	v[t->n_denied] = (struct report_denial){ .host = strdup(host), .port = port, .count = 1 };
	if (v[t->n_denied].host)
		t->n_denied++;
}

bool pproxy_events(void *arg)
{
	struct parent_proxy *pp = arg;
	uint8_t msg[512];
	ssize_t n;

	if (pp->event_fd < 0)
		return false;
	while ((n = recv(pp->event_fd, msg, sizeof(msg), MSG_DONTWAIT)) > 0) {
		if (!pp->tally)
			continue; /* a relay for pasta's runs: it sends no events */
		if (msg[0] == PROXY_EV_ALLOWED && n == 1)
			pp->tally->allowed++;
		else if (msg[0] == PROXY_EV_DENIED)
			tally_denied(pp, msg, (size_t)n);
		else if (msg[0] == PROXY_EV_LOST && n == 5)
			pp->tally->lost += (uint64_t)msg[1] << 24 | (uint64_t)msg[2] << 16 | (uint64_t)msg[3] << 8 | msg[4];
	}
	return n < 0 && (errno == EAGAIN || errno == EINTR);
}

void pproxy_stop(struct parent_proxy *pp)
{
	siginfo_t si;

	pproxy_events(pp);
	if (pp->pid > 0) {
		sys_pidfd_send_signal(pp->pidfd, SIGKILL);
		while (waitid(P_PIDFD, (id_t)pp->pidfd, &si, WEXITED) < 0 && errno == EINTR)
			;
		pp->pid = -1;
	}
	if (pp->pidfd >= 0)
		close(pp->pidfd);
	if (pp->event_fd >= 0)
		close(pp->event_fd);
	pp->pidfd = pp->event_fd = -1;
}

void pproxy_summary(const struct proxy_tally *t, int verbosity)
{
	char line[900];
	size_t len = 0;
	size_t shown = 0;

	if ((!t->n_denied && !t->lost) || verbosity == V_QUIET)
		return;
	if (verbosity == V_VERBOSE && !t->lost && !t->denied_other)
		return; /* -v printed each one as it happened */
	for (size_t i = 0; i < t->n_denied && len < sizeof(line) - 300; i++, shown++) {
		char where[HOST_NAME_MAX_LEN + 16];
		int w;

		format_dest(where, sizeof(where), t->denied[i].host, t->denied[i].port);
		w = snprintf(line + len, sizeof(line) - len, "%s%s (%llu)", i ? ", " : "", where,
			     (unsigned long long)t->denied[i].count);
		if (w > 0)
			len += (size_t)w;
	}
	if (shown < t->n_denied || t->denied_other)
		len += (size_t)snprintf(line + len, sizeof(line) - len, " and %zu more%s", t->n_denied - shown,
					t->denied_other ? " (and further destinations, not listed)" : "");
	if (t->lost && len < sizeof(line))
		snprintf(line + len, sizeof(line) - len, "; %llu events lost while drop was busy",
			 (unsigned long long)t->lost);
	log_msg("filtered network blocked %s (not in [net] allow; -v shows them as they happen)", line);
}
