/* proxy-dns.c: the proxy's name resolution: /etc/hosts read once into memory, then DNS through c-ares. */
#include "proxy-dns.h"

#include <ares.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cleanup.h"
#include "sys.h"

#define HOSTS_MAX_BYTES (4u * 1024 * 1024)

struct dns {
	ares_channel channel;
	struct hosts_table hosts;
	dns_done_fn done;
	void *ctx;
};

struct lookup {
	struct dns *d;
	uintptr_t token;
};

static void on_addrinfo(void *arg, int status, int timeouts, struct ares_addrinfo *res)
{
	struct lookup *l = arg;
	struct net_addr addrs[DNS_MAX_ADDRS];
	size_t n = 0;

	for (struct ares_addrinfo_node *a = res && status == ARES_SUCCESS ? res->nodes : NULL; a && n < DNS_MAX_ADDRS;
	     a = a->ai_next) {
		if (a->ai_family == AF_INET)
			addr_set(&addrs[n++], 4, &((struct sockaddr_in *)(void *)a->ai_addr)->sin_addr);
		else if (a->ai_family == AF_INET6)
			addr_set(&addrs[n++], 6, &((struct sockaddr_in6 *)(void *)a->ai_addr)->sin6_addr);
	}
	if (res)
		ares_freeaddrinfo(res);
	/* ares_destroy cancels pending lookups with ARES_EDESTRUCTION: nobody is left to tell. */
	if (status != ARES_EDESTRUCTION)
		l->d->done(l->d->ctx, l->token, addrs, n);
	free(l);
}

struct dns *dns_open(const char *hosts_path, dns_done_fn done, void *ctx, struct drop_err *err)
{
	struct ares_options opts = { .lookups = (char *)"b", .flags = ARES_FLAG_NOSEARCH, .timeout = 3000, .tries = 2 };
	autofree char *text = read_file(hosts_path, HOSTS_MAX_BYTES);
	struct dns *d = calloc(1, sizeof(*d));
	int rc;

	if (!d) {
		err_sys(err, DROP_ESETUP, "out of memory");
		return NULL;
	}
	d->done = done;
	d->ctx = ctx;
	/* A missing hosts file is an empty one, as for glibc. */
	if (text && hosts_parse(text, strlen(text), &d->hosts) < 0) {
		err_sys(err, DROP_ESETUP, "cannot read %s", hosts_path);
		dns_close(d);
		return NULL;
	}
	if ((rc = ares_library_init(ARES_LIB_INIT_ALL)) != ARES_SUCCESS ||
	    (rc = ares_init_options(&d->channel, &opts,
				    ARES_OPT_LOOKUPS | ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES)) != ARES_SUCCESS) {
		err_set(err, DROP_ESETUP, "cannot start the proxy's resolver: %s", ares_strerror(rc));
		d->channel = NULL;
		dns_close(d);
		return NULL;
	}
	return d;
}

void dns_close(struct dns *d)
{
	if (!d)
		return;
	if (d->channel)
		ares_destroy(d->channel);
	hosts_free(&d->hosts);
	free(d);
}

void dns_lookup(struct dns *d, const char *name, uintptr_t token)
{
	struct ares_addrinfo_hints hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct net_addr addrs[DNS_MAX_ADDRS];
	size_t n = hosts_lookup(&d->hosts, name, addrs, DNS_MAX_ADDRS);
	struct lookup *l;

	if (n) {
		d->done(d->ctx, token, addrs, n);
		return;
	}
	l = malloc(sizeof(*l));
	if (!l) {
		d->done(d->ctx, token, addrs, 0);
		return;
	}
	l->d = d;
	l->token = token;
	ares_getaddrinfo(d->channel, name, NULL, &hints, on_addrinfo, l);
}

size_t dns_pollfds(struct dns *d, struct pollfd *pfd, size_t max)
{
	ares_socket_t socks[ARES_GETSOCK_MAXNUM];
	int mask = ares_getsock(d->channel, socks, ARES_GETSOCK_MAXNUM);
	size_t n = 0;

	for (int i = 0; i < ARES_GETSOCK_MAXNUM && n < max; i++) {
		short ev = (short)((ARES_GETSOCK_READABLE(mask, i) ? POLLIN : 0) |
				   (ARES_GETSOCK_WRITABLE(mask, i) ? POLLOUT : 0));
		if (!ev)
			break;
		pfd[n++] = (struct pollfd){ .fd = socks[i], .events = ev };
	}
	return n;
}

int dns_timeout_ms(struct dns *d, int cap_ms)
{
	struct timeval max = { .tv_sec = cap_ms / 1000, .tv_usec = (cap_ms % 1000) * 1000 }, tv;
	struct timeval *t = ares_timeout(d->channel, cap_ms >= 0 ? &max : NULL, &tv);

	if (!t)
		return -1;
	return (int)(t->tv_sec * 1000 + (t->tv_usec + 999) / 1000);
}

void dns_process(struct dns *d, const struct pollfd *pfd, size_t n)
{
	bool any = false;

	for (size_t i = 0; i < n; i++) {
		if (!pfd[i].revents)
			continue;
		any = true;
		ares_process_fd(d->channel, pfd[i].revents & (POLLIN | POLLERR | POLLHUP) ? pfd[i].fd : ARES_SOCKET_BAD,
				pfd[i].revents & (POLLOUT | POLLERR) ? pfd[i].fd : ARES_SOCKET_BAD);
	}
	/* Timeouts too. */
	if (!any)
		ares_process_fd(d->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
}
