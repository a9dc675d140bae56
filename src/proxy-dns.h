/* proxy-dns.h: the proxy's name resolution: /etc/hosts read once into memory, then DNS through c-ares. */
#ifndef DROP_PROXY_DNS_H
#define DROP_PROXY_DNS_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "log.h"
#include "proxy-rules.h"

#define DNS_MAX_ADDRS 16

/* Called once per lookup: n addresses (0 when the name does not resolve), in answer order. */
typedef void (*dns_done_fn)(void *ctx, uintptr_t token, const struct net_addr *addrs, size_t n);

struct dns;

/*
 * Read hosts_path and the resolver configuration (c-ares reads
 * /etc/resolv.conf now): after this nothing opens a file. c-ares is told to
 * look names up in DNS only ("b"), since 1.18 reopens /etc/hosts at every
 * lookup; the hosts file is answered from memory first, as glibc's
 * "files dns" would. Names are queried as given (no search list).
 */
struct dns *dns_open(const char *hosts_path, dns_done_fn done, void *ctx, struct drop_err *err);
void dns_close(struct dns *d);
/* Start a lookup of a canonical name; done may be called before this returns (hosts file). */
void dns_lookup(struct dns *d, const char *name, uintptr_t token);
/* Fill up to max pollfds with the resolver's sockets; returns how many. */
size_t dns_pollfds(struct dns *d, struct pollfd *pfd, size_t max);
/* Milliseconds until the resolver needs dns_process without an event (-1: never), capped at cap_ms. */
int dns_timeout_ms(struct dns *d, int cap_ms);
/* Let the resolver act on the polled sockets (those pfd entries with revents) and on its timeouts. */
void dns_process(struct dns *d, const struct pollfd *pfd, size_t n);

#endif
